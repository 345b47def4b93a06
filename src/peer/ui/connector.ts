/**
 * Connecting to the relay from the screen: one attempt at start, bounded; the
 * core keeps retrying after it. With no relay configured and none found yet,
 * the next relay beacon on the LAN starts another attempt.
 */
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { ChatCore } from './core.js';
import type { ChatState, NoteKind } from './state.js';
import type { Tasks } from './tasks.js';

/** One connect attempt (discovery included); the core keeps retrying after it. */
export const CONNECT_TIMEOUT_MS = 15_000;

export class Connector {
  /** The last attempt found no relay (E_NO_RELAY): a beacon is worth another. */
  private waitingForRelay = false;

  constructor(
    private readonly o: {
      core: ChatCore;
      state: ChatState;
      tasks: Tasks;
      log: Logger;
      changed: () => void;
      notice: (text: string, kind: NoteKind) => void;
    },
  ) {}

  connect(): void {
    const { core, state, log } = this.o;
    this.waitingForRelay = false;
    const ready = () => {
      // Ready before we subscribed (a first run registers before the screen opens).
      if (state.connection.state === 'ready') return;
      state.connection = { ...state.connection, state: 'ready' };
      this.o.changed();
    };
    const failed = (err: unknown) => {
      const { code, message } = describeError(err);
      log.warn('connect failed', { code });
      if (code === 'E_NO_RELAY') this.waitingForRelay = true;
      if (code === 'E_RELAY_TIMEOUT')
        this.o.notice('relay not reachable yet; still trying', 'warn');
      else this.o.notice(`${message} (${code})`, 'error');
    };
    this.o.tasks.track(core.connect({ timeoutMs: CONNECT_TIMEOUT_MS }).then(ready, failed));
  }

  /** A relay beacon was seen (relay:discovered): connect if we were waiting for one. */
  relayDiscovered(): void {
    if (this.waitingForRelay) this.connect();
  }
}
