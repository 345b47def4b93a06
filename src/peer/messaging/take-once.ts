/**
 * Records kept until a UI has shown them, each handed out exactly once: damaged
 * deliveries (damaged.ts) and conversation notices (notices.ts). Whichever command
 * happened to be connected when a delivery came (`natter send` receives mail too),
 * the next `natter inbox` or `natter chat` can still tell the user. A record is
 * written in the same batch as the delivery that caused it, before the DeliverAck.
 */
import { del, type KvOp, type PeerStore, putJson } from '../store.js';

export class TakeOnce<T> {
  private taking: Promise<unknown> = Promise.resolve();

  /** `prefix`: the records' key space; keys after it sort in the order they are taken. */
  constructor(
    private readonly store: PeerStore,
    private readonly prefix: string,
  ) {}

  /** The op that makes a record durable under `key` (after the prefix). */
  recordOps(key: string, record: T): KvOp[] {
    return [putJson(`${this.prefix}${key}`, record)];
  }

  /** Records not yet taken, in key order; each is returned exactly once. */
  take(): Promise<T[]> {
    // Serialised: two overlapping calls must not both return the same records.
    const run = this.taking.then(() => this.takeNow());
    this.taking = run.catch(() => undefined);
    return run;
  }

  private async takeNow(): Promise<T[]> {
    const ops: KvOp[] = [];
    const records: T[] = [];
    for await (const [key, record] of this.store.scan<T>(this.prefix)) {
      ops.push(del(key));
      records.push(record);
    }
    await this.store.write(ops);
    return records;
  }
}
