/**
 * Groups across the relays of a cluster (issue 15, docs/decisions.md "Groups
 * in a cluster"): the store the sessions read (GroupStore), on one JetStream
 * stream (group-stream.ts) and a bucket of cursors (group-cursors.ts), and
 * the choreography the handlers call (group-fanout.ts). Every relay reads the
 * whole stream in order (group-applier.ts) and so holds the same registry and
 * ledgers as the others, and pushes each item to its own sessions.
 *
 * - Catch-up reads the items a member may receive after its cursor, by seq,
 *   from the stream's leader.
 * - Acks move cursors (group-cursors.ts); messages every member is past, and
 *   those past the mail TTL, are deleted from the stream (never purged: see
 *   deleteItems).
 */
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { GroupChange } from '../../wire/types.js';
import type { GroupItemOut, GroupStore } from '../groups/index.js';
import { GroupRegistry } from '../groups/registry.js';
import { resendRefusal } from '../groups/resend.js';
import type { Hub } from '../hub.js';
import type { RelayLimits } from '../limits.js';
import { type ClusterLink, GROUP_STREAM } from './connection.js';
import { GroupApplier } from './group-applier.js';
import { GroupCursors } from './group-cursors.js';
import { ClusterGroupFanout } from './group-fanout.js';
import { decodeStoredItem, ensureGroupStream, itemOut, openCursorBucket } from './group-stream.js';
import { Publisher } from './publisher.js';
import { retrying } from './retry.js';

export interface ClusterGroupsOptions {
  link: ClusterLink;
  hub: Hub;
  limits: RelayLimits;
  clock: Clock;
  log: Logger;
  isRegistered: (userHex: string) => boolean;
}

export class ClusterGroups implements GroupStore {
  readonly registry: GroupRegistry;
  private readonly applier: GroupApplier;
  private cursors: GroupCursors | null = null;
  private readonly publisher: Publisher;
  /** Messages this relay published (`<gid>.<seq>`), not yet deleted: it deletes them. */
  private readonly own = new Set<string>();
  private closed = false;

  constructor(private readonly o: ClusterGroupsOptions) {
    this.registry = new GroupRegistry({
      maxGroupsPerUser: o.limits.maxGroupsPerUser,
      maxGroupsAddedByOne: o.limits.maxGroupsAddedByOne,
      isRegistered: o.isRegistered,
    });
    this.applier = new GroupApplier(o.link, this.registry, o.hub, o.clock, o.log);
    this.publisher = new Publisher(o.link.nc, o.clock);
    const { registry, applier } = this;
    const published = (gidHex: string, seq: number) => this.own.add(`${gidHex}.${seq}`);
    const discard = (gidHex: string, seq: number) => this.deleteItems(gidHex, [seq]);
    this.fanout = new ClusterGroupFanout({ ...o, registry, applier, published, discard });
  }

  // The RelayGroups shape: the sessions read `streams`, the handlers call `fanout`.
  get streams(): GroupStore {
    return this;
  }

  readonly fanout: ClusterGroupFanout;

  async open(): Promise<void> {
    const { link, clock, log } = this.o;
    await ensureGroupStream(link, clock);
    const kv = await openCursorBucket(link, clock);
    await this.applier.start();
    this.fanout.watch();
    this.cursors = new GroupCursors(link, kv, this.applier, clock, log, (gidHex) =>
      this.moved(gidHex),
    );
    await this.cursors.start();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.cursors?.close();
    await this.applier.stop();
    this.publisher.close();
  }

  get heldItems(): number {
    return this.applier.ledgers.heldItems;
  }

  trackedGroupsOf(userHex: string): string[] {
    const { ledgers } = this.applier;
    const gids = new Set(this.registry.groupsOf(userHex));
    for (const gidHex of ledgers.departedGroupsOf(userHex)) gids.add(gidHex);
    return [...gids].filter((gidHex) => ledgers.get(gidHex)?.tracks.has(userHex));
  }

  cursorOf(gidHex: string, userHex: string): number {
    const ledger = this.applier.ledgers.get(gidHex);
    return ledger?.tracks.get(userHex)?.cursor ?? ledger?.lastIssued ?? 0;
  }

  ack(gidHex: string, userHex: string, throughGseq: number): void {
    if (this.applier.ledgers.get(gidHex)?.ack(userHex, throughGseq)) {
      this.cursors?.mark(gidHex, userHex);
    }
  }

  /** The items held after `afterGseq` that `userHex` may receive, read from the stream's leader. */
  async read(
    gidHex: string,
    userHex: string,
    afterGseq: number,
    limit: number,
  ): Promise<{ items: GroupItemOut[]; done: boolean }> {
    const ledger = this.applier.ledgers.get(gidHex);
    if (!ledger) return { items: [], done: true };
    const seqs = ledger.heldAfter(userHex, afterGseq, limit);
    const { link, clock } = this.o;
    const read = await Promise.all(
      seqs.map((seq) =>
        retrying(clock, () => link.jsm.streams.getMessage(GROUP_STREAM, { seq })).catch(
          (err: unknown) => {
            // Deleted meanwhile (every member past it, or its TTL): nothing to send.
            if ((err as { code?: number }).code === 10037) return null;
            throw err;
          },
        ),
      ),
    );
    const items: GroupItemOut[] = [];
    for (const m of read) {
      const stored = m && decodeStoredItem(m.data);
      if (m && stored) items.push(itemOut(gidHex, m.seq, stored));
    }
    return { items, done: seqs.length < limit };
  }

  resendRefusal(gidHex: string, userHex: string, afterGseq: number) {
    return resendRefusal(this.applier.ledgers.get(gidHex), userHex, afterGseq);
  }

  async readLog(
    gidHex: string,
    fromSeq: number,
    limit: number,
  ): Promise<{ changes: GroupChange[]; more: boolean }> {
    const changes = this.applier.changesFrom(gidHex, fromSeq);
    return { changes: changes.slice(0, limit), more: changes.length > limit };
  }

  sweep(): number {
    const cutoff = this.o.clock.now() - this.o.limits.mailTtlMs;
    let dropped = 0;
    for (const [gidHex, ledger] of this.applier.ledgers.entries()) {
      const gone = ledger.dropWhile((e) => e.storedAtMs < cutoff);
      dropped += gone.length;
      const firstHeld = ledger.firstHeld ?? ledger.lastIssued + 1;
      for (const userHex of ledger.tracks.keys()) {
        const last = ledger.lastEntitled(userHex);
        if (last < firstHeld && ledger.ack(userHex, last)) this.cursors?.mark(gidHex, userHex);
      }
      this.deleteItems(gidHex, gone);
    }
    return dropped;
  }

  /** Cursors moved in `gidHex`: forget, and delete, what every member is past. */
  private moved(gidHex: string): void {
    const ledger = this.applier.ledgers.get(gidHex);
    if (!ledger) return;
    for (const [userHex] of ledger.takeDone()) this.applier.ledgers.settle(userHex, gidHex);
    this.deleteItems(gidHex, ledger.dropAcknowledged());
  }

  /**
   * Deletes from the stream, one by one, the messages among `seqs` that this relay
   * published (the log stays). One deleter per message: nats-server 2.9 does not take
   * two deletes of one message at once well (a trial saw stream resets). A relay that
   * dies leaves its undeleted messages in the stream (storage only: every relay's ledger
   * lets go of them). Never a purge: 2.9 replays a purge limited to a subject as a purge
   * of the whole stream when a node recovers, which took every group's log with it in a
   * new-user trial (docs/decisions.md "No purges", "One deleter per message").
   */
  private deleteItems(gidHex: string, seqs: readonly number[]): void {
    const messages = seqs.filter((seq) => this.own.delete(`${gidHex}.${seq}`));
    if (messages.length === 0) return;
    const { clock, log } = this.o;
    void Promise.all(
      messages.map((seq) => retrying(clock, () => this.publisher.deleteMessage(GROUP_STREAM, seq))),
    ).catch((err: unknown) => {
      // Left in the stream until a restart reads it back and the ledger lets go of it again.
      if (!this.closed) log.warn('group message delete failed', describeError(err));
    });
  }
}
