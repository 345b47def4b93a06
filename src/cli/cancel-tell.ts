/**
 * `natter outbox cancel` of a file send with no client running: the relay hears of it at
 * once (FileDone cancelled, sent when a session is ready: files/outcomes.ts), so a
 * recipient's `accept` stops waiting for an upload that never comes. A files trial saw
 * `accept` wait until the sender's profile next connected. A relay out of reach leaves it
 * to that next connection, and says so.
 */
import type { NatterClient } from '../peer/index.js';
import { describeError } from '../util/errors.js';
import { connectRelay } from './connect.js';
import type { CliContext, OpenClientOptions } from './context.js';
import { sanitize } from './format.js';

/** How long the cancelled sends' FileDone may take to go out before the command exits. */
export const CANCEL_TELL_FLUSH_MS = 2_000;

/** How `outbox cancel` opens the profile: able to connect when a relay can be found. */
export async function cancelOpenOptions(ctx: CliContext): Promise<OpenClientOptions> {
  const findable = ctx.presence(undefined) !== false || (await ctx.configuredRelay()) !== undefined;
  return findable ? { connect: true, tellQueued: true } : {};
}

/**
 * Connects the profile's client briefly so the relay drops the cancelled transfers; on
 * failure, says the relay is told at the next connection. Returns the line to print.
 */
export async function tellRelayOfCancel(
  ctx: CliContext,
  open: OpenClientOptions,
  waitMs: number,
): Promise<string> {
  const later = 'the relay is told when natter next connects on this profile';
  if (open.connect !== true) return `no relay is configured: ${later}`;
  const client: NatterClient = await ctx.openClient(open);
  try {
    await connectRelay(ctx, client, { waitMs });
  } catch (err) {
    return `the relay could not be reached (${sanitize(describeError(err).message)}): ${later}`;
  }
  // The recipients' messages (files/cancels.ts) go in the same flush; any left go later.
  const flushed = await client.flush(CANCEL_TELL_FLUSH_MS);
  await client.logout();
  const told = 'the relay was told: recipients can no longer fetch it';
  return flushed ? `${told}, and their natter says so` : told;
}
