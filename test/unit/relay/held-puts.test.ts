import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeldLanes } from '../../../src/relay/cluster/held-lanes.js';
import { HeldPuts, HOLD_PAYS_WINDOW, HOLD_PROBE_EVERY } from '../../../src/relay/held-puts.js';
import type { KvOp } from '../../../src/relay/store/index.js';

/** What the fixture's held puts come to when taken back by an ack. */
const TAKEN = 'taken';

/** A held op and where its outcome goes. */
interface Op {
  op: KvOp;
  settle: (outcome: string) => void;
}

const put = (key: string): KvOp => ({ type: 'put', key, value: new Uint8Array([1]) });

/** A held put is named by a number (a seq); the tests name theirs, one number per name. */
const ids = new Map<string, number>();
const id = (name: string): number => {
  let n = ids.get(name);
  if (n === undefined) {
    n = ids.size + 1;
    ids.set(name, n);
  }
  return n;
};

/**
 * HeldPuts whose writes are recorded and answered with `written:<key>` (a turn later,
 * as a batch's would be); `hold` returns the outcome of the put it holds.
 */
function hooks(writes: string[]) {
  return {
    write: ({ op, settle }: Op) => {
      writes.push(op.key);
      setImmediate(() => settle(`written:${op.key}`));
    },
    taken: ({ settle }: Op) => settle(TAKEN),
  };
}

/** HeldLanes (a cluster's held puts, named by key, in lanes) over HeldPuts. */
function fixture(holdMs = 20, maxHeld = 8, maxHeldBytes = 1024) {
  const writes: string[] = [];
  const held = new HeldLanes<Op>({ holdMs, maxHeld, maxHeldBytes }, hooks(writes));
  const hold = (who: string, key: number, op: KvOp, bytes: number) =>
    new Promise<string>((settle) => held.hold(who, key, { op, settle }, bytes));
  return { held, writes, hold };
}

describe('relay/held-puts', () => {
  it('takes a put back on its ack: it is never written', async () => {
    const { held, writes, hold } = fixture();
    const outcome = hold('bob', id('k1'), put('k1'), 1);
    assert.equal(held.take(id('k1')), true);
    assert.equal(await outcome, TAKEN);
    await sleep(40);
    assert.deepEqual(writes, []);
    assert.equal(held.size, 0);
    assert.equal(held.holds('bob'), false);
  });

  it('writes a put nobody acked once holdMs passed, with the write result', async () => {
    const { held, writes, hold } = fixture(20);
    const outcome = hold('bob', id('k1'), put('k1'), 1);
    await sleep(5);
    assert.deepEqual(writes, [], 'written before holdMs');
    assert.equal(await outcome, 'written:k1');
    assert.deepEqual(writes, ['k1']);
    assert.equal(held.take(id('k1')), false, 'an ack after the write is the mailbox delete');
  });

  it('writes each put when its own holdMs has passed, oldest first', async () => {
    const { writes, hold } = fixture(30);
    const first = hold('bob', id('k1'), put('k1'), 1);
    await sleep(15);
    const second = hold('carol', id('k2'), put('k2'), 1);
    assert.equal(await first, 'written:k1');
    assert.deepEqual(writes, ['k1'], 'the second put went with the first');
    assert.equal(await second, 'written:k2');
    assert.deepEqual(writes, ['k1', 'k2']);
  });

  it('releases every held put at once, in order, skipping those taken', async () => {
    const { held, writes, hold } = fixture(60_000);
    const outcomes = ['k1', 'k2', 'k3'].map((k) => hold('bob', id(k), put(k), 1));
    held.take(id('k2'));
    held.releaseAll();
    assert.deepEqual(await Promise.all(outcomes), ['written:k1', TAKEN, 'written:k3']);
    assert.deepEqual(writes, ['k1', 'k3']);
    assert.equal(held.holds('bob'), false);
  });

  it("releases one recipient's held puts, in order, and no one else's", async () => {
    const { held, writes, hold } = fixture(60_000);
    const bob = ['b1', 'b2'].map((k) => hold('bob', id(k), put(k), 1));
    void hold('carol', id('c1'), put('c1'), 1);
    held.releaseFor('bob');
    assert.deepEqual(await Promise.all(bob), ['written:b1', 'written:b2']);
    assert.deepEqual(writes, ['b1', 'b2']);
    assert.equal(held.holds('bob'), false);
    assert.equal(held.holds('carol'), true);
    assert.equal(held.take(id('c1')), true);
  });

  it('drops every held put with the result given, writing none', async () => {
    const writes: string[] = [];
    const held = new HeldPuts<Op>(
      { holdMs: 60_000, maxHeld: 8, maxHeldBytes: 1024 },
      hooks(writes),
    );
    let handle: ReturnType<typeof held.hold> | null = null;
    const outcome = new Promise<string>((settle) => {
      handle = held.hold({ op: put('k1'), settle }, 1);
    });
    held.dropAll(({ settle }) => settle('refused'));
    assert.equal(await outcome, 'refused');
    assert.deepEqual(writes, []);
    assert.equal(held.take(handle!), false);
    assert.equal(held.size, 0);
  });

  it('keeps no more settled puts than about twice those held, however long the hold', () => {
    const held = new HeldPuts<Op>({ holdMs: 60_000, maxHeld: 1e6, maxHeldBytes: 1e9 }, hooks([]));
    const settle = () => {};
    const kept = held.hold({ op: put('kept'), settle }, 1);
    for (let i = 0; i < 20_000; i++) held.take(held.hold({ op: put(`t${i}`), settle }, 1));
    assert.equal(held.size, 1);
    assert.ok(held.queued <= 2 + 1024, `${held.queued} queued`);
    assert.equal(held.take(kept), true, 'the put still held stays');
    held.releaseAll();
  });

  it('keeps nothing of a settled put: its handle, still queued until dropped, lets go of its op', () => {
    const held = new HeldPuts<Op>({ holdMs: 60_000, maxHeld: 8, maxHeldBytes: 1024 }, hooks([]));
    const settle = () => {};
    const taken = held.hold({ op: put('taken'), settle }, 1);
    const released = held.hold({ op: put('released'), settle }, 1);
    const kept = held.hold({ op: put('kept'), settle }, 1);
    held.take(taken);
    held.release(released);
    assert.equal(held.queued, 3, 'settled handles wait in the due queue');
    // The op (a put: its mail, record and sender's callback) is not reachable from them.
    const opOf = (h: object) => (h as { op: unknown }).op;
    assert.deepEqual([opOf(taken), opOf(released)], [null, null]);
    assert.notEqual(opOf(kept), null);
    assert.deepEqual([taken.done, released.done, kept.done], [true, true, false]);
    held.releaseAll();
    assert.equal(opOf(kept), null);
  });

  it('names a held put by the handle hold returns: taken once, and not after its release', async () => {
    const writes: string[] = [];
    const held = new HeldPuts<Op>(
      { holdMs: 60_000, maxHeld: 8, maxHeldBytes: 1024 },
      hooks(writes),
    );
    const outcomes: Promise<string>[] = [];
    const hold = (key: string) => {
      let handle!: ReturnType<typeof held.hold>;
      outcomes.push(
        new Promise<string>((settle) => {
          handle = held.hold({ op: put(key), settle }, 1);
        }),
      );
      return handle;
    };
    const a = hold('a');
    const b = hold('b');
    assert.equal(held.take(a), true);
    assert.equal(held.take(a), false, 'taken twice');
    held.release(b);
    assert.equal(held.take(b), false, 'an ack after the release is the mailbox delete');
    assert.deepEqual(await Promise.all(outcomes), [TAKEN, 'written:b']);
    assert.deepEqual(writes, ['b']);
    assert.equal(held.size, 0);
  });

  it('counts held puts per recipient', () => {
    const { held, hold } = fixture(60_000);
    void hold('bob', id('k1'), put('k1'), 1);
    void hold('bob', id('k2'), put('k2'), 1);
    held.take(id('k1'));
    assert.equal(held.holds('bob'), true);
    held.take(id('k2'));
    assert.equal(held.holds('bob'), false);
  });

  it('admits no put past maxHeld puts or maxHeldBytes, nor any when holdMs is 0', () => {
    const { held, hold } = fixture(60_000, 2, 100);
    assert.equal(held.admit(1), true);
    void hold('bob', id('k1'), put('k1'), 1);
    void hold('carol', id('k2'), put('k2'), 1);
    assert.equal(held.admit(1), false, 'a third put would exceed maxHeld');
    held.take(id('k1'));
    assert.equal(held.admit(1), true);
    assert.equal(held.admit(99), true);
    assert.equal(held.admit(100), false, 'held bytes 1 + 100 would exceed 100');
    held.releaseAll();
    assert.equal(fixture(0).held.admit(1), false);
  });

  it('stops holding once most of a window came due unacked, probing, and resumes once probes are taken', async () => {
    const { held, hold } = fixture(5, 10_000, 1 << 20);
    const due = [];
    for (let i = 0; i < HOLD_PAYS_WINDOW; i++) {
      assert.equal(held.admit(1), true);
      due.push(hold('bob', id(`d${i}`), put(`d${i}`), 1));
    }
    await Promise.all(due);
    assert.equal(held.paying, false);
    const admitted = Array.from({ length: HOLD_PROBE_EVERY * 4 }, () => held.admit(1));
    assert.equal(admitted.filter(Boolean).length, 4, 'one candidate in HOLD_PROBE_EVERY');
    // Probes acked in time: after a window of them, holding pays again.
    let probes = 0;
    while (probes < HOLD_PAYS_WINDOW) {
      if (!held.admit(1)) continue;
      void hold('bob', id(`p${probes}`), put(`p${probes}`), 1);
      held.take(id(`p${probes}`));
      probes++;
    }
    assert.equal(held.paying, true);
    assert.equal(held.admit(1), true);
  });

  it('turns holding back on from the acks of puts it did not hold, acked within holdMs', async () => {
    const writes: string[] = [];
    const held = new HeldPuts<Op>(
      { holdMs: 5, maxHeld: 10_000, maxHeldBytes: 1 << 20 },
      hooks(writes),
    );
    const due = Array.from(
      { length: HOLD_PAYS_WINDOW },
      (_, i) => new Promise<string>((settle) => held.hold({ op: put(`d${i}`), settle }, 1)),
    );
    await Promise.all(due);
    assert.equal(held.paying, false);
    for (let i = 0; i < 2 * HOLD_PAYS_WINDOW; i++) held.ackedUnheld(5);
    assert.equal(held.paying, false, 'acked no sooner than holdMs: holding would not have paid');
    for (let i = 0; i < HOLD_PAYS_WINDOW; i++) held.ackedUnheld(4);
    assert.equal(held.paying, true, 'acked in time: it would have');
    for (let i = 0; i < 2 * HOLD_PAYS_WINDOW; i++) held.ackedUnheld(60_000);
    assert.equal(held.paying, true, 'while holding pays, held puts alone give the verdict');
  });

  it('writes a held put at once on release, counting it as not acked in time', async () => {
    const { held, writes, hold } = fixture(10_000);
    const outcome = hold('bob', id('k1'), put('k1'), 1);
    held.release(id('k1'));
    assert.equal(await outcome, 'written:k1');
    assert.deepEqual(writes, ['k1']);
    assert.equal(held.holds('bob'), false);
    held.release(id('k1')); // no longer held: nothing happens
    assert.deepEqual(writes, ['k1']);
  });
});
