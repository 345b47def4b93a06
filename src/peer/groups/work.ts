/**
 * One unit of group work (a tick's stream items, the shares of a 1:1 batch, a send):
 * what it changes, collected in memory, written as one batch, and announced only once
 * that batch is durable. Group work runs one unit at a time (units.ts), so a
 * unit sees the states as the previous one left them; nothing reaches the book
 * (book.ts) until commit(), so a unit whose batch fails to write changes nothing.
 */

import type { GroupState } from '../../crypto/group-log.js';
import type { ReceiverChain } from '../../crypto/sender-keys.js';
import { decodeGroupChangeRecord, encodeGroupChangeRecord } from '../../wire/codec.js';
import type { GroupChange } from '../../wire/types.js';
import type {
  ConversationNotice,
  DamagedMessage,
  PeerEventMap,
  PeerEvents,
  ReceivedMessage,
} from '../events.js';
import type { IncomingRecord } from '../files/records.js';
import type { KvOp } from '../store.js';
import { GroupBook } from './book.js';
import type { MyChain, SenderKeys } from './chains.js';
import { type FormerName, renamesIn } from './former-names.js';
import type { HeldGroupMessages } from './held.js';
import { groupKeys } from './keys.js';

/** Counters kept across units (part of PeerStats). */
export interface WorkStats {
  damagedMessages: number;
}

interface Touched {
  gid: string;
  epoch: number;
  sender: string;
  chain: ReceiverChain | undefined;
  changed: boolean;
}

export class GroupWork {
  readonly ops: KvOp[] = [];
  readonly shown: ReceivedMessage[] = [];
  readonly held: PeerEventMap['message:held'][] = [];
  readonly damaged: DamagedMessage[] = [];
  readonly changed: PeerEventMap['group:changed'][] = [];
  readonly warnings: PeerEventMap['group:warning'][] = [];
  /** Gaps in senders' chains and groups stopped at the held bound (notices.ts). */
  readonly notices: ConversationNotice[] = [];
  /** File offers this unit recorded (docs/files.md), decided once it is durable. */
  readonly offers: IncomingRecord[] = [];
  /** "sender hex!msg id hex" of each message this work opened: a copy later in the unit is caught. */
  readonly opened = new Set<string>();
  /** Outbox entries were queued: the sender is kicked once they are durable. */
  queued = false;
  private readonly states = new Map<string, GroupState>();
  private readonly gseqs = new Map<string, number>();
  private readonly receivers = new Map<string, Touched>();
  /** Bytes (held.ts heldCost) this work held (+) and let go of (-), per group. */
  private readonly heldDeltas = new Map<string, number>();
  /** Messages this work held (+) and let go of (-), per group. */
  private readonly heldCounts = new Map<string, number>();
  private readonly mines = new Map<string, { gid: string; epoch: number; mine?: MyChain }>();
  private readonly logs = new Map<string, GroupChange>();

  constructor(
    readonly now: number,
    private readonly book: GroupBook,
    private readonly keys: SenderKeys,
    private readonly heldStore: HeldGroupMessages,
    private readonly stats: WorkStats,
  ) {}

  /** When the item being taken arrived (GroupStream sets it; stamp()). */
  itemAtMs: number | undefined = undefined;

  /**
   * The receipt time of the item being taken: when it arrived (GroupStream numbers arrivals
   * a millisecond apart at least), else `now`. The chat orders a conversation by receipt
   * time, so a catch-up's messages and changes keep the log's order on screen, also a
   * message held for its sender's key and opened in a later unit (a trial saw "renamed
   * the group" below a message sent after it).
   */
  stamp(): number {
    return this.itemAtMs ?? this.now;
  }

  /** The group's state as this work left it so far (undefined: not a group I know). */
  state(gid: string): GroupState | undefined {
    return this.states.get(gid) ?? this.book.get(gid)?.state;
  }

  setState(gid: string, state: GroupState): void {
    this.states.set(gid, state);
  }

  /** The highest gseq applied so far (-1: none). */
  gseq(gid: string): number {
    return this.gseqs.get(gid) ?? this.book.get(gid)?.gseq ?? -1;
  }

  setGseq(gid: string, gseq: number): void {
    if (gseq > this.gseq(gid)) this.gseqs.set(gid, gseq);
  }

  /** The receiver chain of (group, epoch, sender hex), read once per unit. */
  async receiver(gid: string, epoch: number, sender: string): Promise<ReceiverChain | undefined> {
    const key = `${gid}!${epoch}!${sender}`;
    let t = this.receivers.get(key);
    if (t === undefined) {
      t = {
        gid,
        epoch,
        sender,
        chain: await this.keys.receiver(gid, epoch, sender),
        changed: false,
      };
      this.receivers.set(key, t);
    }
    return t.chain;
  }

  /** `chain` is (now) the receiver chain of (group, epoch, sender): written with the batch. */
  setReceiver(gid: string, epoch: number, sender: string, chain: ReceiverChain): void {
    this.receivers.set(`${gid}!${epoch}!${sender}`, { gid, epoch, sender, chain, changed: true });
  }

  /** My sender chain of (group, epoch), read once per unit. */
  async mine(gid: string, epoch: number): Promise<MyChain | undefined> {
    const key = `${gid}!${epoch}`;
    let slot = this.mines.get(key);
    if (slot === undefined) {
      const mine = await this.keys.mine(gid, epoch);
      slot = mine === undefined ? { gid, epoch } : { gid, epoch, mine };
      this.mines.set(key, slot);
    }
    return slot.mine;
  }

  /** `mine` changed (it sealed, or shared): written with the batch. */
  setMine(gid: string, epoch: number, mine: MyChain): void {
    this.mines.set(`${gid}!${epoch}`, { gid, epoch, mine });
    this.ops.push(...this.keys.mineOps(gid, epoch, mine));
  }

  /** The group's chains of epochs before `epoch` go (chains.ts dropBefore). */
  async dropChainsBefore(gid: string, epoch: number): Promise<void> {
    this.ops.push(...(await this.keys.dropBefore(gid, epoch)));
    for (const [key, t] of this.receivers) {
      if (t.gid === gid && t.epoch < epoch) this.receivers.delete(key);
    }
    for (const [key, m] of this.mines) {
      if (m.gid !== gid || m.epoch >= epoch) continue;
      // Written earlier in this unit (a share to a member added just before): undone too.
      this.ops.push({ type: 'del', key: groupKeys.mine(gid, m.epoch) });
      this.mines.delete(key);
    }
  }

  /** A change joins the group's stored log. */
  putLog(gid: string, change: GroupChange): void {
    this.logs.set(`${gid}!${change.seq}`, change);
    this.ops.push({
      type: 'put',
      key: groupKeys.log(gid, change.seq),
      value: encodeGroupChangeRecord(change),
    });
  }

  /** Group `gid`'s former names, the renames this work logged included (former-names.ts). */
  formerNames(gid: string): readonly FormerName[] {
    const logged = [...this.logs]
      .filter(([key]) => key.startsWith(`${gid}!`))
      .map(([, c]) => c)
      .sort((a, b) => a.seq - b.seq);
    const known = this.book.former.of(gid);
    if (logged.length === 0) return known;
    return [...known, ...renamesIn(logged, this.book.get(gid)?.state.name ?? null)];
  }

  /** The change at `seq` of the group's stored log (this unit's included), if any. */
  async logged(gid: string, seq: number): Promise<GroupChange | undefined> {
    const here = this.logs.get(`${gid}!${seq}`);
    if (here !== undefined) return here;
    const bytes = await this.keys.logRecord(gid, seq);
    return bytes === undefined ? undefined : decodeGroupChangeRecord(bytes);
  }

  /** Whether `cost` more bytes of sealed messages fit the group's bound (held.ts), this work's counted. */
  async heldRoom(gid: string, cost: number): Promise<boolean> {
    const bytes = (await this.heldStore.usage(gid)) + (this.heldDeltas.get(gid) ?? 0);
    return bytes + cost <= this.heldStore.maxGroupBytes;
  }

  /** This work held (`bytes` > 0) or let go of (< 0) sealed messages of the group. */
  heldBytes(gid: string, bytes: number): void {
    this.heldDeltas.set(gid, (this.heldDeltas.get(gid) ?? 0) + bytes);
    this.heldCounts.set(gid, (this.heldCounts.get(gid) ?? 0) + Math.sign(bytes));
  }

  /** How many sealed messages the group holds with this work's counted. */
  async heldCount(gid: string): Promise<number> {
    return (await this.heldStore.count(gid)) + (this.heldCounts.get(gid) ?? 0);
  }

  /** Everything to write, in one batch. */
  batch(): KvOp[] {
    const ops = [...this.ops];
    for (const t of this.receivers.values()) {
      if (t.changed && t.chain !== undefined) {
        ops.push(...this.keys.receiverOps(t.gid, t.epoch, t.sender, t.chain));
      }
    }
    for (const [gid, state] of this.states) ops.push(...GroupBook.stateOps(gid, state));
    for (const [gid, gseq] of this.gseqs) ops.push(...GroupBook.seqOps(gid, gseq));
    return ops;
  }

  /** The batch is durable: the book holds what this work changed. */
  commit(): void {
    this.heldStore.settle(this.heldDeltas);
    const gids = new Set([...this.states.keys(), ...this.gseqs.keys()]);
    // Before the states: the renames walk on from the names the book held until now.
    for (const gid of this.states.keys()) this.book.former.set(gid, this.formerNames(gid));
    for (const gid of gids) {
      const state = this.states.get(gid);
      const gseq = this.gseqs.get(gid);
      this.book.commit(gid, {
        ...(state === undefined ? {} : { state }),
        ...(gseq === undefined ? {} : { gseq }),
      });
    }
  }

  /** Tells the UI, in the order things happened per kind; call after commit(). */
  announce(events: PeerEvents): void {
    this.stats.damagedMessages += this.damaged.length;
    for (const w of this.warnings) events.emit('group:warning', w);
    for (const c of this.changed) events.emit('group:changed', c);
    for (const d of this.damaged) {
      events.emit('message:rejected', { msgId: d.msgId, reason: d.reason });
      events.emit('message:damaged', d);
    }
    for (const m of this.shown) events.emit('message:received', m);
    for (const h of this.held) events.emit('message:held', h);
    for (const n of this.notices) events.emit('conversation:notice', n);
  }
}
