/** The Chats list cut short: what it says about the conversations it does not show. */
import assert from 'node:assert/strict';
import { moreLine } from '../../../src/peer/ui/sidebar.js';
import { contact } from './fake-core.js';
import { destroyAll, screenText, start } from './harness.js';

const NAMES = Array.from({ length: 30 }, (_, i) => `user${String(i).padStart(2, '0')}`);

describe('ui screen: a Chats list longer than the sidebar', () => {
  afterEach(destroyAll);

  it('says how many of the conversations not shown have unread messages', async () => {
    const h = await start({
      setup: (core) => {
        core.contactList = NAMES.map((n) => contact(n));
        for (const n of NAMES) core.receive(n, `hello from ${n}`);
      },
    });
    const more = () =>
      screenText(h)
        .match(/\+\d+[^│\n]*/)?.[0]
        ?.trim();
    assert.match(more() ?? '', /^\+\d+ more \(Tab\)$/);
    // The list is most recent first: user00 wrote first, so it is at the end, not shown.
    assert.doesNotMatch(screenText(h), /user00/);
    h.core.receive('user00', 'are you there?');
    h.core.receive('user00', 'hello?');
    await h.settle();
    assert.match(screenText(h), /Chats · 2 unread/);
    assert.match(more() ?? '', /^\+\d+ more, 2 unread/);
  });

  it('says it in the longest words that fit the sidebar', () => {
    assert.equal(moreLine(10, 0, 22), '  +10 more (Tab)');
    assert.equal(moreLine(10, 1, 40), '  +10 more, 1 unread (Tab)');
    assert.equal(moreLine(10, 1, 22), '  +10 more, 1 unread');
    assert.equal(moreLine(10, 120, 18), '  +10, 120 unread');
  });
});
