/**
 * The client's own lines in a conversation (`*` notes): the `note` every event
 * handler writes through, and the two kinds of report the core keeps until a UI
 * takes them, damaged messages and conversation notices (gaps, rewinds, a group
 * stopped at its held bound), each taken once so none is shown twice.
 */
import type { ConversationNotice, DamagedMessage, PeerEventMap } from '../index.js';
import { missingCount, prunedWhat, relayStoreLine } from '../index.js';
import type { ScreenParts } from './parts.js';
import type { NoteKind } from './state.js';
import { sanitize } from './text.js';

/**
 * message:damaged: the reports are taken, not read from the event. Taking is
 * what marks a report shown (so `natter inbox` does not repeat it), and it
 * returns exactly those not shown yet, so none is shown twice.
 */
export function takeDamaged(p: ScreenParts): void {
  p.tasks.track(
    p.core.takeDamaged().then((reports) => {
      for (const d of reports) showDamaged(p, d);
    }),
  );
}

/**
 * What keep-history deleted (at open, hourly, or when the setting changed from a shell),
 * taken like damaged reports so it is said once: in the notice line, since it touched
 * conversations that may not be on screen.
 */
export function takePruned(p: ScreenParts): void {
  p.tasks.track(
    p.core.takeHistoryPruned().then((pruned) => {
      if (pruned === null) return;
      const text = `keep-history deleted ${prunedWhat(pruned)} from this computer`;
      note(p, null, text, 'info', true);
    }),
  );
}

/** conversation:notice: taken like damaged reports, so each is shown once. */
export function takeNotices(p: ScreenParts): void {
  p.tasks.track(
    p.core.takeNotices().then((notices) => {
      for (const n of notices) showNotice(p, n);
    }),
  );
}

/**
 * A gap or a rewound counter, as an information line in that conversation; a group
 * stopped for want of a sender's key (groups/notices.ts) as a warning, in the notice
 * line too: the group looks quiet otherwise.
 */
export function showNotice(p: ScreenParts, n: ConversationNotice): void {
  const who = sanitize(n.from.pseudonym);
  const where = n.group === undefined ? '' : `#${sanitize(n.group.name)}: `;
  p.state.ensure(n.group?.name ?? n.from.pseudonym, n.conversation);
  p.saver.schedule();
  if (n.kind === 'held') {
    const newer = n.resumes
      ? 'the newer ones follow them'
      : 'newer ones at your next connection: quit and start natter chat again';
    const text = `${n.missing} messages are waiting for a sender's key (the most a group may hold); they are shown when it comes, and ${newer}. Nothing is lost`;
    note(p, n.conversation, `${where}${text}`, 'warn', true);
    return;
  }
  note(
    p,
    n.conversation,
    `${where}${
      n.kind === 'gap'
        ? `${missingCount(n.missing)} earlier message(s) from ${who} have not arrived (yet); they may still be on their way`
        : `${who}'s messages are numbered from an earlier point (a restored profile or another device)`
    }`,
    'info',
    false,
  );
}

/**
 * A warning in the conversation with the claimed sender. The name is the relay's
 * routing claim, not an authenticated sender (DESIGN.md §3): said as such.
 */
export function showDamaged(p: ScreenParts, d: DamagedMessage): void {
  p.state.ensure(d.claimedFrom.pseudonym, d.conversation);
  p.saver.schedule();
  note(
    p,
    d.conversation,
    `a message claimed to be from ${sanitize(d.claimedFrom.pseudonym)} arrived damaged or forged and was dropped: ${d.reason} (${d.code})`,
    'error',
    true,
  );
}

/** A note in a conversation (null: none), optionally also in the notice line; then draws. */
export function note(
  p: ScreenParts,
  conversation: string | null,
  text: string,
  kind: NoteKind = 'info',
  alsoNotice = false,
): void {
  if (conversation !== null) p.state.note(conversation, { atMs: p.clock.now(), text, kind });
  if (alsoNotice) p.state.notice = { text, kind };
  p.render();
}

/** What the relay says of its mail store, in the conversation on screen and the notice line. */
export function showStore(p: ScreenParts, e: PeerEventMap['relay:store']): void {
  note(p, p.state.activeId, relayStoreLine(e), e.reachable ? 'info' : 'warn', true);
}
