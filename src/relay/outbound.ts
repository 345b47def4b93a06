/**
 * One connection's outgoing bytes: frames queued in one event-loop turn leave
 * in one write (util/tick-batcher.ts; DESIGN.md §4), each byte copied once (the
 * length prefix and the body are queued side by side), and every queued byte
 * is counted, so budgets see what the connection holds.
 */
import type { Duplex } from 'node:stream';
import { TickBatcher } from '../util/tick-batcher.js';
import { lengthPrefix } from '../wire/framing.js';

export class Outbound {
  private queuedBytes = 0;
  private readonly batch: TickBatcher<Buffer>;

  /** `flushed` runs after each write (budgets, resuming reads and catch-up). */
  constructor(
    private readonly stream: Duplex,
    private readonly flushed: () => void,
  ) {
    this.batch = new TickBatcher((chunks) => this.write(chunks));
  }

  /** Bytes accepted for this connection and not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.queuedBytes + this.stream.writableLength;
  }

  /** Queues an encoded frame body (never mutated after this); it leaves at the end of the turn. */
  queue(body: Uint8Array): void {
    const prefix = lengthPrefix(body.byteLength);
    this.batch.push(prefix);
    this.batch.push(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    this.queuedBytes += prefix.length + body.byteLength;
  }

  /**
   * Queues a frame already framed (length prefix included), shared with other
   * connections and never mutated: a group item costs each session one queue entry.
   */
  queueFramed(framed: Buffer): void {
    this.batch.push(framed);
    this.queuedBytes += framed.byteLength;
  }

  /** Writes what is queued now. */
  flush(): void {
    this.batch.flushNow();
  }

  /** Forgets what is queued (the socket closed). */
  clear(): void {
    this.batch.clear();
    this.queuedBytes = 0;
  }

  private write(chunks: Buffer[]): void {
    const bytes = this.queuedBytes;
    this.queuedBytes = 0;
    if (this.stream.destroyed) return;
    this.stream.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes));
    this.flushed();
  }
}
