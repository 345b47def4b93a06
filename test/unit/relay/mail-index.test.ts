import assert from 'node:assert/strict';
import { ABSENT, MailIndex } from '../../../src/relay/mail-index.js';

/** Seqs as the mailbox issues them: past 2^32, in order. */
const BASE = 2 ** 32;

describe('relay/mail-index', () => {
  it('counts mail, bytes and each sender pending as it is added and removed in order', () => {
    const index = new MailIndex<string>();
    const box = index.box('bob');
    const alice = index.sender('alice');
    for (let i = 1; i <= 3; i++) box.add(BASE + i, alice, 100, 1_000 + i, `n${i}`);
    assert.deepEqual([box.count, box.bytes, alice.pending], [3, 300, 3]);
    assert.equal(index.count('bob'), 3);
    assert.equal(index.sender('alice').pending, 3);
    assert.equal(index.size, 3);
    assert.equal(box.remove(BASE + 1), 'n1');
    assert.equal(box.remove(BASE + 2), 'n2');
    assert.deepEqual([box.count, box.bytes, alice.pending], [1, 100, 1]);
    assert.equal(box.has(BASE + 2), false);
    assert.equal(box.has(BASE + 3), true);
    assert.equal(box.remove(BASE + 3), 'n3');
    assert.deepEqual([box.count, box.bytes, alice.pending, box.slots], [0, 0, 0, 0]);
  });

  it("keeps each sender's share of a box (messages and bytes) as mail is added and removed", () => {
    const index = new MailIndex<null>();
    const box = index.box('bob');
    const alice = index.sender('alice');
    const carol = index.sender('carol');
    box.add(BASE + 1, alice, 100, 0, null);
    box.add(BASE + 2, carol, 10, 0, null);
    box.add(BASE + 3, alice, 50, 0, null);
    assert.deepEqual([box.shareOf(alice).count, box.shareOf(alice).bytes], [2, 150]);
    assert.deepEqual([box.shareOf(carol).count, box.shareOf(carol).bytes], [1, 10]);
    assert.equal(index.box('dave').shareOf(alice).count, 0, 'a share is per box');
    box.remove(BASE + 1);
    assert.deepEqual(
      [box.shareOf(alice).count, box.shareOf(alice).bytes, alice.pending],
      [1, 50, 1],
    );
    box.remove(BASE + 3);
    box.remove(BASE + 2);
    assert.deepEqual([box.shareOf(alice).count, box.shareOf(alice).bytes, box.bytes], [0, 0, 0]);
  });

  it('counts shares only once a box is big enough for one to matter, and keeps them right from then on', () => {
    const index = new MailIndex<null>();
    const box = index.box('bob');
    const alice = index.sender('alice');
    const carol = index.sender('carol');
    // A share is 4 messages or 400 bytes here: a box of 3 holds nobody's share.
    for (let i = 1; i <= 3; i++) box.add(BASE + i, alice, 100, 0, null);
    assert.equal(box.overShare(alice, 100, 4, 400), false, 'three of four: under the share');
    box.add(BASE + 4, alice, 100, 0, null);
    assert.equal(box.overShare(alice, 100, 4, 400), true, 'a fifth would be over the share');
    assert.equal(box.overShare(carol, 100, 4, 400), false, 'others still may');
    // Counted from now on: adds and removals keep the shares.
    box.add(BASE + 5, carol, 100, 0, null);
    box.remove(BASE + 1);
    box.remove(BASE + 2);
    assert.equal(box.overShare(alice, 100, 4, 400), false, 'alice is back to two');
    assert.deepEqual(box.shareOf(carol), { count: 1, bytes: 100 });
    assert.equal(box.overShare(alice, 250, 4, 400), true, 'by bytes: 200 + 250 > 400');
    for (const seq of [BASE + 3, BASE + 4, BASE + 5]) box.remove(seq);
    assert.deepEqual(box.shareOf(alice), { count: 0, bytes: 0 }, 'an empty box holds no share');
  });

  it('says ABSENT for a seq never added, or removed already', () => {
    const index = new MailIndex<null>();
    const box = index.box('bob');
    box.add(BASE + 5, index.sender('alice'), 10, 0, null);
    assert.equal(box.remove(BASE + 4), ABSENT);
    assert.equal(box.remove(BASE + 6), ABSENT);
    assert.equal(box.remove(BASE + 5), null, 'a note of null is not ABSENT');
    assert.equal(box.remove(BASE + 5), ABSENT);
    assert.equal(index.find('carol'), undefined);
  });

  it('removes out of order, and the head passes what was removed before it', () => {
    const index = new MailIndex<number>();
    const box = index.box('bob');
    const alice = index.sender('alice');
    for (let i = 1; i <= 5; i++) box.add(BASE + i, alice, 1, 0, i);
    assert.equal(box.remove(BASE + 3), 3);
    assert.equal(box.remove(BASE + 3), ABSENT, 'a tombstone is not found again');
    assert.equal(box.has(BASE + 3), false);
    assert.deepEqual(box.liveNotes(), [1, 2, 4, 5]);
    assert.equal(box.remove(BASE + 1), 1);
    assert.equal(box.remove(BASE + 2), 2);
    assert.equal(box.slots, 2, 'the head moved past 1, 2 and the tombstone of 3');
    assert.deepEqual(box.liveNotes(), [4, 5]);
    assert.equal(box.count, 2);
  });

  it('keeps its arrays to its live mail when everything but the oldest is acked', () => {
    const index = new MailIndex<null>();
    const box = index.box('bob');
    const alice = index.sender('alice');
    box.add(BASE, alice, 1, 0, null);
    for (let i = 1; i <= 10_000; i++) {
      box.add(BASE + i, alice, 1, 0, null);
      assert.equal(box.remove(BASE + i), null);
    }
    assert.equal(box.count, 1);
    assert.ok(box.slots <= 128, `slots ${box.slots}`);
    assert.equal(box.has(BASE), true);
    assert.equal(box.remove(BASE), null);
    assert.equal(box.slots, 0);
  });

  it('keeps its room when it empties, gives back room mostly unused, and never finds what it left there', () => {
    const index = new MailIndex<{ n: number }>();
    const box = index.box('bob');
    const alice = index.sender('alice');
    for (let round = 0; round < 3; round++) {
      for (let i = 1; i <= 100; i++) box.add(BASE + round * 100 + i, alice, 1, 0, { n: i });
      for (let i = 1; i <= 100; i++) assert.deepEqual(box.remove(BASE + round * 100 + i), { n: i });
      assert.deepEqual([box.count, box.slots], [0, 0]);
      assert.ok(box.room >= 100, `room ${box.room} kept after round ${round}`);
      assert.ok(box.room < 200, `room ${box.room}: reused, not grown`);
    }
    // Seqs left in the kept room are not mail: neither found nor removed.
    assert.equal(box.has(BASE + 250), false);
    assert.equal(box.remove(BASE + 250), ABSENT);
    box.add(BASE + 1_000, alice, 1, 0, { n: 0 });
    assert.equal(box.has(BASE + 250), false);
    assert.deepEqual(box.liveNotes(), [{ n: 0 }]);
    assert.deepEqual(box.olderThan(1), [BASE + 1_000]);
    box.remove(BASE + 1_000);
    // A drain of 100,000: the room is given back once the box empties.
    for (let i = 1; i <= 100_000; i++) box.add(BASE + 2_000 + i, alice, 1, 0, { n: i });
    assert.ok(box.room >= 100_000);
    for (let i = 1; i <= 100_000; i++) box.remove(BASE + 2_000 + i);
    assert.ok(box.room <= 1024, `room ${box.room} given back`);
    assert.equal(alice.pending, 0);
  });

  it('finds mail by seq after compaction, and lists what was stored before a time', () => {
    const index = new MailIndex<number>();
    const box = index.box('bob');
    const alice = index.sender('alice');
    for (let i = 1; i <= 300; i++) box.add(BASE + i, alice, 1, i, i);
    for (let i = 1; i <= 300; i += 2) box.remove(BASE + i); // odd ones: tombstones, compacted
    assert.equal(box.count, 150);
    for (let i = 2; i <= 300; i += 2) assert.equal(box.has(BASE + i), true, `seq ${i}`);
    assert.equal(box.has(BASE + 151), false);
    const old = index.olderThan(11).map(([b, hex, seq]) => [b === box, hex, seq - BASE]);
    assert.deepEqual(
      old,
      [2, 4, 6, 8, 10].map((i) => [true, 'bob', i]),
    );
  });

  it('keeps the highest seq issued to a recipient after its box empties, until cleared', () => {
    const index = new MailIndex<null>();
    const box = index.box('bob');
    box.lastIssued = BASE + 9;
    box.add(BASE + 9, index.sender('alice'), 1, 0, null);
    box.remove(BASE + 9);
    assert.equal(index.box('bob').lastIssued, BASE + 9);
    index.clear();
    assert.equal(index.box('bob').lastIssued, 0);
    assert.equal(index.sender('alice').pending, 0, 'a new tally after clear');
  });
});
