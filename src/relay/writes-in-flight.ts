/**
 * One connection's writes handed to its stream and not completed yet (outbound.ts), in
 * order, and the bytes handed and taken since it opened: the roster's bytes are counted
 * until the kernel took them (roster-spans.ts), and a write the kernel did not take at
 * once is known to be done when the last of them completes.
 */
export class WritesInFlight {
  /** Bytes handed to the stream since the connection opened (each write, each piece). */
  handed = 0;
  /** Of those, the bytes of writes the stream has completed (the kernel took them). */
  taken = 0;
  /** The size of each write not completed yet, in order (from `at`). */
  private sizes: number[] = [];
  private at = 0;

  /** A write of `bytes` was handed to the stream. */
  handOff(bytes: number): void {
    this.handed += bytes;
    this.sizes.push(bytes);
  }

  /** Bytes that were never written (the stream was gone): handed and taken at once. */
  dropped(bytes: number): void {
    this.handed += bytes;
    this.taken += bytes;
  }

  /** A write's callback (writes complete in order): true if no write is left in flight. */
  completed(): boolean {
    const sizes = this.sizes;
    this.taken += sizes[this.at++] ?? 0;
    if (this.at < sizes.length) return false;
    this.sizes = [];
    this.at = 0;
    return true;
  }

  /** Forgets the writes in flight (the socket closed). */
  clear(): void {
    this.sizes = [];
    this.at = 0;
  }
}
