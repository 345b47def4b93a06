/**
 * /block NAME, /unblock NAME: the core's block of a contact's key (client-blocks.ts), as
 * `natter block` does it. A name that is no contact yet is looked up first (compare.ts
 * contactOrLookup), as /verify and /trust do, so the key blocked is the one the relay has.
 */
import { sanitize } from '../text.js';
import { contactOrLookup } from './compare.js';
import type { CommandHost, SlashCommand } from './types.js';

function oneName<K extends 'block' | 'unblock'>(kind: K) {
  return (args: { first: string; more: number }) =>
    args.first === '' || args.more > 0 ? null : { kind, name: args.first };
}

/** Blocked or unblocked, or said so already; a contact nobody has is said by contactOrLookup. */
async function change(host: CommandHost, name: string, blocking: boolean): Promise<void> {
  // An unblock by the name they had when blocked needs no contact of that name now.
  if (blocking && (await contactOrLookup(host, name)) === undefined) return;
  const r = await (blocking ? host.core.block(name) : host.core.unblock(name));
  const who = `${sanitize(r.user.pseudonym)} (${r.user.fingerprint})`;
  if (!r.changed) host.notice(`${who} was ${blocking ? 'blocked already' : 'not blocked'}`);
  else if (blocking)
    host.notice(`blocked ${who}: their messages are dropped unseen, their files declined`);
  else host.notice(`unblocked ${who}`);
}

export const block: SlashCommand<'block'> = {
  name: 'block',
  usage: '/block NAME',
  summary: "drop NAME's messages and files unseen, and leave groups they add you to",
  completes: 'name',
  parse: oneName('block'),
  run: (cmd, host) => change(host, cmd.name, true),
};

export const unblock: SlashCommand<'unblock'> = {
  name: 'unblock',
  usage: '/unblock NAME',
  summary: 'receive from NAME again',
  completes: 'name',
  parse: oneName('unblock'),
  run: (cmd, host) => change(host, cmd.name, false),
};
