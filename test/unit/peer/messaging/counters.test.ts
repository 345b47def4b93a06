import assert from 'node:assert/strict';
import {
  conversationStoreKey,
  directConversation,
} from '../../../../src/peer/conversations/ids.js';
import {
  type CounterVerdict,
  type CounterWindow,
  CounterWindows,
  judgeCounter,
  MAX_COUNTER_GAPS,
  markWindowsOnRename,
} from '../../../../src/peer/messaging/counters.js';
import { MemoryKv, PeerStore, PREFIX, putJson } from '../../../../src/peer/store.js';
import { toHex } from '../../../../src/util/bytes.js';
import { person, textInner } from '../../../helpers/peer-fixtures.js';

const T = 1_700_000_000_000;

/** Feeds messages (counter, id, send time) through judgeCounter, accepting what it accepts. */
function run(messages: [number, string, number][]): {
  kinds: CounterVerdict['kind'][];
  window: CounterWindow | undefined;
} {
  let window: CounterWindow | undefined;
  const kinds: CounterVerdict['kind'][] = [];
  for (const [counter, msgId, sentAtMs] of messages) {
    const v = judgeCounter(window, { counter, msgId, sentAtMs });
    kinds.push(v.kind);
    if ('next' in v) window = v.next;
  }
  return { kinds, window };
}

describe('counters: what a sender’s message counter says', () => {
  it('accepts counters that go up, and a copy of the newest as a duplicate', () => {
    const { kinds, window } = run([
      [1, 'a', T],
      [2, 'b', T + 1],
      [2, 'b', T + 1],
    ]);
    assert.deepEqual(kinds, ['new', 'new', 'duplicate']);
    assert.equal(window?.high, 2);
  });

  it('refuses an old counter again, even under a new message id (a replay the seen-set missed)', () => {
    const { kinds } = run([
      [1, 'a', T],
      [2, 'b', T + 1],
      [3, 'c', T + 2],
      [2, 'b', T + 1],
      [1, 'x', T],
      [3, 'y', T + 2],
    ]);
    assert.deepEqual(kinds, ['new', 'new', 'new', 'reused', 'reused', 'reused']);
  });

  it('reports the size of a gap, and takes a message that fills it late, once', () => {
    let w: CounterWindow | undefined;
    const step = (counter: number, id: string, sentAtMs: number) => {
      const v = judgeCounter(w, { counter, msgId: id, sentAtMs });
      if ('next' in v) w = v.next;
      return v;
    };
    step(1, 'a', T);
    const jump = step(5, 'e', T + 5);
    assert.equal(jump.kind, 'new');
    assert.deepEqual(jump.kind === 'new' && [jump.previous, jump.missing], [1, 3]);
    assert.deepEqual(w?.gaps, [[2, 4]]);
    assert.equal(step(3, 'c', T + 3).kind, 'late');
    assert.deepEqual(w?.gaps, [
      [2, 2],
      [4, 4],
    ]);
    assert.equal(step(3, 'c2', T + 3).kind, 'reused', 'a gap is filled once');
    assert.equal(step(2, 'b', T + 2).kind, 'late');
    assert.equal(step(4, 'd', T + 4).kind, 'late');
    assert.deepEqual(w?.gaps, []);
    assert.equal(w?.newestSentAtMs, T + 5);
  });

  it('counts from the first message seen: nothing below it is a gap', () => {
    const { kinds, window } = run([
      [7, 'g', T + 7],
      [3, 'c', T + 3],
    ]);
    assert.deepEqual(kinds, ['new', 'reused']);
    assert.deepEqual(window?.gaps, []);
  });

  it('accepts a reused counter that is newer than everything accepted (the sender went back), noticing it once', () => {
    let w: CounterWindow | undefined;
    const step = (counter: number, id: string, sentAtMs: number) => {
      const v = judgeCounter(w, { counter, msgId: id, sentAtMs });
      if ('next' in v) w = v.next;
      return v;
    };
    step(1, 'a', T);
    step(2, 'b', T + 1);
    step(3, 'c', T + 2);
    const first = step(1, 'restored-1', T + 100);
    assert.deepEqual(first.kind === 'rewound' && [first.notice, first.previous], [true, 3]);
    const second = step(2, 'restored-2', T + 101);
    assert.deepEqual(second.kind === 'rewound' && second.notice, false, 'noticed once');
    assert.equal(step(2, 'b', T + 1).kind, 'reused', 'a copy of old mail is still refused');
    assert.equal(step(4, 'd', T + 102).kind, 'new');
    assert.equal(w?.rewound, undefined, 'cleared once the numbering is past the old highest');
  });

  it('after my rename, takes a sender starting again without a notice once, then notices as ever', () => {
    let w: CounterWindow | undefined = {
      high: 3,
      highId: 'c',
      newestSentAtMs: T + 2,
      gaps: [],
      renamedAway: true,
    };
    const step = (counter: number, id: string, sentAtMs: number) => {
      const v = judgeCounter(w, { counter, msgId: id, sentAtMs });
      if ('next' in v) w = v.next;
      return v;
    };
    // A straggler of the old numbering keeps the mark; then the new numbering starts at 1.
    assert.equal(step(4, 'd', T + 3).kind, 'new');
    assert.equal(w?.renamedAway, true);
    const restart = step(1, 'new-1', T + 100);
    assert.deepEqual(restart.kind === 'rewound' && restart.notice, false, 'no notice');
    assert.equal(w?.renamedAway, undefined, 'taken once');
    assert.equal(step(2, 'b', T + 1).kind, 'reused', 'old mail is still refused');
    assert.equal(step(5, 'e', T + 101).kind, 'new');
    const restored = step(1, 'restored-1', T + 200);
    assert.deepEqual(
      restored.kind === 'rewound' && restored.notice,
      true,
      'a later rewind is told',
    );
  });

  it('marks the one-to-one windows, not the group ones, when the profile claims another name', async () => {
    const [alice, bob] = [person('alice'), person('bob')];
    const conversation = directConversation('alice');
    const kv = new MemoryKv();
    const store = new PeerStore(kv);
    const draft = new CounterWindows(store).draft();
    draft.accept(await draft.judge(alice.id.signPk, conversation, textInner(alice, bob, 'x')));
    await store.write(draft.ops());
    const group = `${PREFIX.inCounters}${'ab'.repeat(32)}!g${'cd'.repeat(16)}`;
    await store.write([putJson(group, { high: 1, highId: 'x', newestSentAtMs: T, gaps: [] })]);
    await markWindowsOnRename(store, 'bob', 'BOB');
    const read = async () => {
      const all = new Map<string, CounterWindow>();
      for await (const [k, v] of store.scan<CounterWindow>(PREFIX.inCounters)) all.set(k, v);
      return all;
    };
    assert.ok(
      [...(await read()).values()].every((v) => v.renamedAway === undefined),
      'case only',
    );
    await markWindowsOnRename(store, 'bob', 'robert');
    const marked = await read();
    assert.equal(marked.get(group)?.renamedAway, undefined, 'groups number per group');
    assert.equal([...marked.values()].filter((v) => v.renamedAway === true).length, 1);
  });

  it(`remembers at most ${MAX_COUNTER_GAPS} gaps; the oldest forgotten count as used`, () => {
    const messages: [number, string, number][] = [[1, 'm1', T]];
    for (let i = 0; i <= MAX_COUNTER_GAPS; i++) {
      messages.push([3 + 2 * i, `m${3 + 2 * i}`, T + i]);
    }
    const { window } = run(messages);
    assert.equal(window?.gaps.length, MAX_COUNTER_GAPS);
    assert.deepEqual(window?.gaps[0], [4, 4], 'the gap at 2 was forgotten');
    assert.equal(judgeCounter(window, { counter: 2, msgId: 'late', sentAtMs: T }).kind, 'reused');
    assert.equal(judgeCounter(window, { counter: 4, msgId: 'late', sentAtMs: T }).kind, 'late');
  });

  describe('windows in the store', () => {
    const alice = person('alice');
    const bob = person('bob');
    const conversation = directConversation('alice');

    it('keeps nothing from a batch until it is committed, and sees the batch’s own acceptances', async () => {
      const kv = new MemoryKv();
      const windows = new CounterWindows(new PeerStore(kv));
      const one = textInner(alice, bob, 'one', { counter: 1 });
      const draft = windows.draft();
      draft.accept(await draft.judge(alice.id.signPk, conversation, one));
      const again = await draft.judge(alice.id.signPk, conversation, {
        ...one,
        msgId: new Uint8Array(16),
      });
      assert.equal(again.verdict.kind, 'reused', 'the batch sees its own first message');
      const discarded = windows.draft();
      assert.equal((await discarded.judge(alice.id.signPk, conversation, one)).verdict.kind, 'new');

      await new PeerStore(kv).write(draft.ops());
      draft.commit();
      const later = windows.draft();
      assert.equal(
        (await later.judge(alice.id.signPk, conversation, one)).verdict.kind,
        'duplicate',
      );
      assert.ok([...kv.data.keys()].some((k) => k.startsWith(PREFIX.inCounters)));
    });

    it('keeps one window per sender whatever name they write under, and reads one kept per name before', async () => {
      const kv = new MemoryKv();
      const store = new PeerStore(kv);
      // A window as kept before: under alice's name.
      const legacy = `${PREFIX.inCounters}${toHex(alice.id.signPk)}!${conversationStoreKey(conversation)}`;
      await store.write([putJson(legacy, { high: 5, highId: 'e', newestSentAtMs: T, gaps: [] })]);
      const draft = new CounterWindows(store).draft();
      const old = textInner(alice, bob, 'replayed', { counter: 5, sentAtMs: T - 1 });
      assert.equal((await draft.judge(alice.id.signPk, conversation, old)).verdict.kind, 'reused');
      // alice renamed herself alicia: the same numbering, in the conversation under her new name.
      const next = textInner(alice, bob, 'as alicia', { counter: 6, sentAtMs: T + 1 });
      const judged = await draft.judge(alice.id.signPk, directConversation('alicia'), next);
      assert.deepEqual(judged.verdict.kind === 'new' && judged.verdict.missing, 0, 'no gap');
      draft.accept(judged);
      await store.write(draft.ops());
      draft.commit();
      const back = textInner(alice, bob, 'as alice again', { counter: 7, sentAtMs: T + 2 });
      const again = await new CounterWindows(store)
        .draft()
        .judge(alice.id.signPk, conversation, back);
      assert.deepEqual(
        again.verdict.kind === 'new' && again.verdict.missing,
        0,
        'none after the rename back',
      );
    });

    it('reads windows back from the store after a restart', async () => {
      const kv = new MemoryKv();
      const store = new PeerStore(kv);
      const before = new CounterWindows(store).draft();
      const inner = textInner(alice, bob, 'two', { counter: 2 });
      before.accept(await before.judge(alice.id.signPk, conversation, inner));
      await store.write(before.ops());
      const after = new CounterWindows(new PeerStore(kv)).draft();
      const old = textInner(alice, bob, 'one', { counter: 1 });
      assert.equal((await after.judge(alice.id.signPk, conversation, old)).verdict.kind, 'reused');
      const carol = person('carol');
      const carols = textInner(carol, bob, 'one', { counter: 1 });
      assert.equal(
        (await after.judge(carol.id.signPk, directConversation('carol'), carols)).verdict.kind,
        'new',
        'each sender counts on their own',
      );
    });
  });
});
