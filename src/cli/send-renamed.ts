/**
 * `send --to NAME` where NAME is an old name of a contact who renamed themselves (a QA
 * trial found `send --to bob` exiting 0 and going to robert, said nowhere but in the chat).
 * A name means whoever holds it now (docs/decisions.md, "Old names"): the relay is asked
 * for the contact's new name (its answer confirms the rename, contacts.ts) and then for
 * NAME; someone new under NAME becomes a new contact and gets the message. Either way a
 * line on stderr says where it went: the CLI never sends under another name silently.
 */
import type { NatterClient } from '../peer/index.js';
import { connectRelay } from './connect.js';
import type { CliContext } from './context.js';
import { sanitize } from './format.js';

/**
 * Settles whom `name` means before the message is queued, and says it on stderr when
 * that is not plainly the contact of that name. Connects first (the attempt `send` then
 * waits for, returned); a relay out of reach leaves the contact's rename as it is.
 */
export async function settleRenamed(
  ctx: CliContext,
  client: NatterClient,
  name: string,
  waitMs: number,
): Promise<{ connecting: Promise<void> } | undefined> {
  if (client.contact(name)?.renamedTo === undefined) return undefined;
  const connecting = connectRelay(ctx, client, { waitMs });
  connecting.catch(() => undefined);
  await connecting.catch(() => undefined);
  const note = await renamedNote(client, name);
  if (note !== undefined) ctx.err(`natter: ${note}`);
  return { connecting };
}

/**
 * For an old name of a contact: asks the relay (when the link is up) who holds the
 * contact's new name and `name` now, and says where a message to `name` goes; undefined
 * for a name that is plainly a contact's. A running client's send says it too (delivery.ts).
 */
export async function renamedNote(
  client: Pick<NatterClient, 'contact' | 'askHolder'>,
  name: string,
): Promise<string | undefined> {
  const renamedTo = client.contact(name)?.renamedTo;
  if (renamedTo === undefined) return undefined;
  if ((await client.askHolder(renamedTo)) !== 'unreachable') await client.askHolder(name);
  const was = sanitize(name);
  const now = client.contact(name);
  if (now !== undefined && now.renamedTo === undefined && !now.keyChanged) {
    return `${was} is now ${sanitize(renamedTo)}'s old name; sending to the new ${was} (fingerprint ${now.fingerprint}), a new contact: natter fingerprint ${was} to compare`;
  }
  const to = sanitize(now?.renamedTo ?? renamedTo);
  return `${was} is now called ${to}: sending to ${to}`;
}
