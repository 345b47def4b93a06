/**
 * What a long-running command (`natter inbox --follow`) says of its relay while it runs:
 * once that it lost the relay and waits for it, and once that it is back. The link keeps
 * retrying by itself; a trial's follower said nothing while the relay was down, so a user
 * could not tell a quiet relay from none. Beside a running client (a chat) the states
 * are that client's, relayed in each inbox batch (control-inbox.ts), and said the same.
 */
import type { ConnectionState, NatterClient } from '../peer/index.js';
import type { CliContext } from './context.js';

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
