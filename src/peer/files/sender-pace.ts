/**
 * Whether a download waits on its sender (TransferInfo.waitingForSender): it has every chunk
 * the relay holds, not the whole file, and nothing came for a while. The relay's FileGet
 * answer says how many chunks it holds (have_chunks); every chunk after it raises that; no
 * frame says the sender stopped, so a quiet spell while caught up is what shows it.
 */

/** Caught up with the relay and no chunk for this long: the sender's upload is behind. */
export const SENDER_QUIET_MS = 2_000;

export class SenderPace {
  /** Chunks the relay is known to hold; ∞ until it answered this session's FileGet. */
  private relayChunks = Number.POSITIVE_INFINITY;
  /** Chunks that arrived (any): a quiet check compares it with what it saw. */
  private arrived = 0;
  private stalled = false;
  private checking = false;
  /** Chunks written, as the last watch() said. */
  private next = 0;

  constructor(
    private readonly later: (fn: () => void, ms: number) => void,
    /** The sender turned out to be behind (a quiet spell): tell the UI. */
    private readonly quiet: () => void,
  ) {}

  /** The link dropped: nothing is known until the next FileGet answer. */
  reset(): void {
    this.relayChunks = Number.POSITIVE_INFINITY;
    this.stalled = false;
  }

  /** The relay's FileGet answer: holding nothing past chunk `next` is waiting, at once. */
  answered(haveChunks: number, next: number): void {
    this.relayChunks = haveChunks;
    this.stalled = next >= haveChunks;
    if (this.stalled) this.quiet();
  }

  /** Chunk `index` arrived: the relay holds it, and the sender is not (yet) behind. */
  chunk(index: number): void {
    this.arrived++;
    this.stalled = false;
    if (index >= this.relayChunks) this.relayChunks = index + 1;
  }

  /**
   * Chunks up to `next` are written: when that is all the relay holds, `quiet` runs once
   * SENDER_QUIET_MS pass with no chunk (one check at a time).
   */
  watch(next: number): void {
    this.next = next;
    if (!this.checking && next >= this.relayChunks) this.check();
  }

  /** In SENDER_QUIET_MS: behind if nothing came; again while chunks come and keep up. */
  private check(): void {
    this.checking = true;
    const arrived = this.arrived;
    this.later(() => {
      this.checking = false;
      if (this.next < this.relayChunks) return; // more to write: its watch() checks again
      if (this.arrived !== arrived) return this.check();
      this.stalled = true;
      this.quiet();
    }, SENDER_QUIET_MS);
  }

  /** Waiting on the sender, with chunks up to `next` here. */
  behind(next: number): boolean {
    return this.stalled && next >= this.relayChunks;
  }
}
