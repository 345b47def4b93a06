/**
 * What the screen shows at start, and that nothing but the user changes it afterwards: a
 * conversation that messages or group changes bring is listed with its unread count, never
 * opened by itself (a trial's first run switched to a group its catch-up created).
 */
import assert from 'node:assert/strict';
import { contact } from './fake-core.js';
import { groupConv, member } from './fake-groups.js';
import { destroyAll, screenText, start } from './harness.js';

describe('ui screen: the conversation shown at start', () => {
  afterEach(destroyAll);

  it('opens no group that a change taken at start brought, and counts its messages unread', async () => {
    const h = await start({
      setup: (core) => {
        const team = core.groupBook.put('7', 'team', [member('bob', 'admin')], 'member');
        core.groupBook.change(team, { kind: 'added', by: 'bob', member: 'alice' });
      },
    });
    assert.equal(h.app.state.activeId, null, 'nothing opened by itself');
    assert.ok(h.app.state.get(groupConv('7')), '#team is listed');
    for (let i = 0; i < 3; i++) h.core.groupBook.receive(groupConv('7'), 'bob', `catch-up ${i}`);
    await h.settle();
    assert.equal(h.app.state.activeId, null);
    assert.equal(h.app.state.get(groupConv('7'))?.unread, 3);
    assert.match(screenText(h), /#team +3/);
    assert.doesNotMatch(screenText(h), /catch-up/);
  });

  it('opens the most recent conversation with history, not a newer group without any', async () => {
    const h = await start({
      setup: (core) => {
        core.contactList = [contact('bob')];
        core.receive('bob', 'from before');
        const team = core.groupBook.put('7', 'team', [member('bob', 'admin')], 'member');
        core.groupBook.change(team, { kind: 'added', by: 'bob', member: 'alice' });
      },
    });
    assert.equal(h.app.state.activeId, '@bob');
    h.core.groupBook.receive(groupConv('7'), 'bob', 'in the group');
    await h.settle();
    assert.equal(h.app.state.activeId, '@bob');
    assert.equal(h.app.state.get(groupConv('7'))?.unread, 1);
  });
});

describe('ui screen: what keep-history deleted', () => {
  afterEach(destroyAll);

  const pruned = (messages: number, events: number) => ({
    keepMs: 90 * 24 * 3600 * 1000,
    beforeMs: 1,
    conversations: 2,
    messages,
    events,
    kept: 0,
  });

  it('says once, in the notice line, what a pass before the screen took and what a later one takes', async () => {
    const h = await start({
      setup: (core) => {
        core.pruned = pruned(1234, 0);
      },
    });
    await h.settle();
    assert.match(
      screenText(h),
      /keep-history deleted 1,234 messages older than 90 days from this computer/,
    );
    assert.equal(h.core.pruned, null, 'taken');
    h.core.pruned = pruned(2, 1);
    h.core.emit('history:pruned', pruned(2, 1));
    await h.settle();
    assert.match(
      screenText(h),
      /keep-history deleted 2 messages and 1 group change older than 90 days/,
    );
  });
});
