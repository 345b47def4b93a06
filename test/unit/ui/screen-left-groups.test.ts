/**
 * Groups I am not in, on the chat screen (a QA trial: after `natter block carol`, carol's
 * new group #z3 still appeared with `* you left`, and the nine groups `group leave
 * --all-from` left kept `Chats · 9 unread`): a group the core flags hidden (put in by a
 * key I block) is never listed, live or after a restart; a group I left counts nothing
 * unread.
 */
import assert from 'node:assert/strict';
import { groupConv, member } from './fake-groups.js';
import { destroyAll, type Harness, start } from './harness.js';

const Z3 = groupConv('3');
const OLD = groupConv('4');

const row = (h: Harness, label: string) =>
  h.rows().find((r) => /^\d /.test(r) && r.includes(label)) ?? '';

describe('ui screen: groups I am not in', () => {
  afterEach(destroyAll);

  it('never lists a group a blocked key put me in, nor counts it', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    const info = h.core.groupBook.put('3', 'z3', [member('carol', 'admin')], 'member');
    h.core.groupBook.change({ ...info, hidden: true }, { kind: 'created', by: 'carol' });
    await h.settle();
    h.core.groupBook.change(
      { ...info, myRole: null, hidden: true },
      { kind: 'left', member: 'alice' },
    );
    await h.settle();
    assert.equal(h.app.state.get(Z3), undefined);
    assert.equal(row(h, '#z3'), '');
    assert.doesNotMatch(h.rows().join('\n'), /unread/);
  });

  it('drops a hidden group the last run listed, and a left one counts nothing unread', async () => {
    const h = await start({
      saved: {
        conversations: [
          { id: Z3, name: 'z3', unread: 5, mentioned: false },
          { id: OLD, name: 'old', unread: 4, mentioned: true },
        ],
        active: null,
        closed: [],
      },
      setup: (core) => {
        const z3 = core.groupBook.put('3', 'z3', [member('carol', 'admin')], null);
        z3.hidden = true;
        core.groupBook.put('4', 'old', [member('mallory', 'admin')], null);
      },
    });
    assert.equal(h.app.state.get(Z3), undefined, 'hidden: gone from the list');
    assert.match(row(h, '#old'), /#old +│/, 'left: listed, nothing unread');
    assert.equal(h.app.state.totalUnread(), 0);
    assert.doesNotMatch(h.rows().join('\n'), /unread/);
  });

  it('clears the unread count of a group when I leave it', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    const info = h.core.groupBook.put('5', 'team', [member('bob', 'admin')], 'member');
    h.core.groupBook.change(info, { kind: 'added', by: 'bob', member: 'alice' });
    await h.settle();
    h.core.groupBook.receive(info.conversation, 'bob', 'hello');
    await h.settle();
    assert.match(row(h, '#team'), /#team +1 │/);
    h.core.groupBook.change({ ...info, myRole: null }, { kind: 'left', member: 'alice' });
    await h.settle();
    assert.match(row(h, '#team'), /#team +│/);
    assert.equal(h.app.state.totalUnread(), 0);
  });
});
