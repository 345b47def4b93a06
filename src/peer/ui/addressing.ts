/**
 * How the screen names a conversation to the core: a 1:1 chat by the peer's
 * name (the core resolves and keys it), a group by its conversation id (a group's
 * name may change, or be shared by two groups; its id never is).
 */
import { describeError } from '../../util/errors.js';
import type { ConversationId } from '../index.js';
import { entryTime } from './conversation.js';
import type { ChatCore } from './core.js';
import type { ScreenParts } from './parts.js';
import { type ChatState, type Conversation, labelOf } from './state.js';
import { conversationIdOf, sanitize } from './text.js';

/** Sends `text` in `conv`; resolves with the message id once the core has it queued. */
export async function sendText(core: ChatCore, conv: Conversation, text: string): Promise<string> {
  if (conv.kind === 'group') return (await core.sendToGroup(conv.id, text)).msgId;
  return core.send(conv.name, text);
}

/**
 * At start: contacts with history and every group become conversations, most
 * recent first, after those already restored from the last run; one the user
 * closed stays closed until something newer arrives in it (closed.ts). Returns the
 * most recent one with history (what the start may open), or null when none has any.
 */
export async function discoverConversations(
  core: ChatCore,
  state: ChatState,
): Promise<ConversationId | null> {
  const found: { add: () => Conversation; lastMs: number; history: boolean }[] = [];
  for (const c of core.contacts()) {
    // Blocked while no chat ran (`natter block`): the last run's count of theirs is void.
    const listed = c.blocked ? state.get(conversationIdOf(c.pseudonym)) : undefined;
    if (listed !== undefined) Object.assign(listed, { unread: 0, mentioned: false });
    const last = (await core.conversation(c.pseudonym, 1))[0];
    if (last !== undefined && !state.closed.hides(conversationIdOf(c.pseudonym), entryTime(last)))
      found.push({
        add: () => state.ensure(c.pseudonym),
        lastMs: entryTime(last),
        history: true,
      });
  }
  for (const g of await core.groups()) {
    if (g.hidden) {
      // Put in by a key I block (markHidden): off the list restored from the last run too.
      state.groups.set(g);
      state.close(g.conversation, false);
      continue;
    }
    const last = (await core.history(g.conversation, 1))[0];
    if (state.closed.hides(g.conversation, last === undefined ? 0 : entryTime(last))) {
      state.groups.set(g);
      continue;
    }
    found.push({
      add: () => state.setGroup(g),
      lastMs: last === undefined ? 0 : entryTime(last),
      history: last !== undefined,
    });
  }
  found.sort((a, b) => b.lastMs - a.lastMs);
  let newest: ConversationId | null = null;
  for (const f of found) {
    const conv = f.add();
    conv.lastMs = Math.max(conv.lastMs, f.lastMs);
    if (f.history) newest ??= conv.id;
  }
  return newest;
}

/**
 * Spaces and tabs at the very end of a message are not sent: Tab completion leaves one
 * after a name, and a QA trial's message was stored as `hi @alice `. Inside the message,
 * whitespace is kept as typed or pasted (tabs, line breaks, indents).
 */
export const withoutTrailingBlanks = (text: string): string => text.replace(/[ \t]+$/, '');

/**
 * Sends `text` in the conversation on screen, or says why not; then reads it back
 * (send() answers with the message id only).
 */
export async function say(p: ScreenParts, typed: string): Promise<void> {
  const text = withoutTrailingBlanks(typed);
  if (text.trim() === '') {
    p.notice('nothing to send', 'error');
    return;
  }
  const conv = p.state.active();
  if (conv === undefined || p.state.panel !== null) {
    const why =
      conv === undefined ? 'no conversation open: /msg NAME first' : 'Esc closes the panel first';
    p.notice(why, 'error');
    return;
  }
  if (conv.kind === 'group' && p.state.groups.get(conv.id)?.myRole === null) {
    // Given back, to be sent elsewhere (a trial lost what it had typed).
    const { editor } = p.input;
    if (editor.text === '') editor.set(text);
    p.notice(
      `not sent: you are no longer a member of ${sanitize(labelOf(conv))} (your text is back in the input)`,
      'error',
    );
    return;
  }
  try {
    await p.conversation.own(() => sendText(p.core, conv, text));
  } catch (err) {
    const { code, message } = describeError(err);
    p.notice(`not sent: ${message} (${code})`, 'error');
    return;
  }
  conv.lastMs = p.clock.now();
  await p.conversation.sent();
  // Sent (a user may write to someone they blocked), and said once why no reply will show.
  if (conv.kind === 'direct' && p.state.firstWriteToBlocked(conv.name)) {
    const who = sanitize(conv.name);
    p.notice(`${who} is blocked: you will not see replies (/unblock ${who})`, 'warn');
  }
  // Written under a name its contact left: the core filed it under their name now.
  const now = conv.kind === 'direct' ? p.state.contact(conv.name)?.renamedTo : undefined;
  if (now !== undefined) {
    const [was, is] = [sanitize(conv.name), sanitize(now)];
    p.notice(`sent to ${is} (${was} is now called ${is}): it is in /msg ${is}`, 'info');
  }
}
