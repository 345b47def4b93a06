/**
 * The durable per-group streams (DESIGN.md §6, docs/groups.md "Relay"). Each
 * item (a change or a message) is encoded once, as the GroupDeliver frame with
 * its length prefix, and stored once (keys.ts), whatever the number of members;
 * every session is handed those same bytes. Delivery state is one cursor per
 * member (ledger.ts), written by cursors.ts: never a record per member per
 * message.
 *
 * - `appendChange` / `appendMessage` return at once with the item and a
 *   `durable` promise that resolves after the `sync: true` batch holding it
 *   (util/group-commit.ts, one for all groups), or with the refusal that
 *   stopped it. A change is applied to the registry at once, so the next one
 *   chains onto it; if its write is refused, the group is read back from the
 *   store (the truth) and refused meanwhile.
 * - Writes go through RelayStore (fail-stop, issue 8): after the store reopens,
 *   every group is read back and cursors ahead of the store are written again.
 */
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import { GroupCommit } from '../../util/group-commit.js';
import type { Logger } from '../../util/logger.js';
import { encodeFrame } from '../../wire/codec.js';
import { frame } from '../../wire/framing.js';
import type { GroupChange, GroupItem } from '../../wire/types.js';
import type { RelayLimits } from '../limits.js';
import { type Refusal, SEQ_RESTART_GAP } from '../mailbox.js';
import {
  type KvOp,
  type KvRange,
  REFUSED_CLOSED,
  REFUSED_RECOVERING,
  type RelayStore,
  type StoreRefusal,
} from '../store/index.js';
import { CursorWriter } from './cursors.js';
import {
  encodeLogValue,
  encodeU64,
  GROUP_PREFIX,
  groupPrefix,
  highWaterKey,
  itemKey,
  logKey,
} from './keys.js';
import { GroupLedger } from './ledger.js';
import { Ledgers } from './ledgers.js';
import { type LoadedGroup, loadGroups } from './load.js';
import { type GroupItemOut, readItems, readLog } from './reads.js';
import { type ChangeCheck, type GroupRecord, type GroupRegistry, recordOf } from './registry.js';

export type { GroupItemOut } from './reads.js';

export interface Appended {
  code: 'queued';
  item: GroupItemOut;
  /** The gseq issued in this group just before (0 if none): for early pushes. */
  prevGseq: number;
  /** User ids (hex) whose sessions receive the item. */
  recipients: readonly string[];
  /** null once the item is durable; else the refusal that stopped its batch. */
  durable: Promise<StoreRefusal | null>;
}

/** A put that must be synced before its sender is answered; cursor puts and deletes are not. */
type Op = KvOp & { durable?: true };

const ALL_GROUPS: Omit<KvRange, 'limit'> = { gt: GROUP_PREFIX, lt: `${GROUP_PREFIX}~` };

export interface GroupStreamsOptions {
  limits: RelayLimits;
  clock: Clock;
  log: Logger;
}

export class GroupStreams {
  private readonly ledgers = new Ledgers();
  private readonly cursors: CursorWriter;
  /** Groups being read back from the store after a refused change: refused meanwhile. */
  private readonly reloading = new Set<string>();
  /** Groups with items issued since the last batch: their high-water mark goes in it. */
  private readonly highWater = new Set<string>();
  private readonly commits: GroupCommit<Op, StoreRefusal | null>;
  private closed = false;

  constructor(
    private readonly store: RelayStore,
    private readonly registry: GroupRegistry,
    private readonly options: GroupStreamsOptions,
  ) {
    this.commits = new GroupCommit((ops) => this.writeBatch(ops));
    this.cursors = new CursorWriter(this.ledgers, (ops) => void this.commits.submit(ops));
    store.onReopen(() => this.reload());
  }

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
    if (ops.length > 0) await this.store.kv.write(ops, { sync: true });
  }

  get size(): number {
    return this.ledgers.size;
  }

  /** Items held by all groups. */
  get heldItems(): number {
    return this.ledgers.heldItems;
  }

  /** Items `gidHex` holds that some member has not acknowledged. */
  pending(gidHex: string): number {
    return this.ledgers.get(gidHex)?.pending ?? 0;
  }

  /** False while the group is being read back from the store. */
  available(gidHex: string): boolean {
    return !this.reloading.has(gidHex);
  }

  /** Groups with items `userHex` may still need: its groups, and those it left owed items. */
  trackedGroupsOf(userHex: string): string[] {
    const gids = new Set(this.registry.groupsOf(userHex));
    for (const gidHex of this.ledgers.departedGroupsOf(userHex)) gids.add(gidHex);
    return [...gids].filter((gidHex) => this.ledgers.get(gidHex)?.tracks.has(userHex));
  }

  /** The highest gseq `userHex` acknowledged in `gidHex` (all issued if it is owed nothing). */
  cursorOf(gidHex: string, userHex: string): number {
    const ledger = this.ledgers.get(gidHex);
    return ledger?.tracks.get(userHex)?.cursor ?? ledger?.lastIssued ?? 0;
  }

  /** The item of a checked change (registry.check), applied to the registry at once. */
  appendChange(
    checked: Extract<ChangeCheck, { ok: true }>,
    change: GroupChange,
  ): Appended | StoreRefusal {
    const { next, membership, recipients } = checked;
    const gidHex = next.gidHex;
    const refused = this.refusal(gidHex);
    if (refused) return refused;
    let ledger = this.ledgers.get(gidHex);
    if (!ledger) {
      ledger = new GroupLedger();
      this.ledgers.set(gidHex, ledger);
    }
    const issued = this.issue(ledger, next, { kind: 'change', change });
    const { gseq } = issued.item;
    for (const userHex of membership.joined) ledger.join(userHex, gseq);
    for (const userHex of membership.left) {
      ledger.leave(userHex, gseq);
      this.ledgers.owe(userHex, gidHex);
    }
    this.registry.set(next);
    const value = encodeLogValue(gseq, change);
    const log: Op = { type: 'put', key: logKey(gidHex, change.seq), value, durable: true };
    const durable = this.commits.submit([log, issued.put]).then((refusal) => {
      if (refusal !== null) {
        this.ledgers.get(gidHex)?.removeItem(gseq);
        this.reloadGroup(gidHex);
      }
      return refusal;
    });
    return { code: 'queued', ...issued, recipients, durable };
  }

  /** The item of one group message from `from`, unless a quota or the store refuses it. */
  appendMessage(
    record: GroupRecord,
    from: Uint8Array,
    msgId: Uint8Array,
    body: Uint8Array,
  ): Appended | Refusal {
    const refused = this.refusal(record.gidHex);
    if (refused) return refused;
    const ledger = this.ledgers.get(record.gidHex);
    if (!ledger) return REFUSED_RECOVERING;
    const { maxPendingGroupMessages, maxPendingGroupBytes } = this.options.limits;
    if (
      ledger.pending >= maxPendingGroupMessages ||
      ledger.pendingBytes + body.byteLength > maxPendingGroupBytes
    ) {
      return { code: 'recipient-quota', reason: 'the group holds too many unacknowledged items' };
    }
    const issued = this.issue(ledger, record, { kind: 'message', from, msgId, body });
    const durable = this.commits.submit(issued.put).then((refusal) => {
      if (refusal !== null) this.ledgers.get(record.gidHex)?.removeItem(issued.item.gseq);
      return refusal;
    });
    return { code: 'queued', ...issued, recipients: record.memberHexes, durable };
  }

  /** A cumulative ack from `userHex`: written with the turn's other acks. */
  ack(gidHex: string, userHex: string, throughGseq: number): void {
    if (this.ledgers.get(gidHex)?.ack(userHex, throughGseq)) this.cursors.mark(gidHex, userHex);
  }

  /** Stored items of `gidHex` after `afterGseq` that `userHex` may receive (catch-up). */
  read(gidHex: string, userHex: string, afterGseq: number, limit: number) {
    return readItems(this.store, this.ledgers, gidHex, userHex, afterGseq, limit);
  }

  /** A page of the log of `gidHex` from change `fromSeq` on. */
  readLog(gidHex: string, fromSeq: number, limit: number) {
    return readLog(this.store, gidHex, fromSeq, limit);
  }

  /**
   * Drops items older than the mail TTL; a departed member past whose last item
   * nothing is held any more is owed nothing. Returns how many items were dropped.
   */
  sweep(): number {
    const cutoff = this.options.clock.now() - this.options.limits.mailTtlMs;
    const dels: Op[] = [];
    for (const [gidHex, ledger] of this.ledgers.entries()) {
      for (const gseq of ledger.dropWhile((e) => e.storedAtMs < cutoff)) {
        dels.push({ type: 'del', key: itemKey(gidHex, gseq) });
      }
      const firstHeld = ledger.firstHeld ?? ledger.lastIssued + 1;
      for (const userHex of ledger.tracks.keys()) {
        const last = ledger.lastEntitled(userHex);
        if (last < firstHeld && ledger.ack(userHex, last)) this.cursors.mark(gidHex, userHex);
      }
    }
    if (dels.length > 0) void this.commits.submit(dels);
    return dels.length;
  }

  /** Writes what is pending and stops accepting items. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.cursors.flushNow();
    await this.commits.drain();
  }

  private refusal(gidHex: string): StoreRefusal | null {
    if (this.closed) return REFUSED_CLOSED;
    if (this.reloading.has(gidHex)) return REFUSED_RECOVERING;
    return this.store.refusal();
  }

  /** The next gseq of the group, its frame encoded once, and the put that stores it. */
  private issue(ledger: GroupLedger, record: GroupRecord, item: GroupItem) {
    const gseq = ledger.lastIssued + 1;
    const storedAtMs = this.options.clock.now();
    const { groupId } = record.state;
    const body = encodeFrame({ type: 'group-deliver', groupId, gseq, storedAtMs, item });
    const framed = frame(body);
    const prevGseq = ledger.lastIssued;
    ledger.lastIssued = gseq;
    ledger.addItem({ gseq, bytes: body.byteLength, storedAtMs });
    this.highWater.add(record.gidHex);
    const put: Op = {
      type: 'put',
      key: itemKey(record.gidHex, gseq),
      // The frame without its prefix, as a view of the one copy sessions write.
      value: framed.subarray(framed.byteLength - body.byteLength),
      durable: true,
    };
    const out: GroupItemOut = { gidHex: record.gidHex, gseq, framed };
    return { item: out, prevGseq, put };
  }

  /** One batch: synced if it holds an item or a log entry, with the high-water marks of new items. */
  private writeBatch(ops: Op[]): Promise<StoreRefusal | null> {
    let bytes = 0;
    for (const op of ops) if (op.type === 'put' && op.durable) bytes += op.value.byteLength;
    for (const gidHex of this.highWater) {
      const ledger = this.ledgers.get(gidHex);
      if (ledger) {
        ops.push({ type: 'put', key: highWaterKey(gidHex), value: encodeU64(ledger.lastIssued) });
      }
    }
    this.highWater.clear();
    return this.store.write(ops, { sync: bytes > 0, bytes });
  }

  private load(range: Omit<KvRange, 'limit'>): Promise<LoadedGroup[]> {
    return loadGroups(this.store.kv, range, this.options.log, this.options.clock.now());
  }

  private install(group: LoadedGroup, previous?: GroupLedger): void {
    const { gidHex, ledger, state } = group;
    const ahead = this.ledgers.install(gidHex, ledger, previous);
    this.registry.set(recordOf(gidHex, state));
    for (const userHex of ahead) this.cursors.mark(gidHex, userHex);
    // Deletes the store missed are made again by the next flush of the group.
    if (previous) for (const userHex of ledger.tracks.keys()) this.cursors.mark(gidHex, userHex);
  }

  /** After the store reopened: every group from the store, with the acks it missed. */
  private async reload(): Promise<void> {
    const previous = new Map(this.ledgers.entries());
    this.ledgers.clear();
    this.registry.clear();
    for (const group of await this.load(ALL_GROUPS)) {
      this.install(group, previous.get(group.gidHex));
    }
  }

  /** After a refused change: the group as the store holds it, once its queued writes settle. */
  private reloadGroup(gidHex: string): void {
    if (this.reloading.has(gidHex)) return;
    this.reloading.add(gidHex);
    const previous = this.ledgers.get(gidHex);
    // A put queued behind everything the group has queued: once it settles, so have they.
    const value = encodeU64(previous?.lastIssued ?? 0);
    const range = { gte: groupPrefix(gidHex), lt: `${groupPrefix(gidHex)}~` };
    void this.commits
      .submit({ type: 'put', key: highWaterKey(gidHex), value })
      .then(() => this.store.whenOpen())
      .then(() => this.load(range))
      .then(([group]) => {
        if (group) this.install(group, previous);
        else {
          this.ledgers.delete(gidHex);
          this.registry.delete(gidHex);
        }
      })
      .catch((err: unknown) => {
        // Closing the store ends a reload that waited for it: nothing to report then.
        if (!this.closed) this.options.log.error('group reload failed', describeError(err));
      })
      .finally(() => this.reloading.delete(gidHex));
  }
}
