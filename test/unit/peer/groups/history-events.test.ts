/**
 * A group's membership changes kept in its history (docs/decisions.md, "A group's
 * changes are kept in its history"): each applied change once, where it happened
 * among the messages, whichever way it was applied.
 */
import assert from 'node:assert/strict';
import { type HistoryItem, isGroupEvent } from '../../../../src/peer/messaging/history-events.js';
import { collect, GroupHub, type Member } from '../../../helpers/group-hub.js';
import { person } from '../../../helpers/peer-fixtures.js';

/** A member's timeline of `ref` as short words: "event created alice", "in alice: hi". */
async function timeline(m: Member, ref: string): Promise<string[]> {
  const items = await m.history.timeline(m.groups.info(ref).conversation, 1000);
  return items.map(words);
}

function words(e: HistoryItem): string {
  if (!isGroupEvent(e)) {
    return e.direction === 'in' ? `in ${e.peer.pseudonym}: ${e.text}` : `out: ${e.text}`;
  }
  const n = e.notice;
  if (n.kind === 'created') return `created by ${n.by}`;
  if (n.kind === 'left') return `${n.member} left`;
  if (n.kind === 'renamed') return `${n.by} renamed ${n.from} to ${n.to}`;
  return `${n.by} ${n.kind} ${n.member}`;
}

describe('group changes in the history', () => {
  it('keeps every applied change once, among the messages in the order they came, the creator’s create too', async () => {
    const hub = new GroupHub();
    const alice = await hub.join(person('alice'));
    const bob = await hub.join(person('bob'));
    const carol = await hub.join(person('carol'));
    await alice.groups.create('team', ['bob', 'carol']);
    await hub.settle();
    await alice.groups.send('team', 'hi');
    await hub.deliverMail();
    await alice.groups.rename('team', 'crew');
    await alice.groups.about('crew', 'promote', 'bob');
    await bob.groups.send('crew', 'thanks');
    await hub.deliverMail();
    await alice.groups.about('crew', 'remove', 'carol');
    const dave = await hub.join(person('dave'));
    await bob.groups.add('crew', 'dave');
    await hub.settle();
    await alice.groups.about('crew', 'demote', 'bob');
    await hub.settle();
    await bob.groups.leave('crew');
    await hub.settle();
    const all = [
      'created by alice',
      'out: hi',
      'alice renamed team to crew',
      'alice promoted bob',
      'in bob: thanks',
      'alice removed carol',
      'bob added dave',
      'alice demoted bob',
      'bob left',
    ];
    assert.deepEqual(await timeline(alice, 'crew'), all);
    assert.deepEqual(await timeline(carol, 'crew'), [
      'created by alice',
      'in alice: hi',
      'alice renamed team to crew',
      'alice promoted bob',
      'in bob: thanks',
      'alice removed carol',
    ]);
    // dave read the log before his add: what came before him is not his history.
    assert.deepEqual(await timeline(dave, 'crew'), [
      'bob added dave',
      'alice demoted bob',
      'bob left',
    ]);
    assert.deepEqual(
      (await bob.history.list(bob.groups.info('crew').conversation)).map((e) => e.text),
      ['hi', 'thanks'],
      'list() is messages only, as before',
    );
  });

  it('does not keep a change twice when the stream brings it again after a restart', async () => {
    const hub = new GroupHub();
    const alice = await hub.join(person('alice'));
    const bob = await hub.join(person('bob'));
    await alice.groups.create('team', ['bob']);
    await hub.settle();
    await alice.groups.rename('team', 'crew');
    await hub.settle();
    const before = await timeline(bob, 'crew');
    assert.deepEqual(before, ['created by alice', 'alice renamed team to crew']);
    await hub.restart(bob);
    const changed = collect(bob, 'group:changed');
    // A relay restarted moves its gseqs on (SEQ_RESTART_GAP): the same changes, new numbers.
    for (const f of hub.sent.get(bob.uid) ?? []) bob.groups.push({ ...f, gseq: f.gseq + 2 ** 32 });
    await hub.settle();
    assert.deepEqual(changed, [], 'recognised as applied, not announced again');
    assert.deepEqual(await timeline(bob, 'crew'), before);
  });

  it('keeps the change my own command applied when the stream was slow to bring it', async () => {
    const hub = new GroupHub();
    const alice = await hub.join(person('alice'));
    const bob = await hub.join(person('bob'));
    hub.hold(alice);
    await alice.groups.create('team', ['bob']);
    assert.deepEqual(await timeline(alice, 'team'), ['created by alice']);
    await hub.release(alice);
    assert.deepEqual(await timeline(alice, 'team'), ['created by alice'], 'its copy adds nothing');
    assert.deepEqual(await timeline(bob, 'team'), ['created by alice']);
  });
});
