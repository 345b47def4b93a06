/**
 * /delete-history on the screen (harness.ts): a y/n that says how many entries go, the
 * view cleared after a yes, nothing deleted after a no; and a deletion the screen did not
 * ask for (`natter history --delete` through the control socket) clears the view and the
 * unread count all the same.
 */
import assert from 'node:assert/strict';
import { conversationIdOf } from '../../../src/peer/ui/text.js';
import { contact } from './fake-core.js';
import { destroyAll, noticeText, screenText, start } from './harness.js';

describe('ui screen: /delete-history', () => {
  afterEach(destroyAll);

  it('asks with the count, keeps everything on a no, and clears the view on a yes', async () => {
    const h = await start({
      setup: (core) => (core.contactList = [contact('bob'), contact('carol')]),
    });
    h.app.open('carol');
    await h.settle();
    h.core.receive('bob', 'first words');
    h.core.receive('bob', 'second words');
    await h.settle();
    h.app.open('bob');
    await h.settle();
    assert.match(screenText(h), /new messages/);
    await h.type('/delete-history\r');
    await h.settle();
    assert.match(
      h.rows()[22]!,
      /^delete 2 entries of bob from this computer\? it cannot be undone \(y\/n\)/,
    );
    await h.type('n');
    await h.settle();
    assert.equal(h.core.deletions.length, 0);
    assert.match(screenText(h), /bob: second words/);

    await h.type('/delete-history\r');
    await h.settle();
    await h.type('y');
    await h.settle();
    assert.equal(h.core.deletions.length, 1);
    assert.equal(h.core.deletions[0]?.conversation, conversationIdOf('bob'));
    assert.doesNotMatch(screenText(h), /first words|second words/);
    assert.match(noticeText(h), /deleted 2 entries of bob/);
    h.core.receive('bob', 'third words');
    await h.settle();
    assert.match(screenText(h), /bob: third words/);
    assert.doesNotMatch(screenText(h), /new messages/, 'no marker left from what is gone');
    assert.match(h.rows()[0]!, /│ bob/, 'the conversation stays open, empty');
    assert.match(screenText(h), /beginning of the conversation/);
  });

  it('says there is nothing to delete, or no conversation open, without asking', async () => {
    const h = await start();
    await h.type('/delete-history\r');
    await h.settle();
    assert.match(noticeText(h), /no conversation open/);
    h.app.open('carol');
    await h.settle();
    await h.type('/delete-history\r');
    await h.settle();
    assert.match(noticeText(h), /nothing to delete in carol/);
    assert.deepEqual(h.core.deletions, []);
  });

  it('clears the view and the unread count when a script deleted the history meanwhile', async () => {
    const h = await start({
      setup: (core) => (core.contactList = [contact('bob'), contact('carol')]),
    });
    h.core.receive('carol', 'on screen');
    h.app.open('carol');
    await h.settle();
    h.core.receive('bob', 'unread one');
    h.core.receive('bob', 'unread two');
    await h.settle();
    assert.match(screenText(h), /bob\? +2 │/, 'two unread');

    await h.core.deleteHistory(conversationIdOf('bob'));
    await h.settle();
    assert.doesNotMatch(screenText(h), /bob\? +2 │/, 'nothing unread left');
    assert.equal(h.app.state.get(conversationIdOf('bob'))?.unread, 0);

    await h.core.deleteHistory(conversationIdOf('carol'));
    await h.settle();
    assert.doesNotMatch(screenText(h), /on screen/);
  });

  it("drops a conversation's '@' when the message that mentioned me was deleted", async () => {
    const h = await start({
      setup: (core) => (core.contactList = [contact('bob'), contact('carol')]),
    });
    h.app.open('carol');
    await h.settle();
    const mention = h.core.receive('bob', 'ask alice about it');
    h.core.receive('bob', 'something else');
    await h.settle();
    assert.equal(h.app.state.get(conversationIdOf('bob'))?.mentioned, true);
    await h.core.deleteHistory(conversationIdOf('bob'), { beforeMs: mention.receivedAtMs + 1 });
    await h.settle();
    const bob = h.app.state.get(conversationIdOf('bob'));
    assert.equal(bob?.unread, 1, 'the other message is still unread');
    assert.equal(bob?.mentioned, false, 'no @ for a mention that is gone');
  });

  it('closes a /search panel whose hits a deletion took, and /open no longer opens them', async () => {
    const h = await start({
      setup: (core) => (core.contactList = [contact('bob'), contact('carol')]),
    });
    h.core.receive('bob', 'the kumquat plan');
    h.app.open('carol');
    await h.settle();
    await h.type('/search kumquat\r');
    await h.settle();
    assert.match(screenText(h), /Search “kumquat”: 1 found/);
    await h.core.deleteHistory(conversationIdOf('bob'));
    await h.settle();
    assert.doesNotMatch(screenText(h), /Search “kumquat”/, 'the panel of gone hits is closed');
    assert.match(noticeText(h), /the last \/search found was deleted/);
    await h.type('/open 1\r');
    await h.settle();
    assert.match(noticeText(h), /no hit 1: \/search TEXT first/);
  });

  it('withdraws a pending question when a script deleted that history meanwhile, so a yes confirms nothing stale', async () => {
    const h = await start({
      setup: (core) => (core.contactList = [contact('bob'), contact('carol')]),
    });
    h.core.receive('carol', 'kept words');
    h.core.receive('bob', 'first words');
    h.core.receive('bob', 'second words');
    h.app.open('bob');
    await h.settle();
    await h.type('/delete-history\r');
    await h.settle();
    assert.match(h.rows()[22]!, /^delete 2 entries of bob from this computer\?/);
    // Another conversation's deletion, or one that took nothing here, leaves it asked.
    await h.core.deleteHistory(conversationIdOf('carol'));
    await h.core.deleteHistory(conversationIdOf('bob'), { beforeMs: 0 });
    await h.settle();
    assert.match(h.rows()[22]!, /^delete 2 entries of bob from this computer\?/);

    // `natter history bob --delete` through the control socket.
    await h.core.deleteHistory(conversationIdOf('bob'));
    await h.settle();
    assert.doesNotMatch(h.rows()[22]!, /delete 2 entries/, 'the question is gone');
    assert.match(
      noticeText(h),
      /2 entries of bob were deleted elsewhere while \/delete-history asked: question withdrawn/,
    );
    await h.type('y');
    await h.settle();
    assert.equal(h.core.deletions.length, 3, "the script's three; nothing more asked of the core");
    assert.doesNotMatch(noticeText(h), /deleted 0 entries/);
  });

  it('counts again when a script deleted that history while the question was being counted', async () => {
    const h = await start({ setup: (core) => (core.contactList = [contact('bob')]) });
    h.core.receive('bob', 'first words');
    h.app.open('bob');
    await h.settle();
    const count = h.core.historyToDelete.bind(h.core);
    let calls = 0;
    h.core.historyToDelete = async (conversation, options) => {
      const counted = await count(conversation, options);
      // The script's deletion lands between the count and the question.
      if (++calls === 1) await h.core.deleteHistory(conversation);
      return counted;
    };
    await h.type('/delete-history\r');
    await h.settle();
    assert.doesNotMatch(h.rows()[22]!, /delete 1 entry/, 'never asked with the count gone');
    assert.match(noticeText(h), /nothing to delete in bob/);
  });
});
