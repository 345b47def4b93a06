/**
 * What the core's group events do to the screen (wiring.ts does the rest): a
 * membership change updates the group and adds its line to the conversation
 * ("alice added carol"); a change the core refused is a warning there; a member's
 * changed key is told in every group shared with them (issue 11).
 */
import { describeError } from '../../util/errors.js';
import type { GroupUpdate } from '../index.js';
import { endsMyMembership, groupNoticeText } from './groups.js';
import { note } from './notes.js';
import type { ScreenParts } from './parts.js';
import { labelOf } from './state.js';
import { nameKey, sanitize } from './text.js';

export function wireGroupEvents(p: ScreenParts): (() => void)[] {
  const { core, state: s } = p;
  // The events say there is something to take; what is shown is what the core kept
  // (takeGroupUpdates), so a change is shown once, here or by another command.
  const take = () => takeGroupUpdates(p);
  return [
    core.on('group:changed', take),
    core.on('group:warning', take),
    // Members are named by their contacts: a contact's new name is every shared group's
    // (a trial's chat kept `bob` after `natter rename robert`, and /promote robert failed).
    core.on('contact:renamed', () => p.tasks.track(refreshGroups(p))),
    core.on('contact:key-changed', (e) => {
      const who = sanitize(e.pseudonym);
      for (const g of s.groups.sharedWith(e.pseudonym)) {
        const text = `${who}'s KEY CHANGED: their messages here are held until you compare safety numbers (/verify ${who}) and /trust ${who}`;
        s.note(g.conversation, { atMs: p.clock.now(), text, kind: 'warn' });
      }
      p.render();
    }),
  ];
}

/** Every group as the core now describes it, its members' names included. */
async function refreshGroups(p: ScreenParts): Promise<void> {
  for (const g of await p.core.groups()) p.state.groups.set(g);
  p.render();
}

/** Each screen's last take: takes run one at a time, so nothing is shown twice or out of order. */
const takes = new WeakMap<ScreenParts, Promise<void>>();

/** Shows membership changes not yet taken, oldest first. */
export function takeGroupUpdates(p: ScreenParts): Promise<void> {
  const taking = (takes.get(p) ?? Promise.resolve())
    .then(async () => {
      for (const u of await p.core.takeGroupUpdates()) showGroupUpdate(p, u);
    })
    .catch((err: unknown) =>
      note(p, null, `could not read group changes: ${describeError(err).message}`, 'error', true),
    );
  takes.set(p, taking);
  return taking;
}

/**
 * A change updates the group and adds its line ("alice added carol"); a refused one is a
 * warning. The core kept the change in the group's history (docs/decisions.md, "A group's
 * changes are kept in its history"), so its line is that entry, drawn as it will be when
 * the conversation is read again; a record from before has no log seq and stays a note.
 */
export function showGroupUpdate(p: ScreenParts, u: GroupUpdate): void {
  const s = p.state;
  const me = p.core.me.pseudonym;
  if (u.type === 'warning') {
    const conv = s.ensure(u.groupName, u.conversation);
    const text = `warning: ${u.reason} (${u.code})`;
    s.note(conv.id, { atMs: u.atMs, text, kind: 'error' });
    note(p, null, `${labelOf(conv)}: ${text}`, 'error', true);
    return;
  }
  if (u.group.hidden) {
    // Put in by a key I block (markHidden): never listed, left without a word.
    s.groups.set(u.group);
    if (s.close(u.group.conversation, false)) p.saver.schedule();
    p.render();
    return;
  }
  const conv = s.setGroup(u.group);
  if (u.notice.kind === 'renamed') s.groups.renamed(u.notice.from, conv.id);
  const text = groupNoticeText(u.notice, me);
  const ended = endsMyMembership(u.notice, me);
  const aboutMe =
    ended ||
    (u.notice.kind === 'added' && nameKey(u.notice.member) === nameKey(me)) ||
    u.notice.kind === 'created';
  if (Number.isInteger(u.seq)) {
    const { notice, seq, atMs } = u;
    const { conversation, groupId } = u.group;
    p.conversation.groupEvent({ kind: 'event', conversation, groupId, seq, notice, atMs });
  } else s.note(conv.id, { atMs: u.atMs, text, kind: ended ? 'warn' : 'info' });
  // Changes about me reach the notice line when their conversation is not on screen.
  if (aboutMe && !s.isOnScreen(conv.id)) {
    s.notice = { text: `${sanitize(labelOf(conv))}: ${text}`, kind: ended ? 'warn' : 'info' };
  }
  p.saver.schedule();
  p.render();
}
