/**
 * File transfers that resume (issue 12, docs/files.md "Resume"), and a group's file stored
 * once: a real relay, real clients, and a proxy that cuts the uploader's connection.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileChunkCount } from '../../../../src/crypto/file-stream.js';
import type { NatterClient } from '../../../../src/peer/client.js';
import { FILE_UPLOAD_WINDOW_CHUNKS } from '../../../../src/peer/files/uploads.js';
import { nextEvent } from '../../../helpers/events.js';
import { forgeRelayFrames } from '../../../helpers/forging-relay.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';
import { testWorld } from '../../../helpers/world.js';
import {
  acquainted,
  type CutProxy,
  fileTeam,
  proxiedSender,
  sha256File,
  startCutProxy,
  writePattern,
} from './helpers.js';

const MiB = 1024 * 1024;
/** Small chunks: many of them, so a cut lands mid-transfer and the resend bound is visible. */
const CHUNK = 16 * 1024;

describe('file transfer: resume and groups', function () {
  this.timeout(60_000);
  const world = testWorld();
  const proxies: CutProxy[] = [];

  let undo = () => {};

  afterEach(async () => {
    undo();
    undo = () => {};
    await world.closeAll();
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await removeTempDirs();
  });

  for (const fraction of [0.1, 0.5, 0.99]) {
    it(`resumes an upload cut at ${fraction * 100} %, resending at most one window`, async () => {
      const { proxy, alice, bob, src } = await proxiedSender(world, proxies);
      const size = 4 * MiB + 5;
      const hash = await writePattern(join(src, 'big.bin'), size, 11);
      let cuts = 0;
      const start = proxy.up;
      proxy.when('up', start + Math.floor(size * fraction), () => {
        cuts++;
        proxy.cut();
      });
      const states: string[] = [];
      alice.on('transfer:progress', (t) => states.push(t.state));
      const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'big.bin')], {
        chunkBytes: CHUNK,
      });
      const up = await alice.waitForTransfer(sent.id);
      assert.equal(up.state, 'done', JSON.stringify(up.error));
      assert.equal(cuts, 1, 'the connection was cut once');
      assert.ok(states.includes('waiting'), `said while the link was down: ${states.join(',')}`);
      const count = fileChunkCount(size, CHUNK);
      const sentChunks = alice.uploadChunksSent(sent.id);
      assert.ok(
        sentChunks - count <= FILE_UPLOAD_WINDOW_CHUNKS,
        `${sentChunks - count} chunks sent twice, at most ${FILE_UPLOAD_WINDOW_CHUNKS}`,
      );
      const down = await bob.waitForTransfer(sent.id);
      assert.equal(down.state, 'done', JSON.stringify(down.error));
      assert.equal(await sha256File(down.savedAs!), hash);
    });
  }

  it('carries on after the relay says E_FILE_STORE (try again) to a chunk and to a FileGet', async () => {
    const relay = await world.relayOn();
    const alice = await world.client('alice', relay);
    const bob = await world.client('bob', relay);
    await Promise.all([alice.connect(), bob.connect()]);
    const downloads = await makeTempDir('natter-dl-');
    await acquainted(alice, bob);
    await bob.setFileSettings({ downloadDir: downloads, autoAcceptFrom: ['alice'] });
    const src = await makeTempDir('natter-src-');
    const size = 1 * MiB + 7;
    const hash = await writePattern(join(src, 'store.bin'), size, 5);
    let ackRefused = 0;
    let getRefused = 0;
    undo = forgeRelayFrames((f) => {
      if (f.type === 'file-chunk-ack' && f.through >= 8 && ackRefused === 0) {
        ackRefused++;
        return { ...f, code: 'E_FILE_STORE', reason: 'the store did not answer' };
      }
      if (f.type === 'file-get-result' && getRefused === 0) {
        getRefused++;
        return { ...f, code: 'E_FILE_STORE', reason: 'the store did not answer' };
      }
      return f;
    });
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'store.bin')], {
      chunkBytes: CHUNK,
    });
    const up = await alice.waitForTransfer(sent.id);
    assert.equal(up.state, 'done', JSON.stringify(up.error));
    const down = await bob.waitForTransfer(sent.id);
    assert.equal(down.state, 'done', JSON.stringify(down.error));
    assert.equal(await sha256File(down.savedAs!), hash);
    assert.deepEqual([ackRefused, getRefused], [1, 1], 'both refusals were seen');
  });

  it('resumes an upload after the sender closed mid-upload and opened again', async () => {
    const { relay, proxy, alice, bob, src } = await proxiedSender(world, proxies);
    const size = 4 * MiB + 9;
    const hash = await writePattern(join(src, 'backup.tar'), size, 14);
    const closed = new Promise<void>((resolve, reject) => {
      proxy.when('up', proxy.up + Math.floor(size * 0.4), () => {
        alice.close().then(resolve, reject);
      });
    });
    // bob, with all the relay holds and nothing coming, is told he waits for the sender.
    const behind = nextEvent(
      bob,
      'transfer:progress',
      (t) => t.name === 'backup.tar' && t.waitingForSender && t.doneBytes > 0,
      15_000,
    );
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'backup.tar')], {
      chunkBytes: CHUNK,
    });
    await closed;
    const waiting = await behind;
    assert.ok(waiting.doneBytes < size, `${waiting.doneBytes} of ${size}`);
    assert.equal(waiting.state, 'running');
    const again = await world.client('alice', relay, {
      profile: (alice as NatterClient & { profile: never }).profile,
    });
    // Kept to resume, and waiting for the relay until connected (not 'running': a new-user
    // trial read that as under way after Ctrl-C, with nothing running it).
    assert.equal(again.transfers().find((t) => t.id === sent.id)?.state, 'waiting');
    await again.connect();
    const up = await again.waitForTransfer(sent.id);
    assert.equal(up.state, 'done', JSON.stringify(up.error));
    assert.ok(again.uploadChunksSent(sent.id) < fileChunkCount(size, CHUNK), 'went on, not over');
    const down = await bob.waitForTransfer(sent.id);
    assert.equal(down.state, 'done', JSON.stringify(down.error));
    assert.equal(down.waitingForSender, false);
    assert.equal(await sha256File(down.savedAs!), hash);
  });

  it('ends a download at once when the sender cancels mid-upload: E_FILE_CANCELLED', async () => {
    const { proxy, alice, bob, downloads, src } = await proxiedSender(world, proxies);
    const size = 4 * MiB;
    await writePattern(join(src, 'big.bin'), size, 21);
    let id = '';
    const cancelled = new Promise<void>((resolve, reject) => {
      proxy.when('up', proxy.up + Math.floor(size * 0.4), () => {
        alice.cancelTransfer(id).then(resolve, reject);
      });
    });
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'big.bin')], { chunkBytes: CHUNK });
    id = sent.id;
    await cancelled;
    const down = await bob.waitForTransfer(sent.id);
    assert.equal(down.state, 'failed');
    assert.equal(down.error?.code, 'E_FILE_CANCELLED');
    assert.match(down.error?.message ?? '', /the sender cancelled it/);
    const left = (await readdir(downloads)).filter((n) => !n.startsWith('.'));
    assert.deepEqual(left, [], 'nothing saved');
  });

  it('fails an upload whose source changed before the resume: E_FILE_SOURCE_CHANGED', async () => {
    const relay = await world.relayOn();
    const proxy = await startCutProxy(relay);
    proxies.push(proxy);
    const alice = await world.client('alice', { ...relay, host: proxy.host, port: proxy.port });
    const bob = await world.client('bob', relay);
    await Promise.all([alice.connect(), bob.connect()]);
    const src = await makeTempDir('natter-src-');
    const path = join(src, 'notes.txt');
    const size = 2 * MiB;
    await writePattern(path, size, 15);
    const closed = new Promise<void>((resolve, reject) => {
      proxy.when('up', proxy.up + Math.floor(size * 0.3), () => {
        alice.close().then(resolve, reject);
      });
    });
    const sent = await alice.sendFile({ to: 'bob' }, [path], { chunkBytes: CHUNK });
    await closed;
    await writePattern(path, size + 1, 16);
    const again = await world.client('alice', relay, {
      profile: (alice as NatterClient & { profile: never }).profile,
    });
    await again.connect();
    const up = await again.waitForTransfer(sent.id);
    assert.equal(up.state, 'failed');
    assert.equal(up.error?.code, 'E_FILE_SOURCE_CHANGED');
  });

  it('resumes a download after the receiver closed mid-download and opened again', async () => {
    const relay = await world.relayOn();
    const proxy = await startCutProxy(relay);
    proxies.push(proxy);
    const alice = await world.client('alice', relay);
    const bob = await world.client('bob', { ...relay, host: proxy.host, port: proxy.port });
    await Promise.all([alice.connect(), bob.connect()]);
    const downloads = await makeTempDir('natter-dl-');
    await bob.setFileSettings({ downloadDir: downloads });
    const src = await makeTempDir('natter-src-');
    const size = 6 * MiB + 77;
    const hash = await writePattern(join(src, 'disk.img'), size, 12);
    const offered = nextEvent(bob, 'file:offer', (o) => o.name === 'disk.img', 10_000);
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'disk.img')], {
      chunkBytes: CHUNK,
    });
    assert.equal((await alice.waitForTransfer(sent.id)).state, 'done');
    const offer = await offered;
    const closed = new Promise<void>((resolve, reject) => {
      proxy.when('down', proxy.down + Math.floor(size / 2), () => {
        bob.close().then(resolve, reject);
      });
    });
    await bob.acceptFile(offer.id);
    await closed;
    const parts = (await readdir(downloads)).filter((n) => n.endsWith('.part'));
    assert.equal(parts.length, 1, 'the part file stays for the resume');
    const again = await world.client('bob', relay, {
      profile: (bob as NatterClient & { profile: never }).profile,
    });
    // The close's last checkpoint is in the record: the resume goes on from there.
    const kept = again.transfers().find((t) => t.id === sent.id);
    assert.ok((kept?.doneBytes ?? 0) >= size / 4, `counted at close: ${kept?.doneBytes} B`);
    const finished = nextEvent(again, 'transfer:finished', (t) => t.id === sent.id, 30_000);
    await again.connect();
    const down = await finished;
    assert.equal(down.state, 'done', JSON.stringify(down.error));
    assert.equal(await sha256File(down.savedAs!), hash);
    assert.deepEqual(await readdir(downloads), ['disk.img']);
  });

  it('sends a file to a group: stored once on the relay, received by both members', async () => {
    const { relay, alice, bob, carol } = await fileTeam(world);
    const dirs = [await makeTempDir('natter-dl-'), await makeTempDir('natter-dl-')];
    await bob.setFileSettings({ downloadDir: dirs[0]! });
    await carol.setFileSettings({ downloadDir: dirs[1]! });
    const src = await makeTempDir('natter-src-');
    const hash = await writePattern(join(src, 'slides.pdf'), 2 * MiB + 3, 13);
    const offers = [bob, carol].map((c) =>
      nextEvent(c, 'file:offer', (o) => o.name === 'slides.pdf', 10_000),
    );
    const sent = await alice.sendFile({ group: 'team' }, [join(src, 'slides.pdf')]);
    assert.equal(sent.peer, '#team');
    assert.equal((await alice.waitForTransfer(sent.id)).state, 'done');
    assert.equal((await readdir(join(relay.dataDir, 'blobs'))).length, 1, 'stored once');
    for (const [i, c] of [bob, carol].entries()) {
      const o = await offers[i]!;
      assert.equal(o.group, 'team');
      await c.acceptFile(o.id);
      const down = await c.waitForTransfer(o.id);
      assert.equal(down.state, 'done', JSON.stringify(down.error));
      assert.equal(await sha256File(down.savedAs!), hash);
    }
  });
});
