/**
 * The file half of the fake core (fake-core.ts): offers and transfers in memory, as the
 * real core hands them out (issue 12), each change announced with its event. Refs are
 * id prefixes, like the core's.
 */
import type { FileTarget, OfferInfo, PeerEventMap, TransferInfo } from '../../../src/peer/index.js';
import { conversationIdOf } from '../../../src/peer/ui/text.js';
import { NatterError } from '../../../src/util/errors.js';

export class FakeFiles {
  readonly offers = new Map<string, OfferInfo>();
  readonly transfers = new Map<string, TransferInfo>();
  /** Every sendFile asked for. */
  readonly sends: { target: FileTarget; paths: string[] }[] = [];
  /** Every accept, decline and cancel asked for, as 'accept ID' / 'decline ID' / 'cancel ID'. */
  readonly calls: string[] = [];
  /** What the next send fails with (then cleared): the relay unreachable, say. */
  sendFailure: Error | null = null;
  private next = 0;

  constructor(
    private readonly core: {
      now: number;
      emit<K extends keyof PeerEventMap>(name: K, event: PeerEventMap[K]): void;
    },
  ) {}

  /** An offer from `from` arrives (in `group`'s conversation when given) and is announced. */
  offer(from: string, name: string, size: number, over: Partial<OfferInfo> = {}): OfferInfo {
    const id = this.id();
    const at = over.offeredAtMs ?? this.core.now + this.next * 1_000;
    const o: OfferInfo = {
      id,
      shortId: id.slice(0, 8),
      conversation: conversationIdOf(from),
      from,
      group: null,
      name,
      size,
      files: 0,
      mime: '',
      offeredAtMs: at,
      sentAtMs: at,
      state: 'offered',
      savedAs: null,
      error: null,
      ...over,
    };
    this.offers.set(id, o);
    this.core.emit('file:offer', { ...o });
    return o;
  }

  async send(target: FileTarget, paths: string[]): Promise<TransferInfo> {
    this.sends.push({ target, paths });
    const failure = this.sendFailure;
    this.sendFailure = null;
    if (failure) throw failure;
    const name = paths.length === 1 ? (paths[0]!.split('/').pop() ?? 'file') : 'files';
    const peer = 'to' in target ? `@${target.to}` : `#${target.group}`;
    const t = this.transfer(this.id(), 'upload', name, peer, 1000);
    return { ...t };
  }

  async accept(ref: string): Promise<TransferInfo> {
    const o = this.find(ref);
    this.calls.push(`accept ${o.id}`);
    o.state = 'accepted';
    const peer = o.group === null ? `@${o.from}` : `#${o.group}`;
    return { ...this.transfer(o.id, 'download', o.name, peer, o.size) };
  }

  async decline(ref: string): Promise<void> {
    const o = this.find(ref);
    this.calls.push(`decline ${o.id}`);
    o.state = 'declined';
    // As the core does: the download (waiting or running) ends, cancelled, no error.
    const peer = o.group === null ? `@${o.from}` : `#${o.group}`;
    const t = this.transfers.get(o.id) ?? this.transfer(o.id, 'download', o.name, peer, o.size);
    Object.assign(t, {
      state: 'cancelled',
      etaMs: null,
      ...(o.files > 0 ? { files: o.files } : {}),
    });
    this.core.emit('transfer:finished', { ...t });
  }

  /** My send taken back (a prefix), as the core does: cancelled, announced. */
  async cancel(ref: string): Promise<void> {
    const t = [...this.transfers.values()].find((x) => x.id.startsWith(ref));
    if (t === undefined) throw new NatterError('E_UNKNOWN_TRANSFER', `cancel: no transfer ${ref}`);
    this.calls.push(`cancel ${t.id}`);
    Object.assign(t, { state: 'cancelled', etaMs: null });
    this.core.emit('transfer:finished', { ...t });
  }

  /** A transfer moves on: `doneBytes` of its size, announced as the core does. */
  progress(id: string, doneBytes: number, rateBytesPerSec = 1024): void {
    const t = this.transfers.get(id)!;
    Object.assign(t, { doneBytes, rateBytesPerSec, state: 'running', etaMs: 7_000 });
    this.core.emit('transfer:progress', { ...t });
  }

  /** A download ends with the file saved at `savedAs`: finished, then received. */
  receive(id: string, savedAs: string): void {
    const t = this.transfers.get(id)!;
    Object.assign(t, { doneBytes: t.size, state: 'done', savedAs, etaMs: null });
    this.core.emit('transfer:finished', { ...t });
    const o = this.offers.get(id)!;
    Object.assign(o, { state: 'received', savedAs });
    this.core.emit('file:received', { ...o });
  }

  /** An upload is all on the relay: finished, as the core announces it. */
  uploaded(id: string): void {
    const t = this.transfers.get(id)!;
    Object.assign(t, { doneBytes: t.size, state: 'done', etaMs: null });
    this.core.emit('transfer:finished', { ...t });
  }

  /** A recipient of upload `id` answers: received or declined, announced as the core does. */
  reply(id: string, name: string, outcome: 'received' | 'declined'): void {
    const t = this.transfers.get(id)!;
    t.replies = [...t.replies, { name, outcome }];
    const conversation = (t.peer.startsWith('@') ? t.peer.toLowerCase() : t.peer) as never;
    this.core.emit('file:reply', { transfer: { ...t }, conversation, reply: { name, outcome } });
  }

  /** A transfer fails with `code`. */
  fail(id: string, code: string, message: string): void {
    const t = this.transfers.get(id)!;
    Object.assign(t, { state: 'failed', error: { code, message }, etaMs: null });
    this.core.emit('transfer:finished', { ...t });
  }

  /** Copies, as the core hands them out. */
  list(): OfferInfo[] {
    return [...this.offers.values()].map((o) => ({ ...o }));
  }

  running(): TransferInfo[] {
    return [...this.transfers.values()].map((t) => ({ ...t }));
  }

  private transfer(
    id: string,
    direction: TransferInfo['direction'],
    name: string,
    peer: string,
    size: number,
  ): TransferInfo {
    const t: TransferInfo = {
      id,
      shortId: id.slice(0, 8),
      direction,
      from: direction === 'download' ? peer.replace(/^[@#]/, '') : null,
      name,
      peer,
      size,
      doneBytes: 0,
      rateBytesPerSec: 0,
      etaMs: null,
      waitingForSender: false,
      state: 'waiting',
      savedAs: null,
      error: null,
      replies: [],
    };
    this.transfers.set(id, t);
    return t;
  }

  private find(ref: string): OfferInfo {
    const matches = [...this.offers.values()].filter((o) => o.id.startsWith(ref));
    if (matches.length !== 1) throw new NatterError('E_UNKNOWN_TRANSFER', `no offer ${ref}`);
    return matches[0]!;
  }

  /** Ids that differ in their first digits: 1a2b..., 2b3c..., ... */
  private id(): string {
    this.next++;
    return `${this.next.toString(16).padStart(4, '0')}${'ab'.repeat(14)}`;
  }
}
