/**
 * Heartbeats on a control connection. A holder stopped (SIGSTOP, Ctrl-Z) or hung keeps its
 * socket open, the kernel answers for it, and says nothing more: a command attached to it
 * (`who --watch`, `inbox --follow`, a send waiting for the relay) waited for ever. So a
 * command asks for beats in its first request (`{"op":"holder","heartbeat":true}`,
 * control-holder.ts askHolder); a holder that beats answers `heartbeatMs` and from then on
 * writes HEARTBEAT_LINE that often, between answers and events; the command takes silence
 * for a holder that stopped answering (E_PROFILE_IN_USE, holder-file.ts). An older holder
 * answers no `heartbeatMs`, so none are expected of it; an older command never asks, so it
 * never reads a beat (docs/decisions.md, "Chat leftovers").
 */
import type { Clock, Timer } from '../util/clock.js';
import { Periodic } from '../util/periodic.js';

/** How often a holder beats: often enough that HOLDER_SILENT_MS is a few seconds. */
export const CONTROL_HEARTBEAT_MS = 1_000;

/**
 * Silence after which a command takes its holder for stopped or hung: four beats missed,
 * room for a holder busy a moment (a long store read, a collection), "within a few seconds".
 */
export const HOLDER_SILENT_MS = 5_000;

/** The line a holder beats with; no answer (`ok`) or event (`event`) looks like it. */
export const HEARTBEAT_LINE = '{"heartbeat":true}';

/** The silence a command allows a holder that beats every `everyMs`. */
export const silenceFor = (everyMs: number) => Math.max(HOLDER_SILENT_MS, everyMs * 4);

/** The holder's side: `beat` every `everyMs` until `onClose` runs it off. */
export function beatUntilClosed(
  clock: Clock,
  everyMs: number,
  beat: () => void,
  onClose: (fn: () => void) => void,
): void {
  const job = new Periodic(
    clock,
    everyMs,
    async () => beat(),
    () => undefined,
  );
  job.start();
  onClose(() => job.stop());
}

/**
 * The command's side: `silent` runs once nothing was heard for `silentMs`. The verdict waits
 * one more turn of the event loop, so a command that was itself busy reads what arrived
 * meanwhile first and does not blame the holder for its own pause.
 */
export class SilenceWatch {
  private last: number;
  private timer: Timer | null = null;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly silentMs: number,
    private readonly silent: () => void,
  ) {
    this.last = clock.now();
    this.arm(silentMs);
  }

  /** Something came from the holder. */
  heard(): void {
    this.last = this.clock.now();
  }

  /** No verdict after this. Idempotent. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      setImmediate(() => this.check());
    }, ms);
  }

  private check(): void {
    if (this.stopped) return;
    const quiet = this.clock.now() - this.last;
    if (quiet < this.silentMs) {
      this.arm(this.silentMs - quiet);
      return;
    }
    this.stopped = true;
    this.silent();
  }
}
