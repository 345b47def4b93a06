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
  const renamedTo = client.contact(name)?.renamedTo;
  if (renamedTo === undefined) return undefined;
  const connecting = connectRelay(ctx, client, { waitMs });
  connecting.catch(() => undefined);
  const reached = await connecting.then(
    () => true,
    () => false,
  );
  if (reached && (await client.askHolder(renamedTo)) !== 'unreachable') {
    await client.askHolder(name);
  }
  const was = sanitize(name);
  const now = client.contact(name);
  if (now !== undefined && now.renamedTo === undefined && !now.keyChanged) {
    ctx.err(
      `natter: ${was} is now ${sanitize(renamedTo)}'s old name; sending to the new ${was} (fingerprint ${now.fingerprint}), a new contact: natter fingerprint ${was} to compare`,
    );
  } else {
    const to = sanitize(now?.renamedTo ?? renamedTo);
    ctx.err(`natter: ${was} is now called ${to}: sending to ${to}`);
  }
  return { connecting };
}
