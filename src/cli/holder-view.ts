/**
 * Whether the list of who is online that a holder of the profile (a chat, an `inbox
 * --follow`, a watcher) answers `watch` with is whole: its relay session is ready (the relay
 * sends its roster right behind Ready, in the same write) and the LAN has had WHO_WAIT_MS to
 * answer its QUERY (sent when presence starts, before the relay is dialled). A watcher
 * attached after a handover then settles at once on it: someone it listed and the holder
 * does not has left, whether or not the holder saw them go (docs/decisions.md, "who --watch:
 * four things the trials left"). Without a relay session it is never whole: the watcher
 * waits as before (WHO_CONNECT_MS).
 */
import type { PeerEventMap } from '../peer/index.js';

/** Long enough for every peer's unicast answer to our QUERY, even on a busy Wi-Fi. */
export const WHO_WAIT_MS = 700;

/** What HolderView watches of the client. */
export interface HolderViewTarget {
  on(name: 'connection:state', listener: (e: PeerEventMap['connection:state']) => void): () => void;
}

export class HolderView {
  private ready = false;
  private relayIn = false;
  private lanHeard = false;
  private lanTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly off: () => void;

  /** Started with the control socket, before the client connects (context.ts, who-hold.ts). */
  constructor(target: HolderViewTarget, lanWaitMs = WHO_WAIT_MS) {
    this.off = target.on('connection:state', ({ state }) => {
      this.ready = state === 'ready';
      this.relayIn = false;
      if (!this.ready) return;
      // The roster frame came in the same write as Ready: one turn takes it in.
      setImmediate(() => {
        this.relayIn = this.ready;
      });
      // Presence started before the relay was dialled: this is later than the QUERY.
      this.lanTimer ??= setTimeout(() => {
        this.lanHeard = true;
      }, lanWaitMs).unref();
    });
  }

  /** Its relay roster is in and the LAN has answered. */
  get complete(): boolean {
    return this.relayIn && this.lanHeard;
  }

  close(): void {
    this.off();
    if (this.lanTimer !== null) clearTimeout(this.lanTimer);
  }
}
