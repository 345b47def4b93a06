/**
 * Saving the conversation list and unread counts (ui-state.json, written by the
 * caller's `save`): at most once per SAVE_DELAY_MS while things change, and
 * once more at quit.
 */
import type { Clock, Timer } from '../../util/clock.js';
import type { SavedState } from './state.js';

/** Changes come in bursts (a batch of mail): one write per second is plenty. */
export const SAVE_DELAY_MS = 1_000;

export class Saver {
  private timer: Timer | null = null;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly snapshot: () => SavedState,
    private readonly save: ((state: SavedState) => void) | undefined,
  ) {}

  /** Something worth saving changed: saves within SAVE_DELAY_MS. */
  schedule(): void {
    const save = this.save;
    if (save === undefined || this.timer !== null || this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      save(this.snapshot());
    }, SAVE_DELAY_MS);
  }

  /** Saves now and schedules nothing more (quit). */
  final(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.save?.(this.snapshot());
  }
}
