/**
 * Every relay's view of the cluster's groups (cluster/groups.ts), built by
 * reading the groups' stream in order with one ordered consumer: the registry
 * of verified states, each group's ledger (who may receive which gseq, the
 * items held), its log, and a live push of every item to this relay's
 * sessions. The stream is the sequencer: every relay applies the same items in
 * the same order, so each reaches the same verdict on each item, and the relay
 * that published an item answers its sender with that verdict.
 *
 * - A change is applied again here (applyChange: signature and chain); the
 *   publishing relay checked it and published it on condition that the group's
 *   log had not moved (cluster/groups.ts), so it applies.
 * - A message is refused here, by every relay alike, when its sender is no
 *   longer a member or the group's epoch moved on between the publishing
 *   relay's check and the stream (a change made through another relay): it is
 *   not delivered, and its sender hears why and seals it again.
 */
import { applyChange } from '../../crypto/group-log.js';
import { peekGroupMessageHeader } from '../../crypto/group-message.js';
import { toHex } from '../../util/bytes.js';
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { GroupChange } from '../../wire/types.js';
import { GroupLedger } from '../groups/ledger.js';
import { Ledgers } from '../groups/ledgers.js';
import { type GroupRegistry, membershipOf, recordOf } from '../groups/registry.js';
import type { Hub } from '../hub.js';
import type { ClusterLink } from './connection.js';
import { GroupStreamReader } from './group-reader.js';
import { decodeStoredItem, itemOut, parseGroupSubject } from './group-stream.js';

/** An item every relay refused, as its publisher tells the sender. */
export interface Refused {
  kind: 'not-member' | 'stale-epoch' | 'bad-change' | 'unreadable';
  reason: string;
}

/** How long a refusal is kept for its publisher to read it. */
const REFUSAL_KEEP_MS = 60_000;
/** How long a publisher waits for its own item to come round. */
export const APPLY_WAIT_MS = 10_000;

interface Waiter {
  seq: number;
  resolve: (applied: boolean) => void;
}

export class GroupApplier {
  readonly ledgers = new Ledgers();
  /** Each group's changes, in order (its log), and the stream seq of the last. */
  private readonly logs = new Map<string, { changes: GroupChange[]; lastSeq: number }>();
  /** Cursors read before the member's join was applied: user -> gseq, by group. */
  private readonly early = new Map<string, Map<string, number>>();
  private readonly refused = new Map<number, Refused & { atMs: number }>();
  private waiters: Waiter[] = [];
  private applied = 0;
  private stopped = false;
  private readonly reader: GroupStreamReader;

  constructor(
    link: ClusterLink,
    private readonly registry: GroupRegistry,
    private readonly hub: Hub,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.reader = new GroupStreamReader(
      link,
      clock,
      log,
      (seq, subject, data) => this.apply(seq, subject, data),
      () => this.waiters.length > 0,
    );
  }

  /** Reads the stream from its start (group-reader.ts); resolves once it has applied what it held. */
  start(): Promise<void> {
    return this.reader.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.waiters) w.resolve(false);
    this.waiters = [];
    await this.reader.stop();
  }

  /** The stream seq of `gidHex`'s last change (0: none): a change is published on it. */
  lastLogSeq(gidHex: string): number {
    return this.logs.get(gidHex)?.lastSeq ?? 0;
  }

  /** The group's changes from change `fromSeq` on. */
  changesFrom(gidHex: string, fromSeq: number): GroupChange[] {
    return (this.logs.get(gidHex)?.changes ?? []).filter((c) => c.seq >= fromSeq);
  }

  /** Resolves true once item `seq` is applied here (false if stopped or out of time). */
  reached(seq: number, waitMs = APPLY_WAIT_MS): Promise<boolean> {
    if (this.applied >= seq) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = { seq, resolve };
      this.waiters.push(waiter);
      const t = this.clock.setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, waitMs);
      (t as { unref?: () => void }).unref?.();
    });
  }

  /** Why item `seq` was refused, or null if it was applied. */
  refusalOf(seq: number): Refused | null {
    return this.refused.get(seq) ?? null;
  }

  /** A member's cursor as the cursors' bucket holds it (this relay's acks or another's). */
  cursorRead(gidHex: string, userHex: string, cursor: number): boolean {
    const ledger = this.ledgers.get(gidHex);
    if (ledger?.tracks.has(userHex)) return ledger.ack(userHex, cursor);
    let users = this.early.get(gidHex);
    if (!users) {
      users = new Map();
      this.early.set(gidHex, users);
    }
    users.set(userHex, Math.max(users.get(userHex) ?? 0, cursor));
    return false;
  }

  private apply(seq: number, subject: string, data: Uint8Array): void {
    if (seq <= this.applied) return;
    this.applied = seq;
    const where = parseGroupSubject(subject);
    const stored = where && decodeStoredItem(data);
    if (!where || !stored || toHex(stored.groupId) !== where.gidHex) {
      this.refuse(seq, 'unreadable', 'the stored item does not decode');
    } else if (where.kind === 'log' && stored.item.kind === 'change') {
      this.applyChange(seq, where.gidHex, stored, stored.item.change);
    } else if (where.kind === 'msg' && stored.item.kind === 'message') {
      this.applyMessage(seq, where.gidHex, stored, stored.item);
    } else {
      this.refuse(seq, 'unreadable', 'the stored item is on the wrong subject');
    }
    this.wake();
    if (this.refused.size > 0) this.forgetOldRefusals();
  }

  private applyChange(
    seq: number,
    gidHex: string,
    stored: Parameters<typeof itemOut>[2],
    change: GroupChange,
  ): void {
    let log = this.logs.get(gidHex);
    if (!log) {
      log = { changes: [], lastSeq: 0 };
      this.logs.set(gidHex, log);
    }
    // Publishes are conditional on this seq, whatever the change's fate.
    log.lastSeq = seq;
    const current = this.registry.get(gidHex);
    let next: ReturnType<typeof recordOf>;
    try {
      next = recordOf(gidHex, applyChange(current?.state ?? null, change), change, current);
    } catch (err) {
      this.log.warn('stored group change does not apply; skipped', {
        group: gidHex.slice(0, 16),
        ...describeError(err),
      });
      this.refuse(seq, 'bad-change', describeError(err).message);
      return;
    }
    log.changes.push(change);
    let ledger = this.ledgers.get(gidHex);
    if (!ledger) {
      ledger = new GroupLedger();
      this.ledgers.set(gidHex, ledger);
    }
    const { joined, left } = membershipOf(change);
    for (const userHex of joined) ledger.join(userHex, seq);
    for (const userHex of left) {
      ledger.leave(userHex, seq);
      this.ledgers.owe(userHex, gidHex);
    }
    const recipients = current
      ? [...new Set([...current.memberHexes, ...next.memberHexes])]
      : [...next.memberHexes];
    this.registry.set(next);
    this.hold(ledger, seq, stored);
    const early = this.early.get(gidHex);
    for (const userHex of joined) {
      const cursor = early?.get(userHex);
      if (cursor !== undefined) ledger.ack(userHex, cursor);
      early?.delete(userHex);
    }
    if (early?.size === 0) this.early.delete(gidHex);
    this.hub.deliverGroup(itemOut(gidHex, seq, stored), recipients);
  }

  private applyMessage(
    seq: number,
    gidHex: string,
    stored: Parameters<typeof itemOut>[2],
    message: { from: Uint8Array; body: Uint8Array },
  ): void {
    const group = this.registry.get(gidHex);
    const ledger = this.ledgers.get(gidHex);
    if (!group || !ledger || !group.members.has(toHex(message.from))) {
      this.refuse(seq, 'not-member', 'you are not a member of this group');
      return;
    }
    let epoch: number;
    try {
      epoch = peekGroupMessageHeader(message.body).epoch;
    } catch {
      this.refuse(seq, 'unreadable', 'the body is not a group message');
      return;
    }
    if (epoch !== group.state.epoch) {
      this.refuse(
        seq,
        'stale-epoch',
        `stale epoch ${epoch}: the group is at epoch ${group.state.epoch}`,
      );
      return;
    }
    this.hold(ledger, seq, stored);
    this.hub.deliverGroup(itemOut(gidHex, seq, stored), group.memberHexes);
  }

  private hold(ledger: GroupLedger, seq: number, stored: Parameters<typeof itemOut>[2]): void {
    ledger.lastIssued = seq;
    ledger.addItem({
      gseq: seq,
      bytes: stored.item.kind === 'message' ? stored.item.body.length : 0,
      storedAtMs: stored.storedAtMs,
    });
  }

  private refuse(seq: number, kind: Refused['kind'], reason: string): void {
    this.refused.set(seq, { kind, reason, atMs: this.clock.now() });
  }

  private forgetOldRefusals(): void {
    const cutoff = this.clock.now() - REFUSAL_KEEP_MS;
    for (const [seq, r] of this.refused) {
      if (r.atMs >= cutoff) break;
      this.refused.delete(seq);
    }
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.seq <= this.applied) w.resolve(true);
      else still.push(w);
    }
    this.waiters = still;
  }
}
