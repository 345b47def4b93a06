/**
 * A leave owed to a group a blocked key put me in (src/peer/groups/owed-leaves.ts): a QA
 * trial's `natter send` applied such a change and exited before its leave went, and the
 * group stayed joined, `member` in `group list`. The mark, written with the change, hides the
 * group until the leave goes at the next connect, then goes itself.
 */
import assert from 'node:assert/strict';
import type { ConversationId } from '../../../src/peer/conversations/ids.js';
import type { GroupInfo } from '../../../src/peer/events.js';
import { markHidden } from '../../../src/peer/groups/adders.js';
import { OwedLeaves, owedLeaveOps } from '../../../src/peer/groups/owed-leaves.js';
import { PeerStore, PREFIX } from '../../../src/peer/store.js';
import { MemoryKv } from '../../../src/peer/store-memory.js';

const group = (digit: string, myRole: GroupInfo['myRole']): GroupInfo => ({
  conversation: `#${digit.repeat(32)}` as ConversationId,
  groupId: digit.repeat(32),
  name: `g${digit}`,
  epoch: 0,
  members: [],
  myRole,
});

describe('owed leaves (groups a blocked key put me in)', () => {
  it('hides a marked group I am still in, and leaves it once, then forgets the mark', async () => {
    const store = new PeerStore(new MemoryKv());
    const groups = [group('1', 'member'), group('2', 'member'), group('3', null)];
    await store.write([...owedLeaveOps(groups[0]!.groupId), ...owedLeaveOps(groups[2]!.groupId)]);
    const none = () => false;
    assert.equal((await markHidden(store, none, 'me', groups[0]!)).hidden, true);
    assert.equal((await markHidden(store, none, 'me', groups[1]!)).hidden, undefined);

    const left: string[] = [];
    const owed = new OwedLeaves(store, {
      list: () => groups,
      leave: async (ref) => {
        left.push(ref);
      },
    });
    await Promise.all([owed.run(), owed.run()]);
    assert.deepEqual(left, [groups[0]!.conversation], 'once, and only the one I am in');
    const marks: string[] = [];
    for await (const [key] of store.scanBytes(PREFIX.owedLeave)) marks.push(key);
    assert.deepEqual(marks, []);
  });

  it('keeps the mark when the leave fails, to try again at the next connect', async () => {
    const store = new PeerStore(new MemoryKv());
    const g = group('4', 'member');
    await store.write(owedLeaveOps(g.groupId));
    const owed = new OwedLeaves(store, {
      list: () => [g],
      leave: async () => {
        throw new Error('offline');
      },
    });
    await assert.rejects(owed.run());
    assert.equal((await markHidden(store, () => false, 'me', g)).hidden, true);
  });
});
