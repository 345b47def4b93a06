/**
 * The write batches of the group streams (stream.ts): one group commit
 * (util/group-commit.ts) for all groups, so the items, log entries, cursor puts
 * and deletes of a turn become one store write. A batch is synced when it holds
 * an item or a log entry (their senders wait for it), and carries the
 * high-water mark of every group that issued items since the last batch, so a
 * restart never reuses a gseq that was pushed early (keys.ts, SEQ_RESTART_GAP).
 */
import { GroupCommit } from '../../util/group-commit.js';
import type { KvOp, RelayStore, StoreRefusal } from '../store/index.js';
import { encodeU64, highWaterKey } from './keys.js';
import type { Ledgers } from './ledgers.js';

/** A put that must be synced before its sender is answered; cursor puts and deletes are not. */
export type StreamOp = KvOp & { durable?: true };

export class GroupBatches {
  /** Groups with items issued since the last batch: their high-water mark goes in it. */
  private readonly highWater = new Set<string>();
  private readonly commits: GroupCommit<StreamOp, StoreRefusal | null>;

  constructor(
    private readonly store: RelayStore,
    private readonly ledgers: Ledgers,
  ) {
    this.commits = new GroupCommit((ops) => this.write(ops));
  }

  /** Queues `ops` for the next batch: null once it is written, else the refusal that stopped it. */
  submit(ops: StreamOp | readonly StreamOp[]): Promise<StoreRefusal | null> {
    return this.commits.submit(ops);
  }

  /** `gidHex` issued an item: its high-water mark goes in the next batch. */
  issued(gidHex: string): void {
    this.highWater.add(gidHex);
  }

  /** Resolves once everything submitted so far is written (or refused). */
  drain(): Promise<void> {
    return this.commits.drain();
  }

  /** One batch: synced if it holds an item or a log entry, with the high-water marks of new items. */
  private write(ops: StreamOp[]): Promise<StoreRefusal | null> {
    let bytes = 0;
    for (const op of ops) if (op.type === 'put' && op.durable) bytes += op.value.length;
    for (const gidHex of this.highWater) {
      const ledger = this.ledgers.get(gidHex);
      if (ledger) {
        ops.push({ type: 'put', key: highWaterKey(gidHex), value: encodeU64(ledger.lastIssued) });
      }
    }
    this.highWater.clear();
    return this.store.write(ops, { sync: bytes > 0, bytes });
  }
}
