/**
 * What a long-running command (`natter inbox --follow`) says of its relay while it runs:
 * once that it lost the relay and waits for it, and once that it is back. The link keeps
 * retrying by itself; a trial's follower said nothing while the relay was down, so a user
 * could not tell a quiet relay from none. Beside a running client (a chat) the states
 * are that client's, relayed in each inbox batch (control-inbox.ts), and said the same.
 * And what any command says when the relay given with --relay was reached elsewhere.
 */
import {
  type ConnectionState,
  formatRelayAddress,
  type NatterClient,
  parseRelayAddress,
  relayFingerprint,
} from '../peer/index.js';
import type { CliContext } from './context.js';
import { sanitize } from './format.js';

/** Says the relay's loss and return on stderr, fed the connection's states in order. */
export function relayLossTeller(ctx: Pick<CliContext, 'err'>): (state: ConnectionState) => void {
  let wasReady = false;
  let lost = false;
  return (state) => {
    if (state === 'ready') {
      if (lost) ctx.err('natter: the relay is back');
      wasReady = true;
      lost = false;
    } else if (state === 'offline' && wasReady && !lost) {
      lost = true;
      ctx.err('natter: lost the relay; waiting for it (messages to you wait there meanwhile)…');
    }
  };
}

/** Says the relay's loss and return on stderr; returns the unsubscribe. */
export function tellRelayLoss(ctx: CliContext, client: Pick<NatterClient, 'on'>): () => void {
  const tell = relayLossTeller(ctx);
  return client.on('connection:state', ({ state }) => tell(state));
}

/** Clients already told of by tellRelayMoved: one subscription each. */
const watched = new WeakSet<object>();

/**
 * The relay given with `--relay HOST:PORT` did not answer there, and the link followed a
 * beacon of the pinned relay to another address (docs/decisions.md, "A waiting client
 * follows its relay to a new port"): said on stderr once per address, so the user learns
 * that the address they typed is stale. Nothing without --relay: the address came from
 * the config or a beacon, and the config is updated by itself.
 */
export function tellRelayMoved(
  ctx: Pick<CliContext, 'err' | 'global'>,
  client: Pick<NatterClient, 'on'>,
): void {
  const given = ctx.global.relay;
  if (given === undefined || watched.has(client)) return;
  watched.add(client);
  let own: Set<string>;
  try {
    const first = parseRelayAddress(given);
    own = new Set([first, ...(first.also ?? [])].map((a) => formatRelayAddress(a)));
  } catch {
    return;
  }
  let said = '';
  client.on('connection:state', ({ state, relay }) => {
    if (state !== 'ready' || relay === undefined || own.has(relay.address)) return;
    if (said === relay.address) return;
    said = relay.address;
    const at = sanitize(relay.address);
    ctx.err(
      `natter: the relay moved: ${sanitize(given)} (given with --relay) did not answer; relay ${relayFingerprint(relay.relayId)}, the one this profile registered with, announced itself at ${at} and proved its id there, so natter connected there (pass --relay ${at}, or no --relay: natter follows it by its beacon)`,
    );
  });
}
