/**
 * /msg NAME [TEXT] (alias /query): opens a conversation, and sends TEXT in it. A '#'
 * names a group, as everywhere on the command line (`natter history '#team'`): by its
 * name in any case, or by the first hex digits of its id. A group's name may have
 * spaces (`natter group rename team "Team Two"`): '#' takes the longest run of words
 * that names one of my groups, and TEXT is the rest.
 */

import { groupNameKey, MIN_GROUP_ID_PREFIX_CHARS } from '../../index.js';
import type { ChatState } from '../state.js';
import { nameKey, sanitize } from '../text.js';
import { findUserOrSay, holderOfOldName, nobodyRegistered } from './lookup.js';
import type { CommandHost, SlashCommand } from './types.js';

export const msg: SlashCommand<'msg'> = {
  name: 'msg',
  aliases: ['query'],
  usage: '/msg NAME [TEXT]',
  summary: 'open a conversation (and send TEXT); #NAME opens a group',
  completes: 'conversation',
  // '@bob' as lists print a person ('#team' a group): the same as 'bob'.
  parse: ({ text: typed, first, tail }) => {
    const name = first.startsWith('@') ? first.slice(1) : first;
    if (name === '') return null;
    return {
      kind: 'msg',
      name,
      ...(tail === '' ? {} : { text: tail }),
      ...(name.startsWith('#') ? { typed } : {}),
    };
  },
  async run(cmd, host) {
    if (nameKey(cmd.name) === nameKey(host.core.me.pseudonym)) {
      host.notice('that is you: pick someone else', 'error');
      return;
    }
    const named = cmd.typed === undefined ? null : longestGroupName(host.state, cmd.typed);
    const ref = named?.ref ?? cmd.name.slice(1);
    const text = named === null ? cmd.text : named.text;
    const group = cmd.name.startsWith('#') ? groupNamed(host.state, ref) : null;
    if (typeof group === 'string') {
      host.notice(group, 'error');
      return;
    }
    if (group !== null) {
      host.showConversation(group.id);
      if (group.nowCalled !== undefined) {
        const [was, is] = [sanitize(ref), sanitize(group.nowCalled)];
        const mine =
          group.by !== undefined && nameKey(group.by) === nameKey(host.core.me.pseudonym);
        const by =
          group.by === undefined ? '' : ` (renamed by ${mine ? 'you' : sanitize(group.by)})`;
        // A message addressed by a name the group no longer has is not sent: said, to send
        // again where it belongs.
        const unsent = text === undefined ? '' : ': your message was not sent, send it here again';
        host.notice(
          `#${was} is now called #${is}${by}${unsent}`,
          text === undefined ? 'info' : 'warn',
        );
        return;
      }
    } else {
      const name = spelled(host.state, cmd.name);
      // An old name of a contact: whoever holds it now, asked of the relay (a trial's /msg
      // bob opened robert's old conversation after someone new had taken the name).
      const renamedTo = host.core.contact(name)?.renamedTo;
      if (renamedTo !== undefined) {
        const holder = await holderOfOldName(host, name, renamedTo);
        host.open(holder.open);
        host.notice(holder.say, holder.kind);
      } else {
        // A name on screen opens before the next key is handled, with no await first: a
        // loaded terminal hands `/msg bob` and an `/expand` typed after it over in one read,
        // and a switch made after that /expand undid it (an e2e run's message stayed collapsed).
        if (!listed(host.state, name) && !(await someone(host, name))) return;
        host.open(name);
      }
    }
    if (text !== undefined) await host.say(text);
  },
};

/**
 * The longest run of whole words after the '#' of `typed` that is the name of one of my
 * groups (compared as the core compares group names), and what follows it as the text;
 * null when no run is. Without it, `/msg #Team Two hi` sent "Two hi" to a group `Team`.
 */
function longestGroupName(state: ChatState, typed: string): { ref: string; text?: string } | null {
  const body = typed.slice(1);
  // Names my groups had before a rename count too: `/msg #Team Two` for a group renamed from
  // `Team Two` is that group, not `Team` and the text "Two" (a trial's message went to
  // another group called `team`).
  const groups = state.groups.all();
  const names = new Set(
    groups.flatMap((g) => [g.name, ...(g.formerNames ?? []).map((f) => f.name)]).map(groupNameKey),
  );
  // Names neither start nor end with a space (groupNameProblem): a name ends before a space.
  const ends = [...body.matchAll(/\s/g)].map((m) => m.index).reverse();
  for (const end of [body.length, ...ends]) {
    const ref = body.slice(0, end);
    if (!names.has(groupNameKey(ref))) continue;
    const text = body.slice(end).trim();
    return text === '' ? { ref } : { ref, text };
  }
  return null;
}

/**
 * The group `ref` (a '#NAME' without its '#') names, or why there is none; null when
 * there is none but a person is known by the whole '#NAME' (registered before such names
 * were refused: wire/text.ts).
 */
function groupNamed(
  state: ChatState,
  ref: string,
): { id: string; nowCalled?: string; by?: string } | string | null {
  const groups = state.groups.all();
  const all = groups.filter((g) => nameKey(g.name) === nameKey(ref));
  // Several of that name: the one I am still in, as the core resolves a name.
  const current = all.filter((g) => g.myRole !== null);
  const named = all.length > 1 && current.length === 1 ? current : all;
  const prefix = ref.toLowerCase();
  const matches =
    named.length > 0
      ? named
      : /^[0-9a-f]+$/.test(prefix) && prefix.length >= MIN_GROUP_ID_PREFIX_CHARS
        ? groups.filter((g) => g.groupId.startsWith(prefix))
        : [];
  const [only] = matches;
  if (only !== undefined && matches.length === 1) return { id: only.conversation };
  if (matches.length > 1) {
    return `${matches.length} groups are called #${ref}: pick one in the Chats list`;
  }
  if (state.names().some((n) => nameKey(n) === nameKey(`#${ref}`))) return null;
  // Renamed while I looked: the group it names now, said so (a trial got "/group create").
  const renamed = state.groups.formerly(ref);
  if (renamed !== undefined) {
    const { group, by } = renamed;
    return { id: group.conversation, nowCalled: group.name, ...(by === undefined ? {} : { by }) };
  }
  return `no group called #${ref} here: /group create ${ref} makes one`;
}

/** Whether `name` is on screen already: a conversation or a contact. */
function listed(state: ChatState, name: string): boolean {
  return state.names().some((n) => nameKey(n) === nameKey(name));
}

/**
 * Whether `name`, not listed(), is someone to open a conversation with: one the relay
 * knows; a name nobody registered is said, not opened. With no relay to ask, it opens
 * (what is written waits in the outbox, and is refused then).
 */
async function someone(host: CommandHost, name: string): Promise<boolean> {
  const found = await findUserOrSay(host, name);
  if (found === null) return false;
  if (found !== 'unknown') return true;
  host.notice(nobodyRegistered(name), 'error');
  return false;
}

/** The user's spelling of a name if it matches someone known case-insensitively. */
function spelled(state: ChatState, name: string): string {
  return state.names().find((n) => nameKey(n) === nameKey(name)) ?? name;
}
