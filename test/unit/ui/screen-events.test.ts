/**
 * The chat screen following the core's events (harness.ts): presence, own
 * status, damaged and refused mail, delivery states, logout.
 */
import assert from 'node:assert/strict';
import { conversationIdOf } from '../../../src/peer/ui/text.js';
import { peer } from './fake-core.js';
import { destroyAll, noticeText, screenText, start } from './harness.js';

describe('ui screen: following the core', () => {
  afterEach(destroyAll);

  it('follows peers joining and leaving, with a note in their conversation', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    h.core.emit('roster:change', { type: 'join', peer: peer('bob') });
    await h.settle();
    assert.match(h.rows()[1]!, /^● bob\? +lan │/);
    h.core.emit('roster:change', { type: 'leave', peer: peer('bob'), reason: 'bye' });
    await h.settle();
    assert.match(h.rows()[1]!, /^ {2}nobody yet/);
    assert.match(screenText(h), /\* bob left/);
  });

  it('notes no leave or return of peers lost with our own relay link', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    h.core.emit('roster:change', { type: 'join', peer: peer('bob') });
    await h.settle();
    h.core.emit('roster:change', { type: 'leave', peer: peer('bob'), reason: 'link-lost' });
    await h.settle();
    assert.match(h.rows()[1]!, /^ {2}nobody yet/, 'off the online list all the same');
    h.core.emit('roster:change', { type: 'join', peer: peer('bob') });
    await h.settle();
    assert.match(h.rows()[1]!, /^● bob\? +lan │/);
    const text = screenText(h);
    assert.doesNotMatch(text, /\* bob left/);
    assert.equal(text.match(/\* bob is online/g)?.length ?? 0, 1, 'only the first time');
  });

  it('goes away after the idle time and comes back online on a key', async () => {
    const h = await start({ settings: { autoAwayMinutes: 5 } });
    h.clock.advance(5 * 60_000 - 1);
    assert.deepEqual(h.core.statuses, []);
    h.clock.advance(1);
    await h.settle();
    // Automatic: announced, not kept as the user's choice for the next start.
    assert.deepEqual(h.core.statuses, [{ status: 'away', text: '', automatic: true }]);
    assert.match(h.rows()[23]!, /alice ◐ away \(idle\)/);
    await h.type('x');
    assert.deepEqual(h.core.statuses.at(-1), { status: 'online', text: '', automatic: true });
    assert.match(h.rows()[23]!, /alice ● online/);
  });

  it('shows a status set from another terminal (natter status) in the status bar', async () => {
    const h = await start();
    h.core.emit('presence:self', { status: 'busy', statusText: 'in a call' });
    await h.settle();
    assert.match(h.rows()[23]!, /alice ⊘ busy “in a call”/);
  });

  it('warns in the conversation, and in the notice line, when a message arrived damaged or forged', async () => {
    const h = await start();
    h.core.receive('bob', 'an intact one');
    h.app.open('bob');
    await h.settle();
    h.core.damage('bob');
    await h.settle();
    const text = screenText(h);
    assert.match(text, /\* a message claimed to be from bob arrived damaged/);
    assert.match(text, /or forged and was dropped: open-failed/);
    assert.match(text, /\(E_MESSAGE_DAMAGED\)/);
    assert.match(noticeText(h), /^a message claimed to be from bob arrived damaged or forged/);
    assert.deepEqual(h.core.damagedReports, [], 'taken, so natter inbox does not repeat it');
  });

  it("notes a gap in a sender's messages in that conversation, taken once", async () => {
    const h = await start();
    h.core.receive('bob', 'number five');
    h.app.open('bob');
    await h.settle();
    h.core.notices.push({
      kind: 'gap',
      conversation: conversationIdOf('bob'),
      from: { pseudonym: 'bob', userId: '00'.repeat(32), fingerprint: 'abcd-efgh' },
      counter: 5,
      previousCounter: 2,
      missing: 2,
      atMs: Date.UTC(2026, 0, 1),
    });
    h.core.emit('conversation:notice', h.core.notices[0]!);
    await h.settle();
    assert.match(screenText(h), /2 earlier message\(s\) from bob have not arrived/);
    assert.deepEqual(h.core.notices, [], 'taken, so natter inbox does not repeat it');
  });

  it('shows damaged deliveries another command dropped, in a conversation of their own, with the name sanitised', async () => {
    const h = await start({
      setup: (core) => {
        core.damage('carol');
        core.damage('m\x1b[31mallory', 'misrouted');
      },
    });
    assert.deepEqual(h.core.damagedReports, []);
    assert.match(screenText(h), /^\d +carol\? +│/m);
    h.app.open('carol');
    await h.settle();
    assert.match(screenText(h), /\* a message claimed to be from carol arrived/);
    h.app.open('m\x1b[31mallory');
    await h.settle();
    assert.match(screenText(h), /claimed to be from m\[31mallory arrived damaged/);
    assert.match(screenText(h), /dropped: misrouted/);
    assert.ok(!h.written().includes('\x1b[31mallory'), 'no escape from the claimed name');
  });

  it('tells at once that the relay refused a message for now, once per cause', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('hello bob\r');
    const refused = {
      msgId: 'out1',
      conversation: conversationIdOf('bob'),
      refusal: 'disk-full',
      code: 'E_RELAY_DISK_FULL',
      message: 'relay disk is full',
      attempts: 1,
      retryAtMs: h.core.now + 1_000,
    } as const;
    h.core.emit('message:refused', refused);
    h.core.emit('message:refused', { ...refused, attempts: 2 });
    await h.settle();
    const text = screenText(h);
    assert.match(noticeText(h), /^the relay refused a message for now: relay disk is full/);
    assert.equal(text.match(/refused a message for now/g)?.length, 2, 'one note, one notice');
    assert.match(text, /\(E_RELAY_DISK_FULL\)/);
    assert.match(text, /stays queued/);
  });

  it('logs out on Ctrl-C', async () => {
    const h = await start();
    await h.type('\x03');
    await h.app.done;
    assert.equal(h.core.loggedOut, true);
  });
});

describe('ui screen: painting from the events, not from the store', () => {
  afterEach(destroyAll);

  it('shows a received message and its own messages’ delivery states without reading the history again', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('hello bob\r');
    const out = h.core.stored.get('@bob')![0]!.msgId;
    const reads = h.core.reads.length;
    h.core.receive('bob', 'hi alice');
    h.core.setState(out, 'stored');
    await h.settle();
    assert.match(screenText(h), /bob: hi alice/);
    assert.match(screenText(h), /alice: hello bob ✓ /);
    h.core.setState(out, 'delivered');
    await h.settle();
    assert.match(screenText(h), /alice: hello bob ✓✓/);
    h.core.setState(out, 'failed');
    await h.settle();
    assert.match(screenText(h), /alice: hello bob ✗ not sent/);
    assert.deepEqual(h.core.reads.slice(reads), [], 'no read per event');
  });

  it('reads the history when a conversation is shown and after the user’s own send only', async () => {
    const h = await start();
    h.core.receive('carol', 'first');
    assert.deepEqual(h.core.reads, [], 'nothing open, nothing read');
    await h.type('\x1b1');
    assert.deepEqual(h.core.reads, ['carol'], 'shown: read');
    h.core.receive('carol', 'second');
    h.core.receive('bob', 'elsewhere');
    await h.settle();
    assert.deepEqual(h.core.reads, ['carol'], 'events: not read');
    await h.type('reply\r');
    assert.deepEqual(h.core.reads, ['carol', 'carol'], 'send() answers with the id only');
    assert.match(screenText(h), /carol: second/);
    assert.match(screenText(h), /alice: reply …/);
  });

  it('keeps a message that arrived while a panel covered its conversation, and counts it unread', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('/who\r');
    h.core.receive('bob', 'behind the panel');
    await h.settle();
    assert.doesNotMatch(screenText(h), /behind the panel/);
    assert.match(h.rows()[23]!, /│ 1 unread/);
    await h.type('\x1b');
    assert.match(screenText(h), /bob: behind the panel/);
  });

  it('ignores a delivery state for a message older than the page shown', async () => {
    const h = await start({ settings: { historyPageSize: 5 } });
    h.app.open('bob');
    await h.settle();
    for (let i = 0; i < 8; i++) await h.type(`m${i}\r`);
    const reads = h.core.reads.length;
    h.core.setState(h.core.stored.get('@bob')![0]!.msgId, 'delivered');
    await h.settle();
    assert.equal(h.core.reads.length, reads);
    assert.doesNotMatch(screenText(h), /✓✓/);
  });
});
