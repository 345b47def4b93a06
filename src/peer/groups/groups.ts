/**
 * The client core's groups (issue 11, docs/groups.md "Client"): the parts of this
 * folder, made once per profile, behind the methods the facade (client.ts) calls.
 * All group work that touches chains or states runs one unit at a time (units.ts).
 */
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { FileOffer, Frame, FrameOf } from '../../wire/types.js';
import type { Contacts } from '../contacts.js';
import { type ConversationId, parseConversationId } from '../conversations/ids.js';
import { PeerCode, peerError } from '../errors.js';
import type { GroupInfo, GroupUpdate, PeerEvents } from '../events.js';
import type { OfferSink } from '../files/offer-sink.js';
import type { LookupAnswer, LookupBy } from '../link/lookups.js';
import type { Requests } from '../link/requests.js';
import type { DamagedReports } from '../messaging/damaged.js';
import type { History } from '../messaging/history.js';
import { ConversationNotices } from '../messaging/notices.js';
import type { Outbox } from '../messaging/outbox.js';
import { toReceived } from '../messaging/received-entry.js';
import type { PeerStore } from '../store.js';
import { ChangeApplier } from './apply.js';
import { GroupBook } from './book.js';
import { SenderKeys } from './chains.js';
import { HeldGroupMessages } from './held.js';
import { groupInfo } from './info.js';
import { MemberNames } from './members.js';
import { type ChangeSigner, Membership } from './membership.js';
import { GroupMessages } from './receive.js';
import { GroupResends } from './resend.js';
import { GroupSender } from './send.js';
import { Shares } from './shares.js';
import { type IncomingShare, IncomingShares } from './shares-in.js';
import { GroupStream } from './stream.js';
import { GroupUnits } from './units.js';
import { GroupUpdates } from './updates.js';

export interface GroupsDeps {
  me: { userId: Uint8Array; pseudonym: string };
  store: PeerStore;
  contacts: Contacts;
  blocks?: { has(userId: string): boolean };
  history: History;
  outbox: Outbox;
  damaged: DamagedReports;
  events: PeerEvents;
  requests: Pick<Requests, 'request'>;
  lookups: { request(by: LookupBy): Promise<LookupAnswer> };
  link: { send(frame: Frame): boolean; readonly ready?: boolean };
  sign: ChangeSigner;
  clock: Clock;
  logger: Logger;
  /** A group item arrived: the inbox wait's idle clock starts again. */
  activity: () => void;
  /** Outbox entries were queued: send them. */
  kick: () => void;
  /** How long my change may take to come back in my stream (membership.ts). */
  appliedWaitMs?: number;
  /** Where file offers to a group go (files/transfers.ts). */
  offers?: OfferSink;
  /** What a group's messages waiting for their sender's key may take (held.ts; tests lower it). */
  maxHeldGroupBytes?: number | undefined;
}

/** What Groups.load() read. */
export interface GroupsLoaded {
  book: GroupBook;
  names: Map<string, string>;
}

export class Groups {
  /** Our clock, at the last Ready (0: never). */
  private readyAtMs = 0;
  private readonly book: GroupBook;
  private readonly names: MemberNames;
  private readonly updates: GroupUpdates;
  private readonly units: GroupUnits;
  private readonly held: HeldGroupMessages;
  private readonly shares: Shares;
  private readonly sender: GroupSender;
  private readonly stream: GroupStream;
  private readonly resends: GroupResends;
  private readonly sharesIn: IncomingShares;
  private readonly membership: Membership;

  /** `loaded`: what load() read from the profile. */
  constructor(
    private readonly d: GroupsDeps,
    loaded: GroupsLoaded,
  ) {
    const book = loaded.book;
    const names = new MemberNames(d, loaded.names);
    const keys = new SenderKeys(d.store);
    const held = new HeldGroupMessages(d.store, d.maxHeldGroupBytes);
    const units = new GroupUnits({ ...d, book, keys, held });
    const shares = new Shares({ ...d, names });
    const sender = new GroupSender({ ...d, shares });
    // Gaps and a stop at the held bound (notices.ts) are written with the unit that saw them,
    // under the same keys as 1:1's notices, and taken with them (takeNotices()).
    const notices = new ConversationNotices(d.store);
    const resends = new GroupResends({ ...d, asked: () => this.stream.asked() });
    const messages = new GroupMessages({ ...d, names, held, notices, resends });
    const updates = new GroupUpdates(d.store);
    const applier = new ChangeApplier({ ...d, names, shares, sender, updates });
    this.book = book;
    this.names = names;
    this.updates = updates;
    this.units = units;
    this.held = held;
    this.shares = shares;
    this.sender = sender;
    this.resends = resends;
    this.stream = new GroupStream({ ...d, units, names, applier, messages, resends });
    this.sharesIn = new IncomingShares({ ...d, book, keys, held, messages });
    this.membership = new Membership({ ...d, book, names, units, applier });
  }

  /** Reads the groups and members' names from the profile (before the parts are made). */
  static async load(store: PeerStore, clock: Clock): Promise<GroupsLoaded> {
    return {
      book: await GroupBook.load(store, clock),
      names: await MemberNames.loadNames(store),
    };
  }

  /** Every group I am or was in, by name. */
  list(): GroupInfo[] {
    return this.book
      .entries()
      .map(([gid]) => this.infoOf(gid))
      .sort((a, b) => a.name.localeCompare(b.name) || a.groupId.localeCompare(b.groupId));
  }

  /** The group `ref` names (book.ts resolve()). */
  info(ref: string): GroupInfo {
    return this.infoOf(this.book.resolve(ref, this.d.me.userId, this.names));
  }

  async create(name: string, members: readonly string[]): Promise<GroupInfo> {
    return this.infoOf(await this.membership.create(name, members));
  }

  async add(ref: string, member: string): Promise<GroupInfo> {
    const gid = this.book.resolve(ref, this.d.me.userId, this.names);
    await this.membership.add(gid, member);
    return this.infoOf(gid);
  }

  async about(
    ref: string,
    op: 'remove' | 'promote' | 'demote',
    member: string,
  ): Promise<GroupInfo> {
    const gid = this.book.resolve(ref, this.d.me.userId, this.names);
    await this.membership.about(gid, op, member);
    return this.infoOf(gid);
  }

  async rename(ref: string, name: string): Promise<GroupInfo> {
    const gid = this.book.resolve(ref, this.d.me.userId, this.names);
    await this.membership.rename(gid, name);
    return this.infoOf(gid);
  }

  async leave(ref: string): Promise<void> {
    await this.membership.leave(this.book.resolve(ref, this.d.me.userId, this.names));
  }

  send(ref: string, text: string): Promise<{ msgId: string; conversation: ConversationId }> {
    const gid = this.book.resolve(ref, this.d.me.userId, this.names);
    return this.units.run((work) => this.sender.compose(work, gid, text));
  }

  /** A file offer to group `gid` (hex), queued like a message; `line` is the history's. */
  sendOffer(
    gid: string,
    offer: FileOffer,
    line: string,
  ): Promise<{ msgId: string; conversation: ConversationId }> {
    return this.units.run((work) => this.sender.compose(work, gid, line, offer));
  }

  /** Applied and refused changes no UI has taken yet, oldest first; each returned once. */
  takeUpdates(): Promise<GroupUpdate[]> {
    return this.updates.take();
  }

  /** A GroupDeliver frame from the relay, or a GroupResendResult (in the same order). */
  push(frame: FrameOf<'group-deliver' | 'group-resend-result'>): void {
    this.stream.push(frame);
  }

  /**
   * Shares from a 1:1 batch; resolves once they (and what they opened) are durable, and
   * a group stopped at the held bound whose held messages all opened asked for the rest.
   */
  acceptShares(shares: readonly IncomingShare[]): Promise<void> {
    let drained: string[] = [];
    return this.units.run(
      async (work) => {
        drained = await this.resends.drainedIn(work, await this.sharesIn.accept(work, shares));
      },
      () => this.resends.ask(drained, (gid) => this.book.get(gid)?.gseq ?? -1),
    );
  }

  /**
   * The user decided about `name` (trust()): group messages held from them are shown
   * now, and shares owed to members whose card is now pinned are queued. Returns how
   * many messages were released.
   */
  async trusted(name: string): Promise<number> {
    const released = await this.units.run(async (work) => {
      const { entries, ops } = await this.held.releaseTrust(name);
      work.ops.push(...ops);
      for (const e of entries) {
        work.ops.push(...this.d.history.appendOps(e, { unread: true, atMs: work.now }));
        work.shown.push(this.received(e));
      }
      return entries;
    });
    const by = new Map<ConversationId, number>();
    for (const e of released) by.set(e.conversation, (by.get(e.conversation) ?? 0) + 1);
    for (const [conversation, count] of by) {
      this.d.events.emit('message:released', { conversation, count });
    }
    await this.settleOwed();
    return released.length;
  }

  /**
   * A new session with a relay announcing `features` (Challenge.features): every group
   * runs again from the relay's cursor; shares owed to members whose cards were unknown
   * may go now.
   */
  onReady(features: number): void {
    this.readyAtMs = this.d.clock.now();
    this.resends.newSession(features);
    this.settleOwed().catch((err: unknown) =>
      this.d.logger.warn('could not queue owed sender keys', describeError(err)),
    );
  }

  /**
   * After a Ready: resolves once no group item has come for `quietMs` (the relay
   * pushes each group's backlog at login, but Ready.pending counts only 1:1 mail, so
   * there is no count to wait for) or at `timeoutMs`, and what came is handled.
   */
  async caughtUp(quietMs: number, timeoutMs: number): Promise<void> {
    const { clock } = this.d;
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      const quietAt = Math.max(this.readyAtMs, this.stream.lastItemAtMs) + quietMs;
      const wait = Math.min(quietAt, deadline) - clock.now();
      if (wait <= 0) break;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, wait));
    }
    await this.idle();
  }

  /** Resolves once everything received so far has been handled. */
  async idle(): Promise<void> {
    this.stream.flush();
    await this.units.idle();
  }

  /** The name of the group of `conversation` now, if it is a group of mine. */
  nameOf(conversation: ConversationId): string | undefined {
    const ref = parseConversationId(conversation);
    return ref.kind === 'group' ? this.book.get(ref.groupId)?.state.name : undefined;
  }

  /** Group messages dropped as damaged or forged since open (part of PeerStats). */
  damagedMessages(): number {
    return this.units.stats.damagedMessages;
  }

  /** A received history entry as the UI sees it, with its group's name. */
  received(e: Parameters<typeof toReceived>[0]): ReturnType<typeof toReceived> {
    const name = this.nameOf(e.conversation);
    return name === undefined ? toReceived(e) : { ...toReceived(e), group: { name } };
  }

  private infoOf(gid: string): GroupInfo {
    const entry = this.book.get(gid);
    if (entry === undefined) {
      throw peerError(PeerCode.Internal, `group: ${gid.slice(0, 8)} is not applied here yet`);
    }
    return groupInfo(gid, entry.state, this.names, this.d.me.userId, this.book.former.of(gid));
  }

  private settleOwed(): Promise<void> {
    return this.units.run(async (work) => {
      const ops = await this.shares.settleOwedOps(work.now);
      work.ops.push(...ops);
      work.queued ||= ops.length > 0;
    });
  }
}
