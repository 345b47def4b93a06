import assert from 'node:assert/strict';
import type { ReceivedMessage } from '../../../src/peer/events.js';
import { ChatState } from '../../../src/peer/ui/state.js';
import { conversationIdOf } from '../../../src/peer/ui/text.js';
import { peer } from './fake-core.js';

const msg = (from: string, text: string, at = 1_000): ReceivedMessage => ({
  conversation: conversationIdOf(from),
  from: { pseudonym: from, userId: `id-${from}`, fingerprint: 'aaaa-bbbb-cccc-dddd' },
  text,
  sentAtMs: at,
  receivedAtMs: at,
  msgId: `${from}-${at}`,
});

describe('ui state: conversations and unread counts', () => {
  it('counts messages in conversations not on screen, and clears them when shown', () => {
    const s = new ChatState({ pseudonym: 'alice', fingerprint: 'f' });
    s.activate(s.ensure('bob').id);
    assert.equal(s.received(msg('bob', 'hi')).onScreen, true);
    assert.equal(s.get('@bob')?.unread, 0);
    s.received(msg('carol', 'one'));
    s.received(msg('Carol', 'two'));
    assert.equal(s.conversations.length, 2, 'case variants are one conversation');
    assert.equal(s.get('@carol')?.unread, 2);
    assert.equal(s.totalUnread(), 2);
    s.activate('@carol');
    assert.equal(s.totalUnread(), 0);
  });

  it('counts a message as unread while a panel covers its conversation', () => {
    const s = new ChatState({ pseudonym: 'alice', fingerprint: 'f' });
    s.activate(s.ensure('bob').id);
    s.panel = { title: 'Help', lines: [] };
    assert.equal(s.received(msg('bob', 'hi')).onScreen, false);
    assert.equal(s.get('@bob')?.unread, 1);
  });

  it('marks a conversation whose unread messages mention the user', () => {
    const s = new ChatState({ pseudonym: 'Alice', fingerprint: 'f' });
    assert.equal(s.received(msg('bob', 'no mention: malice')).mention, false);
    assert.equal(s.get('@bob')?.mentioned, false);
    assert.equal(s.received(msg('bob', 'hey alice, look')).mention, true);
    assert.equal(s.get('@bob')?.mentioned, true);
  });

  it('switches with wrap-around and by number', () => {
    const s = new ChatState({ pseudonym: 'alice', fingerprint: 'f' });
    for (const n of ['a1', 'a2', 'a3']) s.ensure(n);
    s.cycle(1);
    assert.equal(s.activeId, '@a1');
    s.cycle(-1);
    assert.equal(s.activeId, '@a3');
    assert.equal(s.activateIndex(2), true);
    assert.equal(s.activeId, '@a2');
    assert.equal(s.activateIndex(9), false);
  });

  it('saves and restores the list and the unread counts', () => {
    const s = new ChatState({ pseudonym: 'alice', fingerprint: 'f' });
    s.received(msg('bob', 'x'));
    s.activate(s.ensure('carol').id);
    const t = new ChatState({ pseudonym: 'alice', fingerprint: 'f' });
    t.restore(s.snapshot());
    assert.deepEqual(
      t.conversations.map((c) => [c.name, c.unread]),
      [
        ['bob', 1],
        ['carol', 0],
      ],
    );
    assert.equal(t.activeId, '@carol');
  });
});

describe('ui state: who is online, and names', () => {
  it('follows roster changes, sorted by name, without the user', () => {
    const s = new ChatState({ pseudonym: 'alice', fingerprint: 'f' });
    s.setOnline([peer('zed'), peer('alice')]);
    s.roster({ type: 'join', peer: peer('Bob') });
    s.roster({ type: 'update', peer: peer('Bob', { status: 'away' }) });
    assert.deepEqual(
      s.onlineList().map((p) => [p.pseudonym, p.status]),
      [
        ['Bob', 'away'],
        ['zed', 'online'],
      ],
    );
    s.roster({ type: 'leave', peer: peer('Bob'), reason: 'bye' });
    assert.deepEqual(
      s.onlineList().map((p) => p.pseudonym),
      ['zed'],
    );
  });

  it('knows trust from contacts and the roster', () => {
    const s = new ChatState({ pseudonym: 'alice', fingerprint: 'f' });
    const contact = {
      pseudonym: 'bob',
      userId: 'b',
      fingerprint: 'f',
      verified: false,
      keyChanged: false,
      pendingKeys: [],
    };
    s.setContacts([contact]);
    assert.equal(s.trustOf('BOB'), 'unverified');
    s.contactUpdate({ ...contact, verified: true });
    assert.equal(s.trustOf('bob'), 'verified');
    s.keyChanged('bob');
    assert.equal(s.trustOf('bob'), 'changed');
  });

  it('offers every known name once for completion, never the user', () => {
    const s = new ChatState({ pseudonym: 'alice', fingerprint: 'f' });
    s.setOnline([peer('Bob'), peer('alice')]);
    s.setContacts([
      {
        pseudonym: 'bob',
        userId: 'b',
        fingerprint: 'f',
        verified: false,
        keyChanged: false,
        pendingKeys: [],
      },
    ]);
    s.ensure('carol');
    assert.deepEqual(s.names(), ['Bob', 'carol']);
  });
});
