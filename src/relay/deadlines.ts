/**
 * A session's deadlines, on the injected clock: the handshake must finish in
 * time, a ready session must not go silent for too long, and a frame that has
 * started arriving must finish (issue 8: a trickled or stalled frame held a
 * buffer for two minutes). Each check re-arms for the time left instead of
 * resetting a timer on every frame.
 */
import type { Clock, Timer } from '../util/clock.js';
import { SessionCode, type SessionCodeValue } from './errors.js';
import type { RelayLimits } from './limits.js';

export class Deadlines {
  private phase: Timer | null = null;
  private partial: Timer | null = null;
  private lastFrameAtMs: number;
  /** When the partial frame now held began arriving; null when none is held. */
  private partialSinceMs: number | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly limits: RelayLimits,
    private readonly expired: (code: SessionCodeValue, message: string) => void,
  ) {
    this.lastFrameAtMs = clock.now();
    this.phase = clock.setTimeout(
      () => this.expired(SessionCode.HandshakeTimeout, 'handshake took too long'),
      limits.handshakeTimeoutMs,
    );
  }

  /** Login done: from now on the idle deadline applies instead of the handshake's. */
  ready(): void {
    this.clearPhase();
    const ms = this.limits.idleTimeoutMs;
    const check = () => {
      const idle = this.clock.now() - this.lastFrameAtMs;
      if (idle < ms) this.phase = this.clock.setTimeout(check, ms - idle);
      else this.expired(SessionCode.IdleTimeout, 'no frame for too long');
    };
    this.phase = this.clock.setTimeout(check, ms);
  }

  /** After each read: whole frames seen, and the bytes of a partial frame held now. */
  received(frames: number, partialBytes: number, now: number): void {
    if (frames > 0) this.lastFrameAtMs = now;
    if (partialBytes === 0) {
      this.partialSinceMs = null;
      return;
    }
    if (this.partialSinceMs === null || frames > 0) this.partialSinceMs = now;
    if (this.partial !== null) return;
    const ms = this.limits.partialFrameTimeoutMs;
    const check = () => {
      this.partial = null;
      if (this.partialSinceMs === null) return;
      const waited = this.clock.now() - this.partialSinceMs;
      if (waited >= ms)
        this.expired(SessionCode.FrameTimeout, 'framing: a frame did not arrive in time');
      else this.partial = this.clock.setTimeout(check, ms - waited);
    };
    this.partial = this.clock.setTimeout(check, ms);
  }

  clear(): void {
    this.clearPhase();
    if (this.partial) this.clock.clearTimeout(this.partial);
    this.partial = null;
  }

  private clearPhase(): void {
    if (this.phase) this.clock.clearTimeout(this.phase);
    this.phase = null;
  }
}
