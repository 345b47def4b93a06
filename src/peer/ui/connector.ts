/**
 * Connecting to the relay from the screen: one attempt at start, bounded; the
 * core keeps retrying after it. With no relay configured and none found yet,
 * the next relay beacon on the LAN starts another attempt. When the connection
 * gives up for good because the relay answered with another key (issue 13: the
 * chat stayed "relay closed" forever), the screen says so and tries again every
 * RELAY_RETRY_MS, so it is back as soon as the relay this profile knows returns.
 */
import type { Clock, Timer } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { ChatCore } from './core.js';
import type { ChatState, NoteKind } from './state.js';
import type { Tasks } from './tasks.js';

/** One connect attempt (discovery included); the core keeps retrying after it. */
export const CONNECT_TIMEOUT_MS = 15_000;
/** After the relay showed another key: how often the known relay is tried again. */
export const RELAY_RETRY_MS = 15_000;

/** Refusals after which the relay this profile registered with may still come back. */
const OTHER_RELAY_CODES: ReadonlySet<string> = new Set([
  'E_RELAY_KEY_CHANGED',
  'E_RELAY_ID_MISMATCH',
]);

/**
 * The relay's refusals of the name a Register claims (relay/handlers/auth.ts): no retry
 * helps, another name does (a QA trial's first run, relay down at the wizard, sat at
 * "relay closed" with its messages pending until restarted).
 */
export const NAME_REFUSALS: ReadonlySet<string> = new Set(['E_PSEUDONYM_TAKEN', 'E_BAD_PSEUDONYM']);

/** No relay was taken: said on screen and in the status bar until one is (notFound). */
const NOT_FOUND_CODES: ReadonlySet<string> = new Set(['E_NO_RELAY', 'E_SEVERAL_RELAYS']);

export class Connector {
  /** The last attempt found no relay (E_NO_RELAY): a beacon is worth another. */
  private waitingForRelay = false;
  private retry: Timer | null = null;
  private stopped = false;

  constructor(
    private readonly o: {
      core: ChatCore;
      state: ChatState;
      tasks: Tasks;
      log: Logger;
      clock: Clock;
      changed: () => void;
      notice: (text: string, kind: NoteKind, sticky?: boolean) => void;
      /** ScreenOptions.nameRefused. */
      nameRefused?: (refusal: { code: string; message: string }) => void;
    },
  ) {}

  /** The name was refused and the caller told (once: the event and connect()'s rejection both say it). */
  private nameTold = false;

  connect(): void {
    this.attempt(() => this.o.core.connect({ timeoutMs: CONNECT_TIMEOUT_MS }));
  }

  /** A relay beacon was seen (relay:discovered): connect if we were waiting for one. */
  relayDiscovered(): void {
    if (this.waitingForRelay) this.connect();
  }

  /**
   * The connection gave up for good ('error' with fatal). Another relay key: said
   * once, sticky, and the known relay is tried again every RELAY_RETRY_MS. Any
   * other refusal is only said.
   */
  gaveUp(e: { code: string; message: string }): void {
    const { state } = this.o;
    if (NAME_REFUSALS.has(e.code) && this.o.nameRefused !== undefined) {
      if (this.nameTold) return;
      this.nameTold = true;
      this.o.notice(
        `the relay refused the name ${state.me.pseudonym}: choose another`,
        'error',
        true,
      );
      this.o.nameRefused({ code: e.code, message: e.message });
      return;
    }
    if (!OTHER_RELAY_CODES.has(e.code)) {
      this.o.notice(`${e.message} (${e.code})`, 'error', true);
      return;
    }
    const again = state.relayRefusal?.code === e.code;
    state.relayRefusal = { code: e.code, message: e.message };
    if (!again) {
      this.o.notice(
        `NOT CONNECTED: the relay answered with ANOTHER KEY (${e.code}). The chat tries the relay it knows every ${RELAY_RETRY_MS / 1000} s; /accept-relay-key says how to accept the new one`,
        'error',
        true,
      );
    }
    this.scheduleRetry();
  }

  /**
   * No relay found (none heard, or several and none chosen): on screen until one is, not
   * only in natter.log (seventeenth sitting's trial sat at "relay connecting…" for 90 s).
   */
  private notFound(code: string, message: string): void {
    const { state } = this.o;
    const again = state.relayRefusal?.code === code;
    state.relayRefusal = { code, message };
    if (!again) this.o.notice(`NOT CONNECTED: ${message} (${code})`, 'error', true);
    else this.o.changed();
  }

  /** Quit: no retry is left behind. */
  stop(): void {
    this.stopped = true;
    if (this.retry !== null) this.o.clock.clearTimeout(this.retry);
    this.retry = null;
  }

  private scheduleRetry(): void {
    if (this.retry !== null || this.stopped) return;
    this.retry = this.o.clock.setTimeout(() => {
      this.retry = null;
      if (this.stopped) return;
      this.attempt(() => this.o.core.reconnect({ timeoutMs: CONNECT_TIMEOUT_MS }));
    }, RELAY_RETRY_MS);
  }

  private attempt(connect: () => Promise<void>): void {
    const { state, log } = this.o;
    this.waitingForRelay = false;
    const ready = () => {
      // Ready before we subscribed (a first run registers before the screen opens).
      if (state.connection.state === 'ready') return;
      state.connection = { ...state.connection, state: 'ready' };
      state.relayRefusal = null;
      this.o.changed();
    };
    const failed = (err: unknown) => {
      const { code, message } = describeError(err);
      log.warn('connect failed', { code });
      if (code === 'E_NO_RELAY') this.waitingForRelay = true;
      // Said by gaveUp(), from the core's 'error' event.
      if (OTHER_RELAY_CODES.has(code) || NAME_REFUSALS.has(code)) this.gaveUp({ code, message });
      else if (NOT_FOUND_CODES.has(code)) this.notFound(code, message);
      else if (code === 'E_RELAY_TIMEOUT')
        this.o.notice('relay not reachable yet; still trying', 'warn');
      else this.o.notice(`${message} (${code})`, 'error');
    };
    this.o.tasks.track(connect().then(ready, failed));
  }
}
