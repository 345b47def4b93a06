/**
 * The roster's way out (roster-out.ts, roster-snapshot.ts): a newcomer's roster from
 * shared frames kept encoded between logins, changes at the end of the turn and at
 * most every ROSTER_FLUSH_MS, and no change told twice to a session that joined while
 * it waited. Whatever the order of joins, changes and flushes, every session ends up
 * holding what the changes said last.
 */
import assert from 'node:assert/strict';
import {
  ROSTER_FLUSH_MS,
  ROSTER_FLUSH_MS_PER_SESSION,
  RosterOut,
  type RosterReader,
} from '../../../src/relay/roster-out.js';
import { RosterSnapshot } from '../../../src/relay/roster-snapshot.js';
import { ManualClock } from '../../../src/util/clock.js';
import { decodeFrame } from '../../../src/wire/codec.js';
import { FrameDecoder } from '../../../src/wire/framing.js';
import { MAX_FRAME_BYTES } from '../../../src/wire/limits.js';
import type { FrameOf, RosterEntry } from '../../../src/wire/types.js';

type Update = FrameOf<'roster-update'>;

const userHex = (i: number): string => i.toString(16).padStart(64, '0');

function entry(i: number, online = true, statusText = ''): RosterEntry {
  const id = Buffer.from(userHex(i), 'hex');
  return {
    card: {
      userId: new Uint8Array(id),
      pseudonym: `user${i}`,
      boxPk: new Uint8Array(32).fill(i & 0xff),
      cardSig: new Uint8Array(64).fill(1),
    },
    status: 'online',
    statusText,
    online,
    signed: null,
  };
}

function decode(framed: readonly Buffer[]): Update[] {
  const out: Update[] = [];
  for (const f of framed) {
    for (const body of new FrameDecoder(MAX_FRAME_BYTES).push(f)) {
      const frame = decodeFrame(body);
      assert.equal(frame.type, 'roster-update');
      out.push(frame as Update);
    }
  }
  return out;
}

const names = (updates: readonly Update[]): string[] =>
  updates.flatMap((u) => u.entries.map((e) => `${e.card.pseudonym}${e.online ? '' : '-'}`));

/** A session: what it was sent, and the roster it holds by applying it as a client does. */
class Reader implements RosterReader {
  ready = true;
  readonly sent: Buffer[] = [];
  readonly holds = new Map<string, string>();
  sendRoster(frames: readonly Buffer[]): void {
    for (const framed of frames) this.take(framed);
  }
  private take(framed: Buffer): void {
    this.sent.push(framed);
    for (const u of decode([framed])) {
      if (u.full) this.holds.clear();
      for (const e of u.entries) {
        const key = e.card.pseudonym;
        if (e.online) this.holds.set(key, e.statusText);
        else this.holds.delete(key);
      }
    }
  }
}

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('relay/roster-snapshot: the roster kept encoded for newcomers', () => {
  it('is one full frame with no one in it when no one is online', () => {
    const updates = decode(new RosterSnapshot().frames());
    assert.equal(updates.length, 1);
    assert.deepEqual([updates[0]!.full, updates[0]!.entries.length], [true, 0]);
  });

  it('comes in chunks, the first full, and shares the frames of chunks that did not change', () => {
    const s = new RosterSnapshot(2);
    for (let i = 1; i <= 5; i++) s.set(userHex(i), entry(i));
    const first = s.frames();
    assert.deepEqual(
      decode(first).map((u) => u.full),
      [true, false, false],
    );
    assert.deepEqual(names(decode(first)), ['user1', 'user2', 'user3', 'user4', 'user5']);
    const again = s.frames();
    assert.ok(
      first.every((f, i) => f === again[i]),
      'the same buffers, encoded once',
    );

    s.set(userHex(3), entry(3, true, 'lunch'));
    const after = s.frames();
    assert.deepEqual(
      after.map((f, i) => f === first[i]),
      [true, false, true],
    );
    assert.equal(decode(after)[1]!.entries[0]!.statusText, 'lunch');
  });

  it('drops a user who went offline, skips an emptied chunk, and reuses the slot', () => {
    const s = new RosterSnapshot(2);
    for (let i = 1; i <= 5; i++) s.set(userHex(i), entry(i));
    s.set(userHex(3), entry(3, false));
    s.set(userHex(4), entry(4, false));
    s.set(userHex(9), entry(9, false)); // never online: nothing to drop
    assert.deepEqual(names(decode(s.frames())), ['user1', 'user2', 'user5']);
    assert.equal(decode(s.frames()).length, 2, 'the empty middle chunk is not sent');
    s.set(userHex(6), entry(6));
    assert.deepEqual(names(decode(s.frames())), ['user1', 'user2', 'user6', 'user5']);
    assert.equal(s.size, 4);
  });

  it('still sends the full frame when its chunk is empty', () => {
    const s = new RosterSnapshot(2);
    for (let i = 1; i <= 3; i++) s.set(userHex(i), entry(i));
    s.set(userHex(1), entry(1, false));
    s.set(userHex(2), entry(2, false));
    const updates = decode(s.frames());
    assert.deepEqual(
      updates.map((u) => [u.full, u.entries.length]),
      [
        [true, 0],
        [false, 1],
      ],
    );
  });
});

describe('relay/roster-out: changes to every ready session', () => {
  function setup(readers: Reader[]) {
    const clock = new ManualClock();
    const out = new RosterOut(
      () => readers,
      () => readers.length,
      clock,
    );
    return { clock, out };
  }

  it('sends a lone change at the end of its turn, the same bytes to every ready session', async () => {
    const a = new Reader();
    const b = new Reader();
    const asleep = Object.assign(new Reader(), { ready: false });
    const { out } = setup([a, b, asleep]);
    out.changed(userHex(1), entry(1));
    out.changed(userHex(1), entry(1, true, 'here'));
    out.changed(userHex(2), entry(2));
    assert.equal(a.sent.length, 0, 'not before the end of the turn');
    await endOfTurn();
    assert.equal(a.sent.length, 1);
    assert.equal(a.sent[0], b.sent[0], 'one buffer for all');
    assert.deepEqual(names(decode(a.sent)), ['user1', 'user2']);
    assert.equal(decode(a.sent)[0]!.entries[0]!.statusText, 'here', 'the last change of each');
    assert.equal(asleep.sent.length, 0);
  });

  it(`sends further changes at most every ${ROSTER_FLUSH_MS} ms, together`, async () => {
    const a = new Reader();
    const { clock, out } = setup([a]);
    out.changed(userHex(1), entry(1));
    await endOfTurn();
    clock.advance(40);
    out.changed(userHex(2), entry(2));
    out.changed(userHex(3), entry(3));
    await endOfTurn();
    assert.equal(a.sent.length, 1, 'within the interval: waits');
    clock.advance(ROSTER_FLUSH_MS - 41);
    assert.equal(a.sent.length, 1);
    clock.advance(1);
    assert.equal(a.sent.length, 2);
    assert.deepEqual(names(decode(a.sent.slice(1))), ['user2', 'user3']);
    clock.advance(ROSTER_FLUSH_MS);
    out.changed(userHex(2), entry(2, false));
    await endOfTurn();
    assert.equal(a.sent.length, 3, 'after a quiet interval: at the end of the turn again');
  });

  it('spaces updates further apart with thousands of sessions connected', async () => {
    const a = new Reader();
    const clock = new ManualClock();
    let sessions = 1;
    const out = new RosterOut(
      () => [a],
      () => sessions,
      clock,
    );
    assert.equal(out.intervalMs, ROSTER_FLUSH_MS);
    sessions = 5000;
    const interval = 5000 * ROSTER_FLUSH_MS_PER_SESSION;
    assert.equal(out.intervalMs, interval);
    out.changed(userHex(1), entry(1));
    await endOfTurn();
    assert.equal(a.sent.length, 1, 'the first change at the end of its turn');
    out.changed(userHex(2), entry(2));
    clock.advance(interval - 1);
    assert.equal(a.sent.length, 1);
    clock.advance(1);
    assert.equal(a.sent.length, 2);
  });

  it('gives a newcomer the roster, and only the changes made after it joined', async () => {
    const early = new Reader();
    const readers = [early];
    const { clock, out } = setup(readers);
    out.changed(userHex(1), entry(1));
    await endOfTurn();
    out.changed(userHex(2), entry(2));
    out.changed(userHex(3), entry(3, true, 'old'));
    const late = new Reader();
    readers.push(late);
    out.welcome(late);
    assert.deepEqual(names(decode(late.sent)), ['user1', 'user2', 'user3']);
    out.changed(userHex(3), entry(3, true, 'new'));
    clock.advance(ROSTER_FLUSH_MS);
    assert.deepEqual(names(decode(early.sent.slice(1))), ['user2', 'user3']);
    assert.deepEqual(names(decode(late.sent.slice(1))), ['user3'], 'not user2 a second time');
    assert.equal(late.holds.get('user3'), 'new');

    const quiet = new Reader();
    readers.push(quiet);
    clock.advance(ROSTER_FLUSH_MS);
    out.welcome(quiet);
    await endOfTurn();
    assert.equal(quiet.sent.length, 1, 'nothing waited: the roster alone');
  });

  it('leaves every session holding what the changes said last, whatever the order', async () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const readers: Reader[] = [];
    const clock = new ManualClock();
    const out = new RosterOut(
      () => readers,
      () => readers.length,
      clock,
    );
    const truth = new Map<string, string>();
    for (let step = 0; step < 3000; step++) {
      const op = random(10);
      if (op < 6) {
        const i = random(40);
        const online = random(3) > 0;
        const text = `s${random(5)}`;
        out.changed(userHex(i), entry(i, online, text));
        if (online) truth.set(`user${i}`, text);
        else truth.delete(`user${i}`);
      } else if (op < 7) {
        const r = new Reader();
        readers.push(r);
        out.welcome(r);
        assert.deepEqual(new Map([...r.holds].sort()), new Map([...truth].sort()));
      } else if (op < 9) {
        clock.advance(random(60));
      } else {
        await endOfTurn();
      }
    }
    clock.advance(ROSTER_FLUSH_MS);
    await endOfTurn();
    const want = [...truth].sort();
    assert.ok(readers.length > 100);
    for (const r of readers) assert.deepEqual([...r.holds].sort(), want);
  });
});
