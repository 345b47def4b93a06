/**
 * A relay that cannot start says what to do (sixteenth sitting's operator trial): the pid
 * holding its data dir, the way out of a damaged relay key, the host of an address in use,
 * and why the NATS cluster could not be reached.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRelay } from '../../../src/relay/index.js';
import { isNatterError } from '../../../src/util/errors.js';
import { refusedPort } from '../../helpers/ports.js';
import { startTestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const failure = (options: Parameters<typeof startRelay>[0]) =>
  startRelay(options).then(
    (r) => r.close().then(() => assert.fail('the relay started')),
    (e: unknown) => e,
  );

describe('relay start failures say what to do', () => {
  afterEach(removeTempDirs);

  it('names the pid of the relay holding the data dir', async () => {
    const first = await startTestRelay();
    try {
      const err = await failure({ dataDir: first.dataDir, host: '127.0.0.1', port: 0 });
      assert.ok(isNatterError(err, 'E_RELAY_LOCKED'), String(err));
      assert.match(
        err.message,
        new RegExp(`in use by another relay process \\(pid ${process.pid}\\)`),
      );
    } finally {
      await first.close();
    }
  });

  it('says how to recover from a damaged relay key', async () => {
    const dataDir = await makeTempDir();
    await writeFile(join(dataDir, 'relay-key.json'), 'not json');
    const err = await failure({ dataDir, host: '127.0.0.1', port: 0 });
    assert.ok(isNatterError(err, 'E_RELAY_KEY_CORRUPT'), String(err));
    assert.match(err.message, /restore it from a backup, or remove it/);
    assert.match(err.message, /a new relay id that every client must accept/);
  });

  it('names the host and port of an address in use', async () => {
    const taken = await startTestRelay();
    try {
      const err = await failure({
        dataDir: await makeTempDir(),
        host: '127.0.0.1',
        port: taken.port,
      });
      assert.ok(isNatterError(err, 'E_ADDRESS_IN_USE'), String(err));
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${taken.port} is already in use`));
    } finally {
      await taken.close();
    }
  });

  it('leaves a new data dir as it found it when the port is busy, so the retry is a first start', async () => {
    const taken = await startTestRelay();
    try {
      const parent = await makeTempDir();
      const made = join(parent, 'relay');
      const empty = await makeTempDir();
      for (const dataDir of [join(made, 'data'), empty]) {
        const err = await failure({ dataDir, host: '127.0.0.1', port: taken.port });
        assert.ok(isNatterError(err, 'E_ADDRESS_IN_USE'), String(err));
      }
      assert.deepEqual(await readdir(parent), [], 'the dirs it made are gone');
      assert.deepEqual(await readdir(empty), [], 'no relay key, no store');
      const retry = await startRelay({ dataDir: empty, host: '127.0.0.1', port: 0 });
      try {
        assert.equal(retry.notes.newKey, true, 'the retry says its relay key is new');
      } finally {
        await retry.close();
      }
    } finally {
      await taken.close();
    }
  });

  it("leaves an existing relay's key and store as they were when the port is busy", async () => {
    const dataDir = await makeTempDir();
    const first = await startRelay({ dataDir, host: '127.0.0.1', port: 0 });
    await first.close();
    const key = await readFile(join(dataDir, 'relay-key.json'), 'utf8');
    const taken = await startTestRelay();
    try {
      const err = await failure({ dataDir, host: '127.0.0.1', port: taken.port });
      assert.ok(isNatterError(err, 'E_ADDRESS_IN_USE'), String(err));
    } finally {
      await taken.close();
    }
    assert.equal(await readFile(join(dataDir, 'relay-key.json'), 'utf8'), key);
    assert.ok((await stat(join(dataDir, 'store'))).isDirectory());
    const again = await startRelay({ dataDir, host: '127.0.0.1', port: 0 });
    try {
      assert.deepEqual(again.relayId, first.relayId);
      assert.equal(again.notes.newKey, false);
    } finally {
      await again.close();
    }
  });

  it('gives the cause of an unreachable NATS cluster', async () => {
    const port = await refusedPort();
    const err = await failure({
      dataDir: await makeTempDir(),
      host: '127.0.0.1',
      port: 0,
      cluster: { servers: [`nats://127.0.0.1:${port}`] },
    });
    assert.ok(isNatterError(err, 'E_CLUSTER_UNREACHABLE'), String(err));
    assert.match(err.message, /: connection refused \(ECONNREFUSED\)$/);
  });
});
