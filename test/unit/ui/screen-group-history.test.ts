/**
 * A group's membership changes as the core keeps them in its history (docs/decisions.md,
 * "A group's changes are kept in its history"): read back with the conversation, drawn as
 * they were when they came, once (harness.ts, 80x24).
 */
import assert from 'node:assert/strict';
import { clock } from '../../../src/peer/ui/conversation.js';
import { groupConv, groupId, member } from './fake-groups.js';
import { destroyAll, type Harness, screenText, start } from './harness.js';

const TEAM = groupConv('7');

/** The conversation pane's text (the sidebar cut off), top to bottom. */
const pane = (h: Harness) =>
  h
    .rows()
    .slice(1, 22)
    .map((r) => r.slice(r.indexOf('│') + 1).trimEnd())
    .join('\n');

const count = (text: string, re: RegExp) => text.match(new RegExp(re, 'g'))?.length ?? 0;

describe('ui screen: group changes in history', () => {
  afterEach(destroyAll);

  it('shows a removal another command took from the history, with who and when', async () => {
    const removedAt = Date.UTC(2025, 2, 4, 9, 30, 0);
    const h = await start({
      setup: (core) => {
        // `natter inbox` took the change already: no update waits, only the history has it.
        core.groupBook.put('7', 'team', [member('bob', 'admin'), member('carol')], null);
        core.keptChanges.set(TEAM, [
          {
            kind: 'event',
            conversation: TEAM,
            groupId: groupId('7'),
            seq: 3,
            notice: { kind: 'removed', by: 'b\u202eo\u200bb\x1b', member: 'alice' },
            atMs: removedAt,
          },
        ]);
      },
    });
    h.app.showConversation(TEAM);
    await h.settle();
    assert.match(h.rows()[0]!, /you are no longer a member/);
    const line = `${clock(removedAt)} * bob removed you`;
    assert.ok(screenText(h).includes(line), `${line} in\n${screenText(h)}`);
    assert.doesNotMatch(screenText(h), /[\u202e\u200b\x1b]/, 'the name is drawn sanitised');
  });

  it('draws a change read back from history as it drew it live, once', async () => {
    const h = await start({
      setup: (core) => {
        core.groupBook.put('7', 'team', [member('alice', 'admin'), member('bob')], 'admin');
      },
    });
    h.app.showConversation(TEAM);
    await h.settle();
    h.core.groupBook.receive(TEAM, 'bob', 'before');
    h.core.now += 60_000;
    const info = h.core.groupBook.put(
      '7',
      'crew',
      [member('alice', 'admin'), member('bob')],
      'admin',
    );
    h.core.groupBook.change(info, { kind: 'renamed', by: 'bob', from: 'team', to: 'crew' });
    await h.settle();
    const live = pane(h);
    assert.equal(count(live, /\* bob renamed the group to crew/), 1, live);
    assert.ok(live.indexOf('before') < live.indexOf('renamed'), 'in the order they came');
    h.app.open('bob');
    await h.settle();
    h.app.showConversation(TEAM);
    await h.settle();
    assert.equal(pane(h), live, 'read again: the same lines, the change not twice');
  });
});
