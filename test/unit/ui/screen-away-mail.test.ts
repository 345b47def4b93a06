/**
 * Mail that came while the chat was not running, in the conversation that opens at start
 * (the seventeenth sitting's newcomer trial: bob quit while viewing a conversation, carol
 * posted there, and bob's next chat showed it with no "new messages" line, as if read).
 */
import assert from 'node:assert/strict';
import type { SavedState } from '../../../src/peer/ui/state.js';
import { conversationIdOf } from '../../../src/peer/ui/text.js';
import { contact } from './fake-core.js';
import { destroyAll, screenText, start } from './harness.js';

describe('chat screen: mail that came while away', () => {
  afterEach(destroyAll);

  const saved: SavedState = {
    conversations: [
      { id: conversationIdOf('carol'), name: 'carol', unread: 0, mentioned: false },
      { id: conversationIdOf('dave'), name: 'dave', unread: 0, mentioned: false },
    ],
    active: conversationIdOf('carol'),
    closed: [],
  };

  it('puts the "new messages" line above it in the conversation that opens, and counts the others', async () => {
    const h = await start({
      saved,
      setup: (core) => {
        core.contactList = [contact('carol'), contact('dave')];
        core.receive('carol', 'read before quitting');
        // Received by another command (or the relay's catch-up) and shown by nobody yet.
        core.unread = [
          core.receive('carol', 'posted while away'),
          core.receive('dave', 'also while away'),
        ];
      },
    });
    await h.settle();
    assert.equal(h.app.state.activeId, conversationIdOf('carol'));
    assert.match(
      screenText(h),
      /carol: read before quitting[\s\S]*─ new messages ─+[\s\S]*carol: posted while away/,
    );
    assert.equal(h.app.state.get(conversationIdOf('carol'))?.unread, 0, 'read: it is on screen');
    assert.equal(h.app.state.get(conversationIdOf('dave'))?.unread, 1);
    assert.equal(h.app.state.totalUnread(), 1);
  });

  it('shows a message that arrives once the screen is up without a line, as read', async () => {
    const h = await start({ saved, setup: (core) => (core.contactList = [contact('carol')]) });
    await h.settle();
    h.core.receive('carol', 'live');
    await h.settle();
    assert.match(screenText(h), /carol: live/);
    assert.doesNotMatch(screenText(h), /new messages/);
    assert.equal(h.app.state.totalUnread(), 0);
  });
});
