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
 *   every group is read back and cursors ahead of the store are written again
 *   (reload.ts). The batches and their high-water marks are batches.ts's.
 */
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { encodeFrame } from '../../wire/codec.js';
import { frame } from '../../wire/framing.js';
import type { GroupChange, GroupItem } from '../../wire/types.js';
import type { RelayLimits } from '../limits.js';
import type { Refusal } from '../mail-store.js';
import {
  REFUSED_CLOSED,
  REFUSED_RECOVERING,
  type RelayStore,
  type StoreRefusal,
} from '../store/index.js';
import { GroupBatches, type StreamOp } from './batches.js';
import { CursorWriter } from './cursors.js';
import { encodeLogValue, itemKey, logKey } from './keys.js';
import { GroupLedger } from './ledger.js';
import { Ledgers } from './ledgers.js';
import { type GroupItemOut, readItems, readLog } from './reads.js';
import type { ChangeCheck, GroupRecord, GroupRegistry } from './registry.js';
import { GroupReloader } from './reload.js';
import { resendRefusal } from './resend.js';

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

export interface GroupStreamsOptions {
  limits: RelayLimits;
  clock: Clock;
  log: Logger;
}

export class GroupStreams {
  private readonly ledgers = new Ledgers();
  private readonly batches: GroupBatches;
  private readonly cursors: CursorWriter;
  private readonly reloader: GroupReloader;
  private closed = false;

  constructor(
    private readonly store: RelayStore,
    private readonly registry: GroupRegistry,
    private readonly options: GroupStreamsOptions,
  ) {
    const { ledgers } = this;
    this.batches = new GroupBatches(store, ledgers);
    this.cursors = new CursorWriter(ledgers, (ops) => void this.batches.submit(ops));
    const { batches, cursors } = this;
    const { clock, log } = options;
    this.reloader = new GroupReloader({ store, registry, ledgers, cursors, batches, clock, log });
    store.onReopen(() => this.reloader.reloadAll());
  }

  /** Reads every group back and moves each high-water mark on (SEQ_RESTART_GAP). Once, before use. */
  open(): Promise<void> {
    return this.reloader.open();
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
    return !this.reloader.reloading(gidHex);
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
    const log: StreamOp = { type: 'put', key: logKey(gidHex, change.seq), value, durable: true };
    const durable = this.batches.submit([log, issued.put]).then((refusal) => {
      if (refusal !== null) {
        this.ledgers.get(gidHex)?.removeItem(gseq);
        this.reloader.reloadGroup(gidHex);
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
      ledger.pendingBytes + body.length > maxPendingGroupBytes
    ) {
      return { code: 'recipient-quota', reason: 'the group holds too many unacknowledged items' };
    }
    const issued = this.issue(ledger, record, { kind: 'message', from, msgId, body });
    const durable = this.batches.submit(issued.put).then((refusal) => {
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

  /** Why `userHex` may not have `gidHex` sent again after `afterGseq`, or null (resend.ts). */
  resendRefusal(gidHex: string, userHex: string, afterGseq: number) {
    return resendRefusal(this.ledgers.get(gidHex), userHex, afterGseq);
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
    const dels: StreamOp[] = [];
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
    if (dels.length > 0) void this.batches.submit(dels);
    return dels.length;
  }

  /** Writes what is pending and stops accepting items. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.reloader.close();
    this.cursors.flushNow();
    await this.batches.drain();
  }

  private refusal(gidHex: string): StoreRefusal | null {
    if (this.closed) return REFUSED_CLOSED;
    if (this.reloader.reloading(gidHex)) return REFUSED_RECOVERING;
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
    ledger.addItem({ gseq, bytes: body.length, storedAtMs });
    this.batches.issued(record.gidHex);
    const put: StreamOp = {
      type: 'put',
      key: itemKey(record.gidHex, gseq),
      // The frame without its prefix, as a view of the one copy sessions write.
      value: framed.subarray(framed.length - body.length),
      durable: true,
    };
    const out: GroupItemOut = { gidHex: record.gidHex, gseq, framed };
    return { item: out, prevGseq, put };
  }
}
