/**
 * What the relay says at start beside its listening line (sixteenth sitting's operator
 * trial): a relay key it created (a new relay id), and a disk below its free-space
 * watermark, in words, not only in the JSON log.
 */
import assert from 'node:assert/strict';
import { runCli } from '../../helpers/cli.js';
import { startTestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

/** `natter relay` on `data` for half a second, then SIGTERM. */
const relayFor = (data: string) =>
  runCli(['relay', '--host', '127.0.0.1', '--port', '0', '--data', data], {
    stop: new Promise((resolve) => setTimeout(() => resolve('SIGTERM'), 500)),
  });

describe('relay start notes', () => {
  afterEach(removeTempDirs);

  it('says a relay key it created is a new relay id clients must accept, and says nothing of it at the next start', async () => {
    const data = await makeTempDir();
    const first = await relayFor(data);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stderr,
      /^natter: relay: created a new relay key: relay id [a-z2-7-]{19} is new, .*--accept-new-relay-key\)$/m,
    );
    const again = await relayFor(data);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /new relay key/);
  });

  it('tells a disk below the watermark, with both sizes, and nothing when above it', async () => {
    const low = await startTestRelay({
      limits: { minFreeDiskBytes: 256 * 1024 * 1024 },
      freeBytes: async () => 3 * 1024 * 1024,
    });
    try {
      assert.deepEqual(low.relay.notes.lowDisk, {
        freeBytes: 3 * 1024 * 1024,
        minFreeBytes: 256 * 1024 * 1024,
      });
      assert.equal(low.relay.notes.newKey, true);
    } finally {
      await low.close();
    }
    const fine = await startTestRelay({ freeBytes: async () => 2 ** 40, dataDir: low.dataDir });
    try {
      assert.equal(fine.relay.notes.lowDisk, null);
      assert.equal(fine.relay.notes.newKey, false);
    } finally {
      await fine.close();
    }
  });
});
