/**
 * A download that failed on this side is accepted again (a files trial: a download folder
 * on a full disk failed with ENOSPC, and `accept` again said E_FILE_BAD_STATE for good).
 * The first download folder is a real small tmpfs (root only: skipped otherwise).
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { nextEvent } from '../../../helpers/events.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';
import { mountTmpfs, unmountTmpfs } from '../../../helpers/tmpfs.js';
import { testWorld } from '../../../helpers/world.js';
import { filePair, sha256File, writePattern } from './helpers.js';

const MiB = 1024 * 1024;
const TMPFS_MIB = 2;

describe('a download that failed, accepted again (real relay, real small tmpfs)', function () {
  this.timeout(60_000);
  const world = testWorld();
  let small: string | null = null;

  before(async function () {
    try {
      small = await mountTmpfs(TMPFS_MIB, 'natter-smalldisk-');
    } catch (err) {
      console.log(
        `      skipped: cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]}); needs root`,
      );
      this.skip();
    }
  });

  after(async () => {
    if (small === null) return;
    await unmountTmpfs(small);
  });

  afterEach(async () => {
    await world.closeAll();
    await removeTempDirs();
  });

  it('fails a download into a full disk with E_DISK_FULL, removes the partial, and downloads on a second accept', async () => {
    const { alice, bob } = await filePair(world);
    const src = await makeTempDir('natter-src-');
    const hash = await writePattern(join(src, 'big.bin'), 4 * MiB, 3);
    const offered = nextEvent(bob, 'file:offer', (o) => o.name === 'big.bin', 10_000);
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'big.bin')]);
    assert.equal((await alice.waitForTransfer(sent.id)).state, 'done');
    const offer = await offered;
    await bob.acceptFile(offer.shortId, { dir: small! });
    const failed = await bob.waitForTransfer(offer.id);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.error?.code, 'E_DISK_FULL', JSON.stringify(failed.error));
    await new Promise((r) => setTimeout(r, 200)); // the partial's removal follows the failure
    assert.deepEqual(await readdir(small!), [], 'the partial file is removed');

    const roomy = await makeTempDir('natter-dl-');
    const again = await bob.acceptFile(offer.shortId, { dir: roomy });
    assert.notEqual(again.state, 'failed');
    const down = await bob.waitForTransfer(offer.id);
    assert.equal(down.state, 'done', JSON.stringify(down.error));
    assert.equal(down.savedAs, join(roomy, 'big.bin'));
    assert.equal(await sha256File(down.savedAs!), hash);
    assert.equal(bob.fileOffers().find((o) => o.id === offer.id)?.state, 'received');
  });
});
