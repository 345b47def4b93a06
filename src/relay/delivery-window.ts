/**
 * A session's deliveries pushed and not yet acknowledged: the relay pushes mail
 * only while fewer than maxUnackedDeliveries messages and maxUnackedDeliveryBytes
 * bytes are out. The socket's own budget (maxSessionBufferedBytes) bounds what the
 * relay holds; this bounds what the client holds. A client reads its socket as fast
 * as it can and acknowledges a batch once it is durable, so without a window the
 * mail waiting at login (20,000 messages in a trial) was all read into the client's
 * memory at once, behind its first synced write (375 MB for `natter inbox --max 100`).
 *
 * Pushes are recorded in order; an ack releases everything pushed up to the highest
 * seq it names. The client acknowledges in the order it was pushed, so that is
 * exact for a well-behaved client; one that skips a seq (its batch was not stored:
 * it comes again next session) only loosens its own window, and one that acks seqs
 * it was never pushed releases nothing it did not have.
 */
export class DeliveryWindow {
  private readonly seqs: number[] = [];
  private readonly sizes: number[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxMessages: number,
    private readonly maxBytes: number,
  ) {}

  /** No more may be pushed until an ack. */
  get full(): boolean {
    return this.seqs.length - this.head >= this.maxMessages || this.bytes >= this.maxBytes;
  }

  pushed(seq: number, bytes: number): void {
    this.seqs.push(seq);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  /** Releases what was pushed up to the highest of `seqs`; true if the window opened. */
  acked(seqs: readonly number[]): boolean {
    let highest = 0;
    for (const seq of seqs) if (seq > highest) highest = seq;
    const wasFull = this.full;
    const { seqs: pushed, sizes } = this;
    let i = this.head;
    while (i < pushed.length && pushed[i]! <= highest) {
      this.bytes -= sizes[i]!;
      i++;
    }
    if (i === this.head) return false;
    this.head = i;
    if (i === pushed.length) {
      // Everything is acknowledged: start again rather than keep the spent prefix.
      pushed.length = 0;
      sizes.length = 0;
      this.head = 0;
    } else if (i >= 1024 && i * 2 >= pushed.length) {
      pushed.copyWithin(0, i);
      sizes.copyWithin(0, i);
      pushed.length -= i;
      sizes.length -= i;
      this.head = 0;
    }
    return wasFull && !this.full;
  }
}
