/**
 * /msg OLDNAME, an old name of a contact who renamed themselves: the chat asks the relay
 * who holds the name now, as `send --to` does (cli/send-renamed.ts), and opens that
 * conversation with a notice that says whose it is, never silently (a QA trial's /msg bob
 * opened robert's old conversation after someone new had taken the name).
 */
import assert from 'node:assert/strict';
import type { ConversationId } from '../../../src/peer/index.js';
import { conversationIdOf } from '../../../src/peer/ui/text.js';
import { contact } from './fake-core.js';
import { destroyAll, type Harness, noticeText, start } from './harness.js';

/** alice's book after bob renamed himself to robert: the old name marked. */
const renamedBook = () => [
  contact('bob', { userId: 'id-bob', renamedTo: 'robert', nameLeft: true }),
  contact('robert', { userId: 'id-bob' }),
];

const active = (h: Harness) => h.app.state.active()?.name;

describe('ui: /msg an old name of a contact', () => {
  afterEach(destroyAll);

  it('opens the contact under their name now when nobody else holds the old one, and says so', async () => {
    const h = await start({ setup: (core) => (core.contactList = renamedBook()) });
    await h.type('/msg bob\r');
    assert.deepEqual(h.core.askedHolders, ['robert', 'bob'], 'the relay asked');
    assert.equal(active(h), 'robert');
    assert.match(noticeText(h), /bob is now robert/);
  });

  it('opens the new holder’s own conversation, a different person, with their fingerprint', async () => {
    const h = await start({
      setup: (core) => {
        core.contactList = renamedBook();
        core.holders.set(
          'bob',
          contact('bob', { userId: 'id-carol', fingerprint: 'cccc-dddd-eeee-ffff' }),
        );
      },
    });
    await h.type('/msg bob hi there\r');
    assert.equal(active(h), 'bob');
    assert.match(
      noticeText(h),
      /bob here is someone new, a different person than the bob you knew \(now robert\): fingerprint cccc-dddd-eeee-ffff, \/verify bob to compare/,
    );
    assert.deepEqual(h.core.sent, [{ to: 'bob', text: 'hi there' }], 'the text to the new bob');
  });

  it('says it could not ask when no relay answers, and opens the contact', async () => {
    const h = await start({
      setup: (core) => {
        core.contactList = renamedBook();
        core.relayGone = true;
      },
    });
    await h.type('/msg bob\r');
    assert.equal(active(h), 'robert');
    assert.match(noticeText(h), /bob is now robert \(no relay to ask who holds the name now\)/);
  });

  it('shows the name a contact left for, a peer’s text, sanitised', async () => {
    const hostile = 'rob\u001b]0;pwned\u0007ert\u202e';
    const h = await start({
      setup: (core) => {
        core.contactList = [
          contact('bob', { userId: 'id-bob', renamedTo: hostile, nameLeft: true }),
          contact(hostile, { userId: 'id-bob' }),
        ];
        core.relayGone = true;
      },
    });
    await h.type('/msg bob\r');
    const said = h.app.state.notice?.text ?? '';
    assert.match(said, /^bob is now rob/);
    assert.doesNotMatch(said, /[\u001b\u0007\u202e]/);
  });
});

describe('ui: a renamed contact’s history moved by the core', () => {
  afterEach(destroyAll);

  it('reads the conversation on screen again, the old name’s unread read there', async () => {
    const h = await start({ setup: (core) => (core.contactList = renamedBook()) });
    h.app.open('robert');
    await h.settle();
    h.core.receive('bob', 'written as bob');
    await h.settle();
    const [bob, robert] = ['bob', 'robert'].map((n) => conversationIdOf(n) as ConversationId);
    assert.equal(h.app.state.get(bob!)?.unread, 1);
    // The core moved it (messaging/history-move.ts): robert's now.
    const moved = h.core.stored.get(bob!)!.splice(0);
    h.core.entries(robert!).push(...moved.map((e) => ({ ...e, conversation: robert! })));
    h.core.emit('history:moved', { from: bob!, to: robert!, messages: 1 });
    await h.settle();
    assert.match(h.rows().join('\n'), /written as bob/, 'on robert’s screen');
    assert.equal(h.app.state.get(bob!)?.unread, 0);
    assert.equal(h.app.state.get(robert!)?.unread, 0, 'robert’s is on screen: read');
  });

  it('counts the old name’s unread in the new name’s conversation when another is on screen', async () => {
    const h = await start({
      setup: (core) => (core.contactList = [...renamedBook(), contact('carol')]),
    });
    h.app.open('robert');
    h.app.open('carol');
    await h.settle();
    h.core.receive('bob', 'written as bob');
    await h.settle();
    const [bob, robert] = ['bob', 'robert'].map((n) => conversationIdOf(n) as ConversationId);
    h.core.emit('history:moved', { from: bob!, to: robert!, messages: 1 });
    await h.settle();
    assert.equal(h.app.state.get(bob!)?.unread, 0);
    assert.equal(h.app.state.get(robert!)?.unread, 1);
  });
});
