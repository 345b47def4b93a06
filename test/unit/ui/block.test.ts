/**
 * /block and /unblock in the chat (peer/ui/commands/block.ts): the core's block of a
 * contact's key, said on the notice line; someone nobody is registered as is said, not
 * blocked. Driven through keys, over the fake core.
 */
import assert from 'node:assert/strict';
import { parseInput } from '../../../src/peer/ui/commands/index.js';
import { contact } from './fake-core.js';
import { destroyAll, type Harness, noticeText, start } from './harness.js';

/** The sidebar row of the conversation labelled `label`. */
const row = (h: Harness, label: string) =>
  h.rows().find((r) => /^\d /.test(r) && r.includes(label)) ?? '';

describe('ui: /block and /unblock', () => {
  afterEach(destroyAll);

  it('parses one name, and nothing else', () => {
    assert.deepEqual(parseInput('/block mallory'), {
      ok: true,
      command: { kind: 'block', name: 'mallory' },
    });
    assert.equal(parseInput('/block').ok, false);
    assert.equal(parseInput('/unblock a b').ok, false);
  });

  it('blocks a contact, says it was blocked already, and unblocks', async () => {
    const h = await start({ setup: (core) => (core.contactList = [contact('mallory')]) });
    await h.type('/block mallory\r');
    assert.deepEqual([...h.core.blockedNames], ['mallory']);
    assert.match(noticeText(h), /blocked mallory \(.+\): their messages are dropped unseen/);
    await h.type('/block mallory\r');
    assert.match(noticeText(h), /mallory \(.+\) was blocked already/);
    await h.type('/unblock mallory\r');
    assert.deepEqual([...h.core.blockedNames], []);
    assert.match(noticeText(h), /unblocked mallory/);
  });

  it('says a name nobody is registered as, and blocks nothing', async () => {
    const h = await start({ setup: (core) => core.unknownUsers.add('nobody') });
    await h.type('/block nobody\r');
    assert.match(noticeText(h), /nobody is registered as nobody on this relay/);
    assert.deepEqual([...h.core.blockedNames], []);
  });

  it('marks a blocked person in the list and the header, and clears their unread count', async () => {
    const h = await start({ setup: (core) => (core.contactList = [contact('carol')]) });
    h.app.open('bob');
    await h.settle();
    h.core.receive('carol', 'one');
    h.core.receive('carol', 'two');
    await h.settle();
    assert.match(row(h, 'carol'), /carol\? +2 │/);
    await h.type('/block carol\r');
    assert.match(row(h, 'carol'), /carol× +│/, 'marked, nothing unread');
    assert.doesNotMatch(h.rows().join('\n'), /unread/);
    await h.type('/msg carol\r');
    assert.match(h.rows()[0]!, /│ carol \(blocked\) ○ offline/);
    await h.type('/unblock carol\r');
    assert.match(h.rows()[0]!, /│ carol ○ offline/);
    assert.match(row(h, 'carol'), /carol\?/);
  });

  it('sends to a blocked person, saying once that their replies will not show', async () => {
    const h = await start({
      setup: (core) => (core.contactList = [contact('carol', { blocked: true })]),
    });
    await h.type('/msg carol\r');
    await h.type('still there?\r');
    assert.deepEqual(
      h.core.sent.map((m) => m.text),
      ['still there?'],
      'sent, not refused',
    );
    assert.match(noticeText(h), /carol is blocked: you will not see replies \(\/unblock carol\)/);
    await h.type('/who\r\x1b');
    await h.type('again\r');
    assert.equal(h.core.sent.length, 2);
    assert.doesNotMatch(noticeText(h), /is blocked/, 'said once');
  });

  it('clears at start the count a run before the block left for them', async () => {
    const h = await start({
      saved: {
        conversations: [{ id: '@carol', name: 'carol', unread: 3, mentioned: true }],
        active: null,
        closed: [],
      },
      setup: (core) => (core.contactList = [contact('carol', { blocked: true })]),
    });
    assert.equal(h.app.state.totalUnread(), 0);
    assert.match(row(h, 'carol'), /carol× +│/);
  });
});
