/**
 * A relay data directory that is damaged or half restored (the relay operator's trial):
 * a store LevelDB cannot open is named (DIR/store, not DIR) with LevelDB's reason and
 * a hint; a blobs/ that is a file is named, in words, not a raw EEXIST; a relay key with
 * no store starts, but says that every user is gone (E_STORE_NEW), in the log and on
 * stderr.
 */
import assert from 'node:assert/strict';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../../../src/util/logger.js';
import { runCli } from '../../helpers/cli.js';
import { startTestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

/** `natter relay` on `data`, stopped after a second if it started. */
const relayOn = (data: string) =>
  runCli(['relay', '--host', '127.0.0.1', '--port', '0', '--data', data], {
    stop: new Promise((resolve) => setTimeout(() => resolve('SIGTERM'), 1_000)),
  });

/** A data directory a relay has run on (key, store with a user-less directory, blobs/). */
async function usedDataDir(): Promise<string> {
  const r = await startTestRelay();
  await r.close();
  return r.dataDir;
}

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('relay data directory damaged or half restored', function () {
  this.timeout(30_000);
  afterEach(removeTempDirs);

  it('names the store and gives LevelDB reason and a hint when store/CURRENT is garbage', async () => {
    const data = await usedDataDir();
    await writeFile(join(data, 'store', 'CURRENT'), 'garbage');
    const r = await relayOn(data);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `^natter: relay: could not open the store in ${escaped(join(data, 'store'))}: Corruption: CURRENT file does not end with newline: the store is damaged or incomplete; restore the data directory from a backup .*\\(E_STORE_OPEN\\)\\n$`,
      ),
    );
  });

  it('says which file is missing when a MANIFEST was deleted', async () => {
    const data = await usedDataDir();
    const store = join(data, 'store');
    for (const f of await readdir(store)) if (f.startsWith('MANIFEST-')) await rm(join(store, f));
    const r = await relayOn(data);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /could not open the store in .*store: IO error: .*MANIFEST-\d+: No such file or directory: the store is damaged or incomplete; restore .*\(E_STORE_OPEN\)\n$/,
    );
  });

  it('says that blobs/ exists and is not a directory, not a bare EEXIST', async () => {
    const data = await usedDataDir();
    await rm(join(data, 'blobs'), { recursive: true });
    await writeFile(join(data, 'blobs'), 'not a folder');
    const r = await relayOn(data);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `^natter: relay: cannot use the data directory ${escaped(data)}: ${escaped(join(data, 'blobs'))} exists and is not a directory \\(EEXIST\\): move it away, or restore the data directory from a backup \\(E_RELAY_DATA\\)\\n$`,
      ),
    );
  });

  it('warns with E_STORE_NEW, in the log and on stderr, when the relay key is there and the store is not', async () => {
    const data = await usedDataDir();
    await rm(join(data, 'store'), { recursive: true });
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: 'warn',
      stream: { write: (line: string) => lines.push(JSON.parse(line)) > 0 },
    });
    const again = await startTestRelay({ dataDir: data, logger });
    await again.close();
    const warned = lines.filter((l) => l.code === 'E_STORE_NEW');
    assert.equal(warned.length, 1, JSON.stringify(lines));
    assert.equal(warned[0]?.level, 'warn');
    assert.equal(warned[0]?.store, join(data, 'store'));
    assert.match(String(warned[0]?.msg), /relay key but no store.*must register again/);

    await rm(join(data, 'store'), { recursive: true });
    const r = await relayOn(data);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /natter: relay: the data directory has a relay key but no store: .*store was missing and starts empty.*\(E_STORE_NEW\)\n/,
    );
  });

  it('says nothing of the kind at a first start, nor at a start with its store', async () => {
    const first = await relayOn(join(await makeTempDir(), 'new'));
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stderr, /E_STORE_NEW/);
    const data = await usedDataDir();
    const again = await relayOn(data);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /E_STORE_NEW/);
  });
});
