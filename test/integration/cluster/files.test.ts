/**
 * Files across the relays of a cluster (issue 15, docs/files.md "In a cluster"): two
 * relays on one nats-server, raw protocol clients on loopback. A file put through one
 * relay is fetched through the other, resumes there, streams across while the upload
 * runs, outlives the relay it came through, counts against one quota, and is deleted
 * from JetStream once every recipient is done.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { FILES_STREAM } from '../../../src/relay/cluster/connection.js';
import type { RunningRelay } from '../../../src/relay/index.js';
import { MAX_FILE_CHUNK_BYTES } from '../../../src/wire/limits.js';
import type { FileRecipients, FrameOf } from '../../../src/wire/types.js';
import { TestCluster, type ClusterUser as User } from '../../helpers/cluster-relays.js';
import {
  ackFrame,
  chunkFrame,
  doneFrame,
  fileGet,
  filePut,
  makeFile,
  type TestFile,
  uploadChunks,
} from '../../helpers/file-frames.js';
import { natsServerPath } from '../../helpers/nats.js';
import { freeTcpPort, listening } from '../../helpers/ports.js';
import { RawClient } from '../../helpers/raw-client.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const CHUNK = 4096;
const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const sameId = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const sha256 = (parts: readonly Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

(natsServerPath ? describe : describe.skip)(
  'files across the relays of a cluster (integration)',
  function () {
    this.timeout(30_000);
    const cluster = new TestCluster();
    const { relays, clients, dataDirs } = cluster;
    /** Relay processes of a test's own, killed at the end whatever happened. */
    const killed: ChildProcess[] = [];
    let requestId = 1;

    const relay = cluster.relay.bind(cluster);
    const user = cluster.user.bind(cluster);

    /** The same user, logged in on another relay. */
    const on = (r: RunningRelay, u: User) => user(r, u.name, 'login', u.id);

    const put = (u: User, file: TestFile, to: FileRecipients) =>
      filePut(u.client, file, to, requestId++);

    const toUsers = (...us: User[]): FileRecipients => ({ to: us.map((u) => u.id.signPk) });

    /** Sends chunks [from, to) and waits for the ack that covers them. */
    const upload = (u: User, file: TestFile, from = 0, to = file.chunks.length) =>
      uploadChunks(u.client, file, from, to);

    const get = (u: User, file: TestFile, from = 0) => fileGet(u.client, file, from, requestId++);

    /** Receives chunks [from, to), acking each, and returns them as they came. */
    async function receive(u: User, file: TestFile, from: number, to = file.chunks.length) {
      const got: Uint8Array[] = [];
      for (let i = from; i < to; i++) {
        const c = (await u.client.next(
          (x) => x.type === 'file-chunk' && sameId(x.transferId, file.transferId),
        )) as FrameOf<'file-chunk'>;
        assert.equal(c.index, i);
        got.push(c.data);
        u.client.send(ackFrame(file, i + 1));
      }
      return got;
    }

    async function until(test: () => boolean | Promise<boolean>, what: string) {
      for (let i = 0; i < 500; i++) {
        if (await test()) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.fail(`timed out waiting until ${what}`);
    }

    /** Until relay `r` has heard of `n` registered users (a registration elsewhere reaches it through NATS). */
    const knows = (r: RunningRelay, n: number) =>
      until(() => r.stats().users >= n, `the relay knows ${n} users`);

    /** Messages in the chunk stream, read through a NATS connection of the test's own. */
    async function storedChunks(): Promise<number> {
      const nc = await connect({ servers: [cluster.nats.url] });
      try {
        const jsm = await jetstreamManager(nc);
        return (await jsm.streams.info(FILES_STREAM)).state.messages;
      } finally {
        await nc.close();
      }
    }

    beforeEach(() => cluster.start());

    afterEach(async () => {
      await cluster.stop();
    });

    after(removeTempDirs);

    it('serves a file uploaded through one relay, byte for byte, through another', async () => {
      const a = await relay();
      const b = await relay();
      const alice = await user(a, 'alice');
      const bob = await user(b, 'bob');
      await knows(a, 2); // bob registered on B: relay A hears of it through NATS
      const file = makeFile(10 * CHUNK + 123, CHUNK);
      const result = await put(alice, file, toUsers(bob));
      assert.equal(result.code, '');
      assert.equal((await upload(alice, file)).through, 11);
      await until(() => b.stats().storedFiles === 1, 'relay B learnt of the transfer');
      const got = await get(bob, file);
      assert.equal(got.code, '');
      assert.equal(got.size, file.size);
      assert.equal(got.chunkBytes, CHUNK);
      assert.ok(sameId(got.from, alice.id.signPk));
      const received = await receive(bob, file, 0);
      assert.equal(sha256(received), sha256(file.chunks));
      // Nothing of it is on either relay's own disk.
      for (const dir of dataDirs.values()) {
        const blobs = await readdir(join(dir, 'blobs')).catch(() => []);
        assert.deepEqual(blobs, []);
      }
    });

    it('carries chunks of the largest size (MAX_FILE_CHUNK_BYTES) across relays', async () => {
      const a = await relay();
      const b = await relay();
      const alice = await user(a, 'alice');
      const bob = await user(b, 'bob');
      await knows(a, 2); // bob registered on B: relay A hears of it through NATS
      const file = makeFile(3 * MAX_FILE_CHUNK_BYTES + 5, MAX_FILE_CHUNK_BYTES);
      assert.equal((await put(alice, file, toUsers(bob))).code, '');
      await upload(alice, file);
      await until(() => b.stats().storedFiles === 1, 'relay B learnt of the transfer');
      assert.equal((await get(bob, file)).code, '');
      assert.equal(sha256(await receive(bob, file, 0)), sha256(file.chunks));
    });

    it('resumes an upload on another relay from the durable count after a disconnect', async () => {
      const a = await relay();
      const b = await relay();
      const alice = await user(a, 'alice');
      const bob = await user(b, 'bob');
      await knows(a, 2); // bob registered on B: relay A hears of it through NATS
      const file = makeFile(20 * CHUNK, CHUNK);
      assert.equal((await put(alice, file, toUsers(bob))).code, '');
      const acked = (await upload(alice, file, 0, 6)).through;
      // A window in flight, then the connection drops.
      for (let i = 6; i < 10; i++) alice.client.send(chunkFrame(file, i));
      await new Promise((r) => setImmediate(r));
      alice.client.close();
      await alice.client.closed;
      const moved = await on(b, alice);
      const resumed = await put(moved, file, toUsers(bob));
      assert.equal(resumed.code, '');
      assert.ok(
        resumed.haveChunks >= acked && resumed.haveChunks <= 10,
        `have ${resumed.haveChunks}`,
      );
      await upload(moved, file, resumed.haveChunks);
      assert.equal((await get(bob, file)).code, '');
      assert.equal(sha256(await receive(bob, file, 0)), sha256(file.chunks));
    });

    it('streams to a recipient on another relay while the upload is still running', async () => {
      const a = await relay();
      const b = await relay();
      const alice = await user(a, 'alice');
      const bob = await user(b, 'bob');
      await knows(a, 2); // bob registered on B: relay A hears of it through NATS
      const file = makeFile(12 * CHUNK, CHUNK);
      assert.equal((await put(alice, file, toUsers(bob))).code, '');
      await upload(alice, file, 0, 3);
      await until(() => b.stats().storedFiles === 1, 'relay B learnt of the transfer');
      assert.equal((await get(bob, file)).code, '');
      const first = await receive(bob, file, 0, 3);
      // Parked at the upload's front on relay B, woken by what relay A stores.
      await upload(alice, file, 3, 8);
      const middle = await receive(bob, file, 3, 8);
      await upload(alice, file, 8);
      const last = await receive(bob, file, 8);
      assert.equal(sha256([...first, ...middle, ...last]), sha256(file.chunks));
    });

    it('serves a file whose upload was acked by a relay that has since stopped', async () => {
      const a = await relay();
      const b = await relay();
      const alice = await user(a, 'alice');
      const file = makeFile(9 * CHUNK + 7, CHUNK);
      const bobId = generateIdentity();
      const bob0 = await user(b, 'bob', 'register', bobId);
      await knows(a, 2); // bob registered on B: relay A hears of it through NATS
      bob0.client.close();
      assert.equal((await put(alice, file, toUsers(bob0))).code, '');
      await upload(alice, file);
      const gone = relays.splice(relays.indexOf(a), 1)[0]!;
      await gone.close();
      // A relay started after it learns the file from JetStream, not from relay A.
      const c = await relay();
      for (const r of [b, c]) {
        const bob = await on(r, bob0);
        const got = await get(bob, file);
        assert.equal(got.code, '');
        assert.equal(got.haveChunks, 10);
        assert.equal(sha256(await receive(bob, file, 0)), sha256(file.chunks));
        bob.client.close();
      }
    });

    it('resumes through another relay when the relay of an upload is killed mid-upload, and delivers it', async function () {
      this.timeout(60_000);
      const b = await relay();
      // Relay A is a process of its own, from the source, so it can die with SIGKILL.
      const port = await freeTcpPort();
      const a = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(ROOT, 'src', 'cli.ts'),
          'relay',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--data',
          await makeTempDir('natter-cluster-files-killed-'),
          '--cluster',
          cluster.nats.url,
        ],
        {
          cwd: ROOT,
          stdio: 'ignore',
          env: { ...process.env, NATTER_RELAY_PRESENCE: '0', NATTER_PRESENCE_INTERFACES: '0' },
        },
      );
      killed.push(a);
      await listening(port, { timeoutMs: 30_000, process: a });
      const bob0 = await user(b, 'bob');
      const aliceId = generateIdentity();
      const { client, ready } = await RawClient.login(port, aliceId, 'alice');
      clients.push(client);
      const alice: User = { id: aliceId, name: 'alice', client, ready };
      const file = makeFile(24 * CHUNK + 99, CHUNK);
      assert.equal((await put(alice, file, toUsers(bob0))).code, '');
      const acked = (await upload(alice, file, 0, 8)).through;
      // A window in flight, then relay A dies.
      for (let i = 8; i < 14; i++) alice.client.send(chunkFrame(file, i));
      a.kill('SIGKILL');
      await new Promise((r) => a.once('exit', r));
      const moved = await on(b, alice);
      const resumed = await put(moved, file, toUsers(bob0));
      assert.equal(resumed.code, '');
      assert.ok(resumed.haveChunks >= acked, `have ${resumed.haveChunks} < acked ${acked}`);
      await upload(moved, file, resumed.haveChunks);
      assert.equal((await get(bob0, file)).code, '');
      assert.equal(sha256(await receive(bob0, file, 0)), sha256(file.chunks));
    });

    it('counts an uploader’s files against one quota whichever relay they came through', async () => {
      const limits = { fileQuotaBytes: 10 * CHUNK };
      const a = await relay(limits);
      const b = await relay(limits);
      const alice = await user(a, 'alice');
      const bob = await user(b, 'bob');
      await knows(a, 2); // bob registered on B: relay A hears of it through NATS
      const big = makeFile(8 * CHUNK, CHUNK);
      assert.equal((await put(alice, big, toUsers(bob))).code, '');
      const onB = await on(b, alice);
      const other = makeFile(4 * CHUNK, CHUNK);
      await until(
        async () => (await put(onB, other, toUsers(bob))).code === 'E_FILE_QUOTA',
        'relay B counted the file put through relay A',
      );
      alice.client.send(doneFrame(big, 'cancelled'));
      await until(
        async () => (await put(onB, other, toUsers(bob))).code === '',
        'relay B freed the quota of the file cancelled through relay A',
      );
    });

    it('deletes the chunks and the record once the recipient is done, on every relay', async () => {
      const a = await relay();
      const b = await relay();
      const alice = await user(a, 'alice');
      const bob = await user(b, 'bob');
      await knows(a, 2); // bob registered on B: relay A hears of it through NATS
      const file = makeFile(5 * CHUNK, CHUNK);
      assert.equal((await put(alice, file, toUsers(bob))).code, '');
      await upload(alice, file);
      assert.equal(await storedChunks(), 5);
      await until(() => b.stats().storedFiles === 1, 'relay B learnt of the transfer');
      assert.equal((await get(bob, file)).code, '');
      await receive(bob, file, 0);
      bob.client.send(doneFrame(file, 'received'));
      await until(
        () => a.stats().storedFiles === 0 && b.stats().storedFiles === 0,
        'both relays forgot the transfer',
      );
      await until(async () => (await storedChunks()) === 0, 'the chunks were purged');
      const bobOnA = await on(a, bob);
      assert.equal((await get(bobOnA, file)).code, 'E_FILE_UNKNOWN');
      assert.equal((await put(alice, file, toUsers(bob))).code, '', 'the id is free again');
    });

    it('holds a put through one relay to the FilePolicy its recipient set through another', async () => {
      const a = await relay();
      const b = await relay();
      const alice = await user(a, 'alice');
      const bob = await user(b, 'bob');
      await knows(a, 2); // bob registered on B: relay A hears of it through NATS
      bob.client.send({ type: 'file-policy', maxIncomingBytes: 4 * CHUNK });
      await until(
        async () =>
          (await put(alice, makeFile(5 * CHUNK, CHUNK), toUsers(bob))).code === 'E_FILE_TOO_LARGE',
        'relay A applied the policy set through relay B',
      );
      assert.equal((await put(alice, makeFile(4 * CHUNK, CHUNK), toUsers(bob))).code, '');
    });

    it('deletes a transfer past the file TTL from JetStream and from every relay', async () => {
      const limits = { fileTtlMs: 1_500, fileSweepIntervalMs: 100 };
      const a = await relay(limits);
      const b = await relay(limits);
      const alice = await user(a, 'alice');
      const bob = await user(b, 'bob');
      await knows(a, 2); // bob registered on B: relay A hears of it through NATS
      const file = makeFile(3 * CHUNK, CHUNK);
      assert.equal((await put(alice, file, toUsers(bob))).code, '');
      await upload(alice, file);
      await until(() => b.stats().storedFiles === 1, 'relay B learnt of the transfer');
      await until(
        () => a.stats().storedFiles === 0 && b.stats().storedFiles === 0,
        'both relays dropped the expired transfer',
      );
      await until(async () => (await storedChunks()) === 0, 'the chunks are gone');
      assert.equal((await get(bob, file)).code, 'E_FILE_UNKNOWN');
    });
  },
);
