/**
 * File transfer end to end (issue 12, docs/files.md): a real relay and real clients on
 * loopback, temp profiles and download folders.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatterClient } from '../../../../src/peer/client.js';
import { nextEvent } from '../../../helpers/events.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';
import { testWorld } from '../../../helpers/world.js';
import { acquainted, awayPair, filePair, sha256File, writePattern } from './helpers.js';

const MiB = 1024 * 1024;

describe('file transfer through a real relay', function () {
  this.timeout(60_000);
  const world = testWorld();

  afterEach(async () => {
    await world.closeAll();
    await removeTempDirs();
  });

  const pair = () => filePair(world);

  async function acceptNext(bob: NatterClient, name: string) {
    const offer = await nextEvent(bob, 'file:offer', (o) => o.name === name, 10_000);
    assert.equal(offer.state, 'offered');
    return bob.acceptFile(offer.shortId);
  }

  it('sends a few MiB 1:1: offered, accepted, received with its SHA-256', async () => {
    const { alice, bob, downloads } = await pair();
    const src = await makeTempDir('natter-src-');
    const hash = await writePattern(join(src, 'report.pdf'), 3 * MiB + 123);
    const offered = acceptNext(bob, 'report.pdf');
    const queued: string[] = [];
    alice.on('message:queued', (e) => queued.push(e.conversation));
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'report.pdf')]);
    assert.deepEqual(queued, ['@bob'], 'announced, so a chat beside a script shows it');
    assert.equal(sent.direction, 'upload');
    assert.equal(sent.peer, '@bob');
    const accepted = await offered;
    const [up, down] = await Promise.all([
      alice.waitForTransfer(sent.id),
      bob.waitForTransfer(accepted.id),
    ]);
    assert.equal(up.state, 'done', JSON.stringify(up.error));
    assert.equal(down.state, 'done', JSON.stringify(down.error));
    assert.equal(down.savedAs, join(downloads, 'report.pdf'));
    assert.equal(await sha256File(down.savedAs!), hash);
    const offer = bob.fileOffers().find((o) => o.id === sent.id);
    assert.equal(offer?.state, 'received');
    assert.equal(offer?.from, 'alice');
    const history = await bob.conversation('alice');
    assert.ok(history.some((e) => e.text.startsWith('sent a file: report.pdf')));
  });

  it('keeps an offer for a recipient who is offline, who accepts and downloads on return', async () => {
    const { alice, src, bobBack } = await awayPair(world);
    const hash = await writePattern(join(src, 'movie.bin'), 2 * MiB, 2);
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'movie.bin')]);
    assert.equal((await alice.waitForTransfer(sent.id)).state, 'done');
    const again = await bobBack();
    const downloads = await makeTempDir('natter-dl-');
    await again.setFileSettings({ downloadDir: downloads });
    const offer = nextEvent(again, 'file:offer', (o) => o.name === 'movie.bin', 10_000);
    await again.connect();
    const o = await offer;
    await again.acceptFile(o.id.slice(0, 6));
    const down = await again.waitForTransfer(o.id);
    assert.equal(down.state, 'done', JSON.stringify(down.error));
    assert.equal(await sha256File(down.savedAs!), hash);
  });

  it('sends a folder that arrives intact, its files at their relative paths', async () => {
    const { alice, bob, downloads } = await pair();
    const src = await makeTempDir('natter-src-');
    const root = join(src, 'photos');
    await mkdir(join(root, '2024', 'summer'), { recursive: true });
    const hashes = {
      'a.jpg': await writePattern(join(root, 'a.jpg'), 300_000, 3),
      '2024/summer/b.jpg': await writePattern(join(root, '2024', 'summer', 'b.jpg'), 700_001, 4),
      'empty.txt': await writePattern(join(root, 'empty.txt'), 0, 5),
    };
    const offered = acceptNext(bob, 'photos');
    const sent = await alice.sendFile({ to: 'bob' }, [root]);
    const accepted = await offered;
    const down = await bob.waitForTransfer(accepted.id);
    assert.equal(down.state, 'done', JSON.stringify(down.error));
    assert.equal(down.savedAs, join(downloads, 'photos'));
    for (const [rel, h] of Object.entries(hashes)) {
      assert.equal(await sha256File(join(downloads, 'photos', rel)), h, rel);
    }
    assert.equal(bob.fileOffers().find((o) => o.id === sent.id)?.files, 3);
  });

  it('saves several paths sent at once each on its own, never overwriting, not in a folder of them', async () => {
    const { alice, bob, downloads } = await pair();
    const src = await makeTempDir('natter-src-');
    await mkdir(join(src, 'scans'));
    const hashes = {
      'report.pdf': await writePattern(join(src, 'report.pdf'), 150_000, 6),
      'notes.txt': await writePattern(join(src, 'notes.txt'), 1_234, 7),
      'scans/p1.png': await writePattern(join(src, 'scans', 'p1.png'), 90_000, 8),
    };
    // A report.pdf is there already: the new one is "report (1).pdf".
    await writeFile(join(downloads, 'report.pdf'), 'mine');
    // Listed as what they are, on both sides: not a folder named after the first.
    const label = 'notes.txt, report.pdf and scans/';
    const offered = acceptNext(bob, label);
    const sent = await alice.sendFile({ to: 'bob' }, [
      join(src, 'notes.txt'),
      join(src, 'report.pdf'),
      join(src, 'scans'),
    ]);
    assert.equal(sent.name, label);
    assert.equal(sent.several, true);
    assert.equal(sent.files, 3);
    const accepted = await offered;
    assert.equal(accepted.name, label);
    const listed = bob.fileOffers().find((o) => o.id === accepted.id);
    assert.equal(listed?.several, true);
    assert.equal(listed?.files, 3);
    const line = 'sent files: notes.txt, report.pdf and scans/ (3 files, 235.6 KiB)';
    const history = async (c: NatterClient, peer: string) =>
      (await c.conversation(peer)).map((e) => e.text);
    assert.ok((await history(bob, 'alice')).includes(line), String(await history(bob, 'alice')));
    assert.ok((await history(alice, 'bob')).includes(line), String(await history(alice, 'bob')));
    const down = await bob.waitForTransfer(accepted.id);
    assert.equal(down.state, 'done', JSON.stringify(down.error));
    assert.equal(down.savedAs, downloads);
    // Each item's own name there, in the stream's order: what the receiver is told.
    const items = ['notes.txt', 'report (1).pdf', 'scans/'];
    assert.deepEqual(down.savedItems, items);
    assert.deepEqual(bob.fileOffers().find((o) => o.id === accepted.id)?.savedItems, items);
    assert.deepEqual((await readdir(downloads)).sort(), [
      'notes.txt',
      'report (1).pdf',
      'report.pdf',
      'scans',
    ]);
    assert.equal(await readFile(join(downloads, 'report.pdf'), 'utf8'), 'mine');
    assert.equal(await sha256File(join(downloads, 'report (1).pdf')), hashes['report.pdf']);
    assert.equal(await sha256File(join(downloads, 'notes.txt')), hashes['notes.txt']);
    assert.equal(await sha256File(join(downloads, 'scans', 'p1.png')), hashes['scans/p1.png']);
  });

  it('refuses a file over the recipient limit before any upload: E_FILE_TOO_LARGE', async () => {
    const { alice, bob } = await pair();
    await bob.setFileSettings({ maxIncomingBytes: 1000 });
    // The FilePolicy goes out with the change; a lookup round trip lets the relay apply it.
    await new Promise((r) => setTimeout(r, 200));
    const src = await makeTempDir('natter-src-');
    await writePattern(join(src, 'big.bin'), 5000, 6);
    await assert.rejects(alice.sendFile({ to: 'bob' }, [join(src, 'big.bin')]), {
      code: 'E_FILE_TOO_LARGE',
    });
    assert.deepEqual(alice.transfers(), []);
  });

  it('refuses a file over the uploader quota before any upload: E_FILE_QUOTA', async () => {
    const relay = await world.relayOn({ limits: { fileQuotaBytes: 100_000 } });
    const alice = await world.client('alice', relay);
    const bob = await world.client('bob', relay);
    await alice.connect();
    await bob.connect();
    const src = await makeTempDir('natter-src-');
    await writePattern(join(src, 'big.bin'), 200_000, 7);
    await assert.rejects(alice.sendFile({ to: 'bob' }, [join(src, 'big.bin')]), {
      code: 'E_FILE_QUOTA',
    });
  });

  it('refuses a missing path with E_FILE_NOT_FOUND and an unknown user with E_UNKNOWN_USER', async () => {
    const { alice } = await pair();
    const src = await makeTempDir('natter-src-');
    await assert.rejects(alice.sendFile({ to: 'bob' }, [join(src, 'nope')]), {
      code: 'E_FILE_NOT_FOUND',
    });
    await writeFile(join(src, 'f'), 'x');
    await assert.rejects(alice.sendFile({ to: 'nobody' }, [join(src, 'f')]), {
      code: 'E_UNKNOWN_USER',
    });
  });

  it('refuses a file to myself with E_SELF before any lookup: I do not become my own contact', async () => {
    const { alice } = await pair();
    const src = await makeTempDir('natter-src-');
    await writeFile(join(src, 'b.txt'), 'x');
    const before = alice.contacts();
    for (const to of ['alice', 'ALICE']) {
      await assert.rejects(alice.sendFile({ to }, [join(src, 'b.txt')]), { code: 'E_SELF' });
    }
    assert.deepEqual(alice.contacts(), before);
    assert.equal(
      alice.contacts().some((c) => c.pseudonym === 'alice'),
      false,
    );
    assert.deepEqual(alice.transfers(), [], 'nothing offered');
  });

  it('declines by itself an offer over the limit set while it waited, telling why', async () => {
    const { alice, src, bobBack } = await awayPair(world);
    await writePattern(join(src, 'huge.iso'), 50_000, 10);
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'huge.iso')]);
    const again = await bobBack();
    await again.setFileSettings({ maxIncomingBytes: 10_000 });
    const offer = nextEvent(again, 'file:offer', (o) => o.id === sent.id, 10_000);
    await again.connect();
    const o = await offer;
    assert.equal(o.state, 'declined');
    assert.equal(o.error?.code, 'E_FILE_TOO_LARGE');
    assert.match(
      o.error?.message ?? '',
      /^its 48\.8 KiB is over your limit of 9\.8 KiB \(natter config set max-incoming/,
    );
    assert.deepEqual(again.transfers(), []);
  });

  it('cancels an upload for everyone: the relay drops it, and an accept after it fails with E_FILE_CANCELLED', async () => {
    const { relay, alice, bob } = await pair();
    const src = await makeTempDir('natter-src-');
    await writePattern(join(src, 'oops.bin'), 300_000, 9);
    const offered = nextEvent(bob, 'file:offer', (o) => o.name === 'oops.bin', 10_000);
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'oops.bin')]);
    await alice.waitForTransfer(sent.id);
    const told = nextEvent(bob, 'transfer:finished', (t) => t.id === sent.id, 10_000);
    await alice.cancelTransfer(sent.id.slice(0, 4));
    assert.equal(alice.transfers().find((t) => t.id === sent.id)?.state, 'cancelled');
    const o = await offered;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(relay.relay.stats().storedFiles, 0, 'the relay deleted it');
    assert.equal((await told).error?.code, 'E_FILE_CANCELLED');
    // bob heard of it from alice, end to end, so his accept does not ask the relay (which
    // could only say E_FILE_UNKNOWN): cancelled.test.ts.
    await assert.rejects(bob.acceptFile(o.id), { code: 'E_FILE_CANCELLED' });
    assert.deepEqual(bob.transfers(), []);
  });

  it('names transfers by a unique hex prefix: E_UNKNOWN_TRANSFER, E_AMBIGUOUS_TRANSFER', async () => {
    const { alice } = await pair();
    assert.throws(() => alice.transfers() && alice.waitForTransfer('zz'), {
      code: 'E_UNKNOWN_TRANSFER',
    });
    await assert.rejects(alice.declineFile('abcdef'), { code: 'E_UNKNOWN_TRANSFER' });
  });

  it('asks about a file that is the first word from a listed name (someone who registered it since)', async () => {
    const { alice, bob } = await pair();
    await bob.setFileSettings({ autoAcceptFrom: ['alice'] });
    const src = await makeTempDir('natter-src-');
    await writePattern(join(src, 'first.txt'), 1000, 8);
    const offer = nextEvent(bob, 'file:offer', (o) => o.name === 'first.txt', 10_000);
    await alice.sendFile({ to: 'bob' }, [join(src, 'first.txt')]);
    assert.equal((await offer).state, 'offered', 'not accepted unasked');
    assert.deepEqual(bob.transfers(), []);
  });

  it('asks about a first file from a name only looked up (fingerprint), never heard from', async () => {
    const { alice, bob } = await pair();
    // bob checks alice's safety number before anyone writes: her card is pinned, unheard.
    assert.equal(await bob.findUser('alice'), 'known');
    assert.ok(bob.contact('alice') !== undefined);
    await bob.setFileSettings({ autoAcceptFrom: ['alice'] });
    const src = await makeTempDir('natter-src-');
    await writePattern(join(src, 'looked-up.txt'), 1000, 9);
    const offer = nextEvent(bob, 'file:offer', (o) => o.name === 'looked-up.txt', 10_000);
    await alice.sendFile({ to: 'bob' }, [join(src, 'looked-up.txt')]);
    assert.equal((await offer).state, 'offered', 'her first word: asked about');
    assert.deepEqual(bob.transfers(), []);
  });

  it('auto-accepts from a chosen contact, reporting progress on the way', async () => {
    const { alice, bob, downloads } = await pair();
    await acquainted(alice, bob);
    await bob.setFileSettings({ autoAcceptFrom: ['Alice'] });
    const src = await makeTempDir('natter-src-');
    const hash = await writePattern(join(src, 'auto.txt'), 10_000, 8);
    const offer = nextEvent(bob, 'file:offer', (o) => o.name === 'auto.txt', 10_000);
    const progress: number[] = [];
    bob.on('transfer:progress', (t) => progress.push(t.doneBytes));
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'auto.txt')]);
    assert.equal((await offer).state, 'accepted');
    const down = await bob.waitForTransfer(sent.id);
    assert.ok(progress.length >= 1, 'progress was reported');
    assert.deepEqual(
      progress,
      [...progress].sort((a, b) => a - b),
      'and only moved forward',
    );
    assert.equal(await sha256File(down.savedAs!), hash);
    assert.deepEqual(await readdir(downloads), ['auto.txt']);
  });
});
