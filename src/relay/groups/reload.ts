/**
 * Puts the store's groups back in memory (DESIGN.md §6, issue 8): every group
 * at open, every group again after the store reopens, and one group after a
 * change of it was refused, since the registry had applied the change at once.
 * The store is the truth; the ledgers keep what only memory knew (gseqs issued,
 * acks the store missed), and the cursors it missed are written again. Owns
 * the set of groups being read back, which the streams refuse meanwhile.
 */
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { SEQ_RESTART_GAP } from '../mail-keys.js';
import type { KvOp, KvRange, RelayStore } from '../store/index.js';
import type { GroupBatches } from './batches.js';
import type { CursorWriter } from './cursors.js';
import { encodeU64, GROUP_PREFIX, groupPrefix, highWaterKey } from './keys.js';
import type { GroupLedger } from './ledger.js';
import type { Ledgers } from './ledgers.js';
import { type LoadedGroup, loadGroups } from './load.js';
import type { GroupRegistry } from './registry.js';

const ALL_GROUPS: Omit<KvRange, 'limit'> = { gt: GROUP_PREFIX, lt: `${GROUP_PREFIX}~` };

/** What the reloader reads from and writes into: the streams' own parts. */
export interface GroupReloaderParts {
  store: RelayStore;
  registry: GroupRegistry;
  ledgers: Ledgers;
  cursors: CursorWriter;
  batches: GroupBatches;
  clock: Clock;
  log: Logger;
}

export class GroupReloader {
  /** Groups being read back from the store after a refused change. */
  private readonly pending = new Set<string>();
  private closed = false;

  constructor(private readonly parts: GroupReloaderParts) {}

  /** Reads every group back and moves each high-water mark on (SEQ_RESTART_GAP). Once, before use. */
  async open(): Promise<void> {
    const ops: KvOp[] = [];
    for (const group of await this.load(ALL_GROUPS)) {
      // A restart never reuses a gseq, not even one pushed early and never written.
      group.ledger.lastIssued += SEQ_RESTART_GAP;
      const value = encodeU64(group.ledger.lastIssued);
      ops.push({ type: 'put', key: highWaterKey(group.gidHex), value });
      this.install(group);
    }
    if (ops.length > 0) await this.parts.store.kv.write(ops, { sync: true });
  }

  /** True while `gidHex` is being read back from the store. */
  reloading(gidHex: string): boolean {
    return this.pending.has(gidHex);
  }

  /** After the store reopened: every group from the store, with the acks it missed. */
  async reloadAll(): Promise<void> {
    const { ledgers, registry } = this.parts;
    const previous = new Map(ledgers.entries());
    ledgers.clear();
    registry.clear();
    for (const group of await this.load(ALL_GROUPS)) {
      this.install(group, previous.get(group.gidHex));
    }
  }

  /** After a refused change: the group as the store holds it, once its queued writes settle. */
  reloadGroup(gidHex: string): void {
    if (this.pending.has(gidHex)) return;
    this.pending.add(gidHex);
    const { store, ledgers, registry, batches, log } = this.parts;
    const previous = ledgers.get(gidHex);
    // A put queued behind everything the group has queued: once it settles, so have they.
    const value = encodeU64(previous?.lastIssued ?? 0);
    const range = { gte: groupPrefix(gidHex), lt: `${groupPrefix(gidHex)}~` };
    void batches
      .submit({ type: 'put', key: highWaterKey(gidHex), value })
      .then(() => store.whenOpen())
      .then(() => this.load(range))
      .then(([group]) => {
        if (group) this.install(group, previous);
        else {
          ledgers.delete(gidHex);
          registry.delete(gidHex);
        }
      })
      .catch((err: unknown) => {
        // Closing the store ends a reload that waited for it: nothing to report then.
        if (!this.closed) log.error('group reload failed', describeError(err));
      })
      .finally(() => this.pending.delete(gidHex));
  }

  /** The streams are closing: a reload that fails from now on is not reported. Idempotent. */
  close(): void {
    this.closed = true;
  }

  private load(range: Omit<KvRange, 'limit'>): Promise<LoadedGroup[]> {
    const { store, log, clock } = this.parts;
    return loadGroups(store.kv, range, log, clock.now());
  }

  private install(group: LoadedGroup, previous?: GroupLedger): void {
    const { ledgers, registry, cursors } = this.parts;
    const { gidHex, ledger, record } = group;
    const ahead = ledgers.install(gidHex, ledger, previous);
    registry.set(record);
    for (const userHex of ahead) cursors.mark(gidHex, userHex);
    // Deletes the store missed are made again by the next flush of the group.
    if (previous) for (const userHex of ledger.tracks.keys()) cursors.mark(gidHex, userHex);
  }
}
