/**
 * The chat in everyday use (issue 13 item 8), on the screen (harness.ts): panels
 * and Esc, closing conversations, failures and notices in words, the "new
 * messages" line, /search hits that open, quitting with mail still queued.
 */
import assert from 'node:assert/strict';
import { NOTICE_MAX_MS, NOTICE_MIN_MS } from '../../../src/peer/ui/notice.js';
import { conversationIdOf } from '../../../src/peer/ui/text.js';
import { contact, type FakeCore } from './fake-core.js';
import { destroyAll, type Harness, noticeText, screenText, start } from './harness.js';

const names = (h: Harness) => h.app.state.conversations.map((c) => c.name);

/** A chat with bob on screen, who wrote once. */
async function onBob(): Promise<Harness> {
  const h = await start({ setup: (core) => (core.contactList = [contact('bob')]) });
  h.core.receive('bob', 'hello');
  h.app.open('bob');
  await h.settle();
  return h;
}

/** The core hears that the message `msgId` to `to` failed for good: no such user. */
function refusedNoSuchUser(h: Harness, to: string, msgId: string): void {
  h.core.emit('message:status', {
    msgId,
    conversation: conversationIdOf(to),
    state: 'failed',
    reason: 'unknown-recipient',
  });
}

describe('ui screen: everyday use', () => {
  afterEach(destroyAll);

  for (const command of ['/help', '/who', '/verify bob']) {
    it(`shows a message that came while ${command} was open after one Esc, as read`, async () => {
      const h = await start({ setup: (core) => (core.contactList = [contact('bob')]) });
      h.core.receive('bob', 'before');
      h.app.open('bob');
      await h.settle();
      await h.type(`${command}\r`);
      h.core.receive('bob', 'behind the panel');
      await h.settle();
      assert.doesNotMatch(screenText(h), /behind the panel/);
      await h.type('\x1b');
      assert.match(screenText(h), /bob: behind the panel/);
      assert.match(h.rows()[22]!, /^bob> /, 'no question left');
      assert.doesNotMatch(h.rows()[23]!, /unread/, 'on screen, so read');
      assert.match(h.rows()[3]!, /^1 {3}bob\? +│/, 'no unread badge');
    });
  }

  it('/close takes the conversation off the list and out of Tab, and keeps its history', async () => {
    const h = await start();
    h.core.receive('carol', 'hi');
    h.app.open('carol');
    await h.settle();
    await h.type('/msg bad\r');
    assert.match(screenText(h), /2 {3}bad/);
    await h.type('/close\r');
    assert.doesNotMatch(screenText(h), /\d {3}bad/);
    assert.match(noticeText(h), /closed bad; the history is kept/);
    assert.match(h.rows()[0]!, /│ carol/, 'the one left is shown');
    await h.type('/msg b\t');
    assert.equal(h.app.editor.text, '/msg b', 'bad is no longer a name to complete');
    await h.type('\x15/close\r');
    assert.deepEqual(h.app.state.conversations, []);
    assert.equal(h.core.stored.get(conversationIdOf('carol'))?.length, 1, 'history kept');
    h.core.receive('carol', 'back again');
    await h.settle();
    assert.match(screenText(h), /1 {3}carol\? +1 │/, 'a new message brings it back');
  });

  it('/msg with a name nobody registered says so and opens nothing', async () => {
    const h = await start({ setup: (core) => core.unknownUsers.add('nobody') });
    await h.type('/msg nobody hello?\r');
    assert.match(noticeText(h), /nobody is registered as nobody on this relay/);
    assert.deepEqual(names(h), []);
    assert.deepEqual(h.core.sent, [], 'nothing sent to nobody');
    await h.type('/msg somebody\r');
    assert.deepEqual(names(h), ['somebody'], 'a registered name opens');
    await h.type('/msg @carol\r');
    assert.deepEqual(names(h), ['somebody', 'carol'], "'@carol' as lists print her");
  });

  it('keeps a closed conversation closed at the next start, until a newer message arrives', async () => {
    const setup = (core: FakeCore) => {
      core.contactList = [contact('carol'), contact('dave')];
      core.receive('carol', 'hi');
      core.receive('dave', 'yo');
    };
    const h = await start({ setup });
    assert.deepEqual(names(h), ['dave', 'carol']);
    h.app.open('carol');
    await h.settle();
    await h.type('/close\r');
    const saved = h.app.state.snapshot();
    assert.deepEqual(
      saved.closed.map((c) => c.id),
      [conversationIdOf('carol')],
    );
    const restarted = await start({ setup, saved });
    assert.deepEqual(names(restarted), ['dave'], 'the history alone does not bring it back');
    const newer = await start({
      setup: (core) => {
        setup(core);
        core.receive('carol', 'while you were away');
      },
      saved,
    });
    assert.deepEqual(
      names(newer),
      ['dave', 'carol'],
      'a newer message does (after the restored list)',
    );
    assert.deepEqual(newer.app.state.snapshot().closed, []);
  });

  it("counts a message once when its event comes after the start's take counted it", async () => {
    const h = await start({
      setup: (core) => {
        core.contactList = [contact('bob'), contact('carol')];
        // Arrived and durable while the chat started: the start's take counts them...
        core.unread = [core.receive('bob', 'one'), core.receive('bob', 'two')];
        core.receive('carol', 'on screen');
      },
    });
    await h.settle();
    assert.equal(h.app.state.activeId, conversationIdOf('carol'));
    assert.equal(h.app.state.get(conversationIdOf('bob'))?.unread, 2);
    // ...and its events, announced once durable, come after that take.
    for (const m of await h.core.history(conversationIdOf('bob'))) {
      h.core.emit('message:received', {
        conversation: m.conversation,
        from: { ...m.peer, fingerprint: 'abcd-efgh-ijkl-mnop' },
        text: m.text,
        sentAtMs: m.sentAtMs,
        receivedAtMs: m.receivedAtMs ?? m.sentAtMs,
        msgId: m.msgId,
      });
    }
    await h.settle();
    assert.equal(h.app.state.get(conversationIdOf('bob'))?.unread, 2, 'not 4');
  });

  it('shows a message a script sent through the running client, in the open conversation and the list', async () => {
    const h = await onBob();
    // `natter send` beside the chat: the running client's core queues it, not the screen.
    await h.core.send('bob', 'sent by a script');
    await h.settle();
    assert.match(screenText(h), /alice: sent by a script/);
    await h.core.send('carol', 'to someone new');
    await h.settle();
    assert.deepEqual(names(h), ['bob', 'carol']);
    assert.match(screenText(h), /alice: sent by a script/, 'the open conversation stays');
  });

  it("drops the conversation a script's message to nobody added, once the core forgets it", async () => {
    const h = await onBob();
    // `natter send --to zed` beside the chat: queued, then refused for good (no such user).
    const msgId = await h.core.send('zed', 'hi');
    await h.settle();
    assert.deepEqual(names(h), ['bob', 'zed']);
    refusedNoSuchUser(h, 'zed', msgId);
    await h.settle();
    assert.deepEqual(names(h), ['bob'], 'no conversation with no one');
    // One the user opened is theirs to close: it stays, with the reason.
    h.app.open('nobody');
    await h.settle();
    await h.type('hello?\r');
    const mine = h.core.stored.get(conversationIdOf('nobody'))![0]!.msgId;
    refusedNoSuchUser(h, 'nobody', mine);
    await h.settle();
    assert.deepEqual(names(h), ['bob', 'nobody']);
  });

  it("redraws the Chats list without the conversation a script's message to nobody added", async () => {
    const h = await onBob();
    const msgId = await h.core.send('zed', 'x');
    await h.settle();
    assert.match(screenText(h), /2 +zed\?/);
    refusedNoSuchUser(h, 'zed', msgId);
    await h.settle();
    assert.doesNotMatch(screenText(h), /zed/, 'gone from the screen, not only from the state');
  });

  it('says why a message was not sent in words, not as a code', async () => {
    const h = await start();
    h.app.open('nobody');
    await h.settle();
    await h.type('hello?\r');
    const msgId = h.core.stored.get(conversationIdOf('nobody'))![0]!.msgId;
    h.core.stored.get(conversationIdOf('nobody'))![0]!.state = 'failed';
    refusedNoSuchUser(h, 'nobody', msgId);
    await h.settle();
    assert.match(screenText(h), /alice: hello\?\s+(│\s+)?✗ not sent: no such user on this relay/);
    assert.doesNotMatch(screenText(h), /unknown-recipient/);
  });

  it('wraps a long notice in full, and clears notices after a time that grows with their length', async () => {
    const h = await start();
    const long = `${'word '.repeat(40)}THE END`;
    h.app.notice(long, 'warn');
    await h.settle();
    assert.match(noticeText(h), /word word .*THE END$/);
    assert.equal(noticeText(h), long);
    h.clock.advance(NOTICE_MIN_MS + 1);
    await h.settle();
    assert.equal(noticeText(h), long, 'a long one stays longer than a short one');
    h.clock.advance(NOTICE_MAX_MS);
    await h.settle();
    assert.equal(noticeText(h), '');
    h.app.notice('short');
    h.clock.advance(NOTICE_MIN_MS - 1);
    assert.equal(noticeText(h), 'short');
    h.clock.advance(1_000);
    assert.equal(noticeText(h), '');
    assert.match(h.rows()[21]!, /^─{80}$/, 'the notice line is one row again');
  });

  it('draws a "new messages" line above what was unread when a conversation is opened', async () => {
    const h = await start();
    h.core.receive('bob', 'old one');
    h.app.open('bob');
    await h.settle();
    h.app.open('carol');
    await h.settle();
    h.core.receive('bob', 'new one');
    h.core.receive('bob', 'newer one');
    await h.settle();
    await h.type('\x1b1');
    const text = screenText(h);
    assert.match(
      text,
      /bob: old one[\s\S]*─ new messages ─+[\s\S]*bob: new one[\s\S]*bob: newer one/,
    );
    await h.type('\x1b2\x1b1');
    assert.doesNotMatch(screenText(h), /new messages/, 'gone once read');
  });

  it('opens a conversation at its "new messages" line when what is unread does not fit on one screen', async () => {
    const h = await start();
    h.core.receive('bob', 'old one');
    h.app.open('bob');
    await h.settle();
    h.app.open('carol');
    await h.settle();
    for (let i = 1; i <= 30; i++) h.core.receive('bob', `unread ${i}`);
    await h.settle();
    await h.type('\x1b1');
    const rows = h.rows();
    const marker = rows.findIndex((r) => /─ new messages ─/.test(r));
    assert.ok(marker >= 1 && marker <= 3, `the line is near the top (row ${marker})`);
    assert.match(rows[marker - 1]!, /bob: old one/, 'the line before it above it');
    assert.match(rows[marker + 1]!, /bob: unread 1 /);
    assert.doesNotMatch(screenText(h), /unread 30/, 'not at the bottom');
    await h.type('\x1b[6~\x1b[6~'); // PageDown twice
    assert.match(screenText(h), /bob: unread 30/);
    // A few unread, which fit: the bottom, as before.
    h.app.open('carol');
    await h.settle();
    for (let i = 1; i <= 3; i++) h.core.receive('bob', `few ${i}`);
    await h.settle();
    await h.type('\x1b1');
    assert.match(screenText(h), /─ new messages ─+[\s\S]*bob: few 3/);
    assert.match(screenText(h), /unread 30/);
  });

  it('numbers /search hits with their conversation, and /open N opens it', async () => {
    const h = await start({
      setup: (core) => (core.contactList = [contact('bob'), contact('carol')]),
    });
    h.core.receive('bob', 'banana bread');
    h.core.receive('carol', 'banana split');
    await h.type('/search banana\r');
    const text = screenText(h);
    assert.match(text, /1\. .* \[carol\] carol: banana split/);
    assert.match(text, /2\. .* \[bob\] bob: banana bread/);
    assert.match(text, /\/open N opens the conversation of hit N/);
    await h.type('/open 2\r');
    assert.match(h.rows()[0]!, /│ bob /);
    assert.match(screenText(h), /bob: banana bread/);
    await h.type('/open 3\r');
    assert.match(noticeText(h), /no hit 3: hits are 1 to 2/);
  });

  it('/search covers the whole local history and says how much it searched', async () => {
    const h = await start({ setup: (core) => (core.contactList = [contact('bob')]) });
    h.core.receive('bob', 'the first ever: kumquat');
    for (let i = 0; i < 2_500; i++) h.core.receive('bob', `filler ${i}`);
    await h.type('/search KUMQUAT\r');
    assert.match(screenText(h), /Search “KUMQUAT”: 1 found/);
    assert.match(screenText(h), /bob: the first ever: kumquat/);
    assert.match(screenText(h), /Searched all 2,501 messages of the local history\./);
    await h.type('\x1b');
    await h.type('/search durian\r');
    assert.match(screenText(h), /Nothing in all 2,501 messages of the local/);
    assert.match(screenText(h), /matches “durian”/);
  });

  it('asks before quitting while messages wait unsent; n stays, y or a second Ctrl-C quits', async () => {
    const h = await start();
    h.core.queuedNow = [
      {
        msgId: 'q1',
        conversation: conversationIdOf('bob'),
        to: 'bob',
        text: 'later',
        sentAtMs: h.core.now,
        state: 'queued',
        attempts: 0,
      },
    ];
    await h.type('/quit\r');
    assert.equal(h.core.loggedOut, false);
    assert.match(noticeText(h), /1 message\(s\) not sent yet/);
    assert.match(h.rows()[22]!, /^quit anyway\? \(y\/n\)/);
    await h.type('n\r');
    assert.equal(h.core.loggedOut, false);
    await h.type('\x03');
    assert.equal(h.core.loggedOut, false, 'the first Ctrl-C asks too');
    await h.type('\x03');
    await h.app.done;
    assert.equal(h.core.loggedOut, true);
  });

  /** A chat on bob's conversation with `/send PATH` under way: the chat and the upload's id. */
  async function uploading(path: string) {
    const h = await start({ setup: (core) => (core.contactList = [contact('bob')]) });
    h.app.open('bob');
    await h.settle();
    await h.type(`/send ${path}\r`);
    await h.settle();
    return { h, id: h.core.files.running()[0]!.id };
  }

  it('asks before quitting during an upload, and says it resumes on the next run', async () => {
    const { h, id } = await uploading('/tmp/huge.bin');
    h.core.files.progress(id, 400);
    await h.type('\x03');
    assert.equal(h.core.loggedOut, false, 'Ctrl-C asks first');
    assert.match(
      noticeText(h),
      /the upload of huge\.bin \(1000 B\) is not finished \(40%\): it resumes the next time natter runs on this profile \(natter outbox and natter transfers show them\)/,
    );
    assert.match(h.rows()[22]!, /^quit anyway\? \(y\/n\)/);
    await h.type('y\r');
    await h.app.done;
    assert.equal(h.core.loggedOut, true);
  });

  it('quits at once when an upload is all on the relay', async () => {
    const { h, id } = await uploading('/tmp/small.bin');
    h.core.files.uploaded(id);
    await h.type('/quit\r');
    await h.app.done;
    assert.equal(h.core.loggedOut, true);
  });

  it('quits at once when nothing is queued', async () => {
    const h = await start();
    await h.type('/quit\r');
    await h.app.done;
    assert.equal(h.core.loggedOut, true);
  });
});
