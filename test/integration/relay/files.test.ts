/**
 * File transfer through a real relay on loopback (issue 12, docs/files.md "Through the
 * relay"), with raw protocol clients: put, chunks and acks, streaming downloads, resume
 * of both sides after a disconnect and after a relay restart, deletion, and every
 * refusal with its code.
 */
import assert from 'node:assert/strict';
import { appendFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { generateIdentity, type Identity } from '../../../src/crypto/keys.js';
import type { RelayLimits } from '../../../src/relay/index.js';
import { toHex } from '../../../src/util/bytes.js';
import { MAX_FILE_CHUNK_BYTES } from '../../../src/wire/limits.js';
import type { FileRecipients, Frame, FrameOf } from '../../../src/wire/types.js';
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
import { changeRequest, TestGroup } from '../../helpers/groups.js';
import { RawClient } from '../../helpers/raw-client.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';

interface User {
  id: Identity;
  name: string;
  client: RawClient;
}

const CHUNK = 4096;
const sameId = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('relay files (integration, loopback)', () => {
  let relay: TestRelay;
  const clients: RawClient[] = [];
  let requestId = 1;

  async function start(limits: Partial<RelayLimits> = {}, dataDir?: string) {
    relay = await startTestRelay({ limits, ...(dataDir ? { dataDir } : {}) });
  }

  async function user(
    name: string,
    id = generateIdentity(),
    mode: 'register' | 'login' = 'register',
  ) {
    const { client } = await RawClient.login(relay.port, id, name, mode);
    clients.push(client);
    return { id, name, client };
  }

  const back = (u: User) => user(u.name, u.id, 'login');

  const put = (u: User, file: TestFile, to: FileRecipients) =>
    filePut(u.client, file, to, requestId++);

  const toUsers = (...us: User[]): FileRecipients => ({ to: us.map((u) => u.id.signPk) });

  /** Sends chunks [from, to) and waits for the ack that covers them. */
  const upload = (u: User, file: TestFile, from = 0, to = file.chunks.length) =>
    uploadChunks(u.client, file, from, to);

  const get = (u: User, file: TestFile, from = 0) => fileGet(u.client, file, from, requestId++);

  /** Receives chunks [from, to), acking each as it comes, and checks them against the file. */
  async function receive(u: User, file: TestFile, from: number, to = file.chunks.length) {
    for (let i = from; i < to; i++) {
      const c = (await u.client.next(
        (x) => x.type === 'file-chunk' && sameId(x.transferId, file.transferId),
      )) as FrameOf<'file-chunk'>;
      assert.equal(c.index, i);
      assert.ok(Buffer.from(c.data).equals(Buffer.from(file.chunks[i]!)), `chunk ${i} differs`);
      u.client.send(ackFrame(file, i + 1));
    }
  }

  /** Puts fresh files of `size` until one is answered with `code` (each other one is cancelled). */
  async function putsUntil(u: User, size: number, to: FileRecipients, code: string) {
    for (let i = 0; i < 100; i++) {
      const file = makeFile(size, CHUNK);
      const r = await put(u, file, to);
      if (r.code === code) return;
      if (r.code === '') u.client.send(doneFrame(file, 'cancelled'));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.fail(`no put was answered with '${code}'`);
  }

  const chunksSeen = (u: User, file: TestFile) =>
    u.client.frames.filter(
      (f: Frame) => f.type === 'file-chunk' && sameId(f.transferId, file.transferId),
    );

  const blobNames = async () => readdir(join(relay.dataDir, 'blobs'));

  async function until(test: () => boolean | Promise<boolean>, what: string) {
    for (let i = 0; i < 500; i++) {
      if (await test()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.fail(`timed out waiting until ${what}`);
  }

  beforeEach(() => start());

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await relay.close();
  });

  after(removeTempDirs);

  it('stores an upload chunk by chunk and serves every chunk back unchanged', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const file = makeFile(10 * CHUNK + 123, CHUNK);
    const result = await put(alice, file, toUsers(bob));
    assert.equal(result.code, '');
    assert.equal(result.haveChunks, 0);
    const ack = await upload(alice, file);
    assert.equal(ack.through, 11);
    const got = await get(bob, file);
    assert.equal(got.code, '');
    assert.equal(got.size, file.size);
    assert.equal(got.chunkBytes, CHUNK);
    assert.equal(got.haveChunks, 11);
    assert.ok(sameId(got.from, alice.id.signPk));
    await receive(bob, file, 0);
  });

  it('carries a file in chunks of the largest size (MAX_FILE_CHUNK_BYTES), the largest frame', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const file = makeFile(3 * MAX_FILE_CHUNK_BYTES + 5, MAX_FILE_CHUNK_BYTES);
    assert.equal((await put(alice, file, toUsers(bob))).code, '');
    await get(bob, file);
    await upload(alice, file);
    await receive(bob, file, 0);
  });

  it('stores an empty file as one 16-byte chunk', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const file = makeFile(0, CHUNK);
    assert.equal(file.chunks[0]!.byteLength, 16);
    assert.equal((await put(alice, file, toUsers(bob))).code, '');
    await upload(alice, file);
    assert.equal((await get(bob, file)).haveChunks, 1);
    await receive(bob, file, 0);
  });

  it('streams to a recipient while the upload is still running', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const file = makeFile(12 * CHUNK, CHUNK);
    await put(alice, file, toUsers(bob));
    await upload(alice, file, 0, 3);
    const got = await get(bob, file);
    assert.equal(got.haveChunks, 3);
    await receive(bob, file, 0, 3);
    // Parked at the upload's front: nothing more until more is durable.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(chunksSeen(bob, file).length, 0);
    await upload(alice, file, 3, 7);
    await receive(bob, file, 3, 7);
    await upload(alice, file, 7);
    await receive(bob, file, 7);
  });

  it('sends a downloader no more than the window beyond its ack', async () => {
    await relay.close();
    await start({ fileDownloadWindowChunks: 3 });
    const alice = await user('alice');
    const bob = await user('bob');
    const file = makeFile(10 * CHUNK, CHUNK);
    await put(alice, file, toUsers(bob));
    await upload(alice, file);
    await get(bob, file);
    await until(() => chunksSeen(bob, file).length === 3, 'three chunks arrived');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(chunksSeen(bob, file).length, 3);
    bob.client.send(ackFrame(file, 2));
    await until(() => chunksSeen(bob, file).length === 5, 'two more arrived');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(chunksSeen(bob, file).length, 5);
  });

  it('resumes an upload after the uploader disconnects, from the durable count', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const file = makeFile(20 * CHUNK, CHUNK);
    await put(alice, file, toUsers(bob));
    const acked = (await upload(alice, file, 0, 5)).through;
    // A window in flight, then the connection drops.
    for (let i = 5; i < 9; i++) alice.client.send(chunkFrame(file, i));
    await new Promise((r) => setImmediate(r));
    alice.client.close();
    await alice.client.closed;
    const again = await back(alice);
    const resumed = await put(again, file, toUsers(bob));
    assert.equal(resumed.code, '');
    assert.ok(resumed.haveChunks >= acked && resumed.haveChunks <= 9, `have ${resumed.haveChunks}`);
    await upload(again, file, resumed.haveChunks);
    await get(bob, file);
    await receive(bob, file, 0);
  });

  it('resumes a download after a disconnect from the index the downloader acked', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const file = makeFile(8 * CHUNK, CHUNK);
    await put(alice, file, toUsers(bob));
    await upload(alice, file);
    await get(bob, file);
    await receive(bob, file, 0, 3);
    bob.client.close();
    const bob2 = await back(bob);
    const got = await get(bob2, file, 3);
    assert.equal(got.code, '');
    await receive(bob2, file, 3);
  });

  it('a new FileGet in the same session replaces the running stream', async () => {
    await relay.close();
    await start({ fileDownloadWindowChunks: 2 });
    const alice = await user('alice');
    const bob = await user('bob');
    const file = makeFile(6 * CHUNK, CHUNK);
    await put(alice, file, toUsers(bob));
    await upload(alice, file);
    await get(bob, file);
    await until(() => chunksSeen(bob, file).length === 2, 'the first window arrived');
    bob.client.frames.length = 0;
    await get(bob, file, 4);
    await receive(bob, file, 4);
  });

  it('survives a relay restart mid-upload: torn bytes are cut, the upload resumes, the content is intact', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const file = makeFile(9 * CHUNK + 77, CHUNK);
    await put(alice, file, toUsers(bob));
    await upload(alice, file, 0, 4);
    for (const c of clients.splice(0)) c.close();
    const { dataDir } = relay;
    await relay.close();
    // A torn write past the durable count: the relay must never serve it.
    const [name] = await blobNames();
    await appendFile(join(dataDir, 'blobs', name!), Buffer.alloc(CHUNK + 5, 0xee));
    await start({}, dataDir);
    assert.equal((await stat(join(dataDir, 'blobs', name!))).size, 4 * (CHUNK + 16));
    const alice2 = await back(alice);
    const resumed = await put(alice2, file, toUsers(bob));
    assert.equal(resumed.haveChunks, 4);
    await upload(alice2, file, 4);
    const bob2 = await back(bob);
    await get(bob2, file);
    await receive(bob2, file, 0);
  });

  it('refuses a put past the uploader quota before any chunk (E_FILE_QUOTA), and frees it on delete', async () => {
    await relay.close();
    await start({ fileQuotaBytes: 10 * CHUNK });
    const alice = await user('alice');
    const bob = await user('bob');
    const first = makeFile(6 * CHUNK, CHUNK);
    assert.equal((await put(alice, first, toUsers(bob))).code, '');
    const second = makeFile(5 * CHUNK, CHUNK);
    const refused = await put(alice, second, toUsers(bob));
    assert.equal(refused.code, 'E_FILE_QUOTA');
    // Another uploader has its own quota.
    assert.equal((await put(bob, second, toUsers(alice))).code, '');
    alice.client.send(doneFrame(first, 'cancelled'));
    await until(() => relay.relay.stats().storedFiles === 1, 'the cancelled file is gone');
    assert.equal((await put(alice, makeFile(5 * CHUNK, CHUNK), toUsers(bob))).code, '');
  });

  it('refuses a put past the transfers per uploader (E_FILE_QUOTA)', async () => {
    await relay.close();
    await start({ maxFileTransfersPerUploader: 2 });
    const alice = await user('alice');
    const bob = await user('bob');
    assert.equal((await put(alice, makeFile(0), toUsers(bob))).code, '');
    assert.equal((await put(alice, makeFile(0), toUsers(bob))).code, '');
    assert.equal((await put(alice, makeFile(0), toUsers(bob))).code, 'E_FILE_QUOTA');
  });

  it("refuses a file larger than a recipient's policy (E_FILE_TOO_LARGE), and the policy survives a restart", async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    bob.client.send({ type: 'file-policy', maxIncomingBytes: 3 * CHUNK });
    // FilePolicy has no reply: wait until it applies (it is durable before it does).
    await putsUntil(alice, 4 * CHUNK, toUsers(bob), 'E_FILE_TOO_LARGE');
    const big = makeFile(4 * CHUNK, CHUNK);
    assert.equal((await put(alice, big, toUsers(carol, bob))).code, 'E_FILE_TOO_LARGE');
    assert.equal((await put(alice, makeFile(3 * CHUNK, CHUNK), toUsers(bob))).code, '');
    for (const c of clients.splice(0)) c.close();
    const { dataDir } = relay;
    await relay.close();
    await start({}, dataDir);
    const alice2 = await back(alice);
    assert.equal(
      (await put(alice2, makeFile(4 * CHUNK, CHUNK), toUsers(bob))).code,
      'E_FILE_TOO_LARGE',
    );
    // 0 restores the default.
    const bob2 = await back(bob);
    bob2.client.send({ type: 'file-policy', maxIncomingBytes: 0 });
    await putsUntil(alice2, 4 * CHUNK, toUsers(bob), '');
  });

  it('refuses unknown recipients, the sender itself, and a reused id with other parameters', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const stranger = generateIdentity();
    const file = makeFile(CHUNK, CHUNK);
    assert.equal((await put(alice, file, { to: [stranger.signPk] })).code, 'E_FILE_NO_RECIPIENT');
    assert.equal((await put(alice, file, toUsers(alice))).code, 'E_FILE_NO_RECIPIENT');
    assert.equal((await put(alice, file, toUsers(bob))).code, '');
    assert.equal((await put(bob, file, toUsers(alice))).code, 'E_FILE_CONFLICT');
    const other = { ...file, size: file.size + 1 };
    assert.equal((await put(alice, other, toUsers(bob))).code, 'E_FILE_CONFLICT');
  });

  it('refuses a put while the disk is below the watermark (E_FILE_DISK_FULL)', async () => {
    await relay.close();
    let free = 10 ** 12;
    relay = await startTestRelay({
      limits: { minFreeDiskBytes: 1 << 20 },
      freeBytes: async () => free,
    });
    const alice = await user('alice');
    const bob = await user('bob');
    free = (1 << 20) + 2 * CHUNK;
    assert.equal(
      (await put(alice, makeFile(4 * CHUNK, CHUNK), toUsers(bob))).code,
      'E_FILE_DISK_FULL',
    );
    // Mail is not refused for it: the file was too large, the disk is not full.
    assert.equal((await put(alice, makeFile(CHUNK, CHUNK), toUsers(bob))).code, '');
  });

  it('stores a group file once, serves it to two members, and refuses a non-member', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    const dave = await user('dave');
    const group = TestGroup.create(alice.id, 'team', [bob.id.signPk, carol.id.signPk]);
    alice.client.send(changeRequest(group.create, 99));
    const made = (await alice.client.next(
      (x) => x.type === 'group-change-result' && x.requestId === 99,
    )) as FrameOf<'group-change-result'>;
    assert.equal(made.code, '');
    const file = makeFile(5 * CHUNK, CHUNK);
    assert.equal((await put(dave, file, { groupId: group.groupId })).code, 'E_FILE_NOT_MEMBER');
    assert.equal((await put(alice, file, { groupId: group.groupId })).code, '');
    await upload(alice, file);
    assert.equal((await blobNames()).length, 1);
    assert.equal(relay.relay.stats().storedFiles, 1);
    await get(bob, file);
    await get(carol, file);
    await Promise.all([receive(bob, file, 0), receive(carol, file, 0)]);
    assert.equal((await get(dave, file)).code, 'E_FILE_UNKNOWN');
    // The uploader is not a recipient of its own file.
    assert.equal((await get(alice, file)).code, 'E_FILE_UNKNOWN');
  });

  it("leaves a group member over their limit out of a group's file and names them; refuses it when all are", async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    const group = TestGroup.create(alice.id, 'team', [bob.id.signPk, carol.id.signPk]);
    alice.client.send(changeRequest(group.create, 99));
    await alice.client.next((x) => x.type === 'group-change-result' && x.requestId === 99);
    const team = { groupId: group.groupId };
    carol.client.send({ type: 'file-policy', maxIncomingBytes: 3 * CHUNK });
    await putsUntil(alice, 4 * CHUNK, toUsers(carol), 'E_FILE_TOO_LARGE');
    const file = makeFile(4 * CHUNK, CHUNK);
    const r = await put(alice, file, team);
    assert.equal(r.code, '');
    assert.deepEqual(r.leftOut.map(toHex), [toHex(carol.id.signPk)]);
    await upload(alice, file);
    assert.equal((await get(carol, file)).code, 'E_FILE_UNKNOWN', 'carol is no recipient');
    await get(bob, file);
    await receive(bob, file, 0);
    bob.client.send(doneFrame(file, 'received'));
    // Bob was its only recipient: done, the blob goes.
    await until(() => relay.relay.stats().storedFiles === 0, 'the file is gone once bob has it');
    // A file within every limit leaves nobody out.
    assert.deepEqual((await put(alice, makeFile(CHUNK, CHUNK), team)).leftOut, []);
    // One to carol alone is refused as before, and so is a group's when nobody accepts it.
    assert.equal(
      (await put(alice, makeFile(4 * CHUNK, CHUNK), toUsers(carol, bob))).code,
      'E_FILE_TOO_LARGE',
    );
    bob.client.send({ type: 'file-policy', maxIncomingBytes: 3 * CHUNK });
    await putsUntil(alice, 4 * CHUNK, toUsers(bob), 'E_FILE_TOO_LARGE');
    const none = await put(alice, makeFile(4 * CHUNK, CHUNK), team);
    assert.equal(none.code, 'E_FILE_TOO_LARGE');
    assert.deepEqual(none.leftOut, []);
  });

  it('closes a connection that sends a chunk out of order (E_FILE_CHUNK_ORDER) and keeps serving others', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const mallory = await user('mallory');
    const file = makeFile(4 * CHUNK, CHUNK);
    await put(mallory, file, toUsers(bob));
    mallory.client.send(chunkFrame(file, 1));
    const err = await mallory.client.next((x) => x.type === 'error');
    assert.equal((err as FrameOf<'error'>).code, 'E_FILE_CHUNK_ORDER');
    await mallory.client.closed;
    const good = makeFile(2 * CHUNK, CHUNK);
    await put(alice, good, toUsers(bob));
    await upload(alice, good);
    await get(bob, good);
    await receive(bob, good, 0);
  });

  it('closes a connection that sends a chunk of the wrong length, or for a transfer it did not put', async () => {
    const bob = await user('bob');
    const m1 = await user('mallory');
    const file = makeFile(3 * CHUNK, CHUNK);
    await put(m1, file, toUsers(bob));
    m1.client.send({ ...chunkFrame(file, 0), data: file.chunks[0]!.subarray(1) });
    assert.equal(
      ((await m1.client.next((x) => x.type === 'error')) as FrameOf<'error'>).code,
      'E_FILE_CHUNK_ORDER',
    );
    const m2 = await user('trudy');
    m2.client.send(chunkFrame(file, 0));
    assert.equal(
      ((await m2.client.next((x) => x.type === 'error')) as FrameOf<'error'>).code,
      'E_FILE_CHUNK_ORDER',
    );
  });

  it('deletes the blob and records once every recipient says FileDone', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    const file = makeFile(3 * CHUNK, CHUNK);
    await put(alice, file, toUsers(bob, carol));
    await upload(alice, file);
    assert.equal((await blobNames()).length, 1);
    await get(bob, file);
    await receive(bob, file, 0);
    bob.client.send(doneFrame(file, 'received'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await blobNames()).length, 1, 'carol has not said done yet');
    assert.equal((await get(bob, file)).code, 'E_FILE_UNKNOWN');
    carol.client.send(doneFrame(file, 'declined'));
    await until(async () => (await blobNames()).length === 0, 'the blob is deleted');
    assert.equal(relay.relay.stats().storedFiles, 0);
    assert.equal((await get(carol, file)).code, 'E_FILE_UNKNOWN');
  });

  it('deletes everything when the uploader cancels, stopping a parked download', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const file = makeFile(6 * CHUNK, CHUNK);
    await put(alice, file, toUsers(bob));
    await upload(alice, file, 0, 2);
    await get(bob, file);
    await receive(bob, file, 0, 2);
    // bob (not the uploader) cannot cancel.
    bob.client.send(doneFrame(file, 'cancelled'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(relay.relay.stats().storedFiles, 1);
    alice.client.send(doneFrame(file, 'cancelled'));
    await until(async () => (await blobNames()).length === 0, 'the blob is deleted');
    assert.equal((await get(bob, file)).code, 'E_FILE_UNKNOWN');
    assert.equal((await put(alice, file, toUsers(bob))).code, '', 'the id is free again');
  });

  it('names blobs by its own counter, never by bytes a peer sent', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const files = [makeFile(CHUNK, CHUNK), makeFile(2 * CHUNK, CHUNK)];
    files[1]!.transferId = new TextEncoder().encode('../../etc/passwd');
    for (const f of files) {
      assert.equal((await put(alice, f, toUsers(bob))).code, '');
      await upload(alice, f);
    }
    const names = await blobNames();
    assert.equal(names.length, 2);
    for (const name of names) {
      assert.match(name, /^\d{12}\.blob$/);
      for (const f of files) assert.ok(!name.includes(toHex(f.transferId).slice(0, 8)));
    }
  });

  it('stops reading an uploader while its chunks wait for disk, and still stores every chunk', async () => {
    await relay.close();
    await start({ fileUploadPendingBytes: CHUNK + 16 });
    const alice = await user('alice');
    const bob = await user('bob');
    const file = makeFile(40 * CHUNK, CHUNK);
    await put(alice, file, toUsers(bob));
    await upload(alice, file);
    await get(bob, file);
    await receive(bob, file, 0);
  });
});
