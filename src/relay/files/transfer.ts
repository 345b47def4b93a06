/**
 * One stored transfer in memory: its record, how many chunks are durable (`have`), each
 * recipient's state, who may upload now (the upload epoch), and the downloads that wait
 * for `have` to grow. The owner of the durable state is RelayFiles (service.ts); this
 * class only keeps it consistent in memory and tells watchers when it moves.
 */
import { fromHex } from '../../util/bytes.js';
import type { FileCodeValue } from './codes.js';
import { ChunkLayout } from './layout.js';
import type { RecipientState, TransferRecord } from './records.js';

/** A download as the transfer sees it: woken when `have` grows, stopped on delete. */
/** Why a transfer went away under its downloads (service.ts remove): told to each downloader. */
export interface TransferGone {
  code: FileCodeValue;
  reason: string;
}

export interface TransferWatcher {
  /** The downloading user. */
  readonly userHex: string;
  wake(): void;
  /** The download ends; `gone`: because the transfer was deleted under it. */
  stop(gone?: TransferGone): void;
}

export class Transfer {
  readonly layout: ChunkLayout;
  private have_: number;
  private readonly states: Map<string, RecipientState>;
  private readonly watchers = new Set<TransferWatcher>();
  /**
   * Bumped by every FilePut that (re)claims the upload, by a failed write and by deletion:
   * chunks queued under an older epoch are dropped unwritten, so only one session uploads.
   */
  private epoch_ = 0;
  private deleted_ = false;
  private transferId_: Uint8Array | null = null;
  /** The blob file's directory entry is durable (synced after its first write). */
  blobCreated: boolean;

  constructor(
    readonly record: TransferRecord,
    have: number,
    done: ReadonlyMap<string, RecipientState> = new Map(),
  ) {
    this.layout = new ChunkLayout(record.size, record.chunkBytes);
    this.have_ = Math.min(have, this.layout.count);
    this.blobCreated = have > 0;
    this.states = new Map(record.recipients.map((r) => [r, done.get(r) ?? 'pending']));
  }

  get tidHex(): string {
    return this.record.tidHex;
  }
  /** The id as bytes, made once: every ack and every chunk frame names it (never mutated). */
  get transferId(): Uint8Array {
    this.transferId_ ??= fromHex(this.record.tidHex);
    return this.transferId_;
  }
  get uploaderHex(): string {
    return this.record.uploaderHex;
  }
  get have(): number {
    return this.have_;
  }
  get complete(): boolean {
    return this.have_ >= this.layout.count;
  }
  get epoch(): number {
    return this.epoch_;
  }
  get deleted(): boolean {
    return this.deleted_;
  }

  /** A new uploader claim (or a failure): returns the epoch its chunks must carry. */
  newEpoch(): number {
    return ++this.epoch_;
  }

  /** More chunks are durable: wakes every download parked at the old front. */
  advance(have: number): void {
    if (have <= this.have_) return;
    this.have_ = Math.min(have, this.layout.count);
    for (const w of [...this.watchers]) w.wake();
  }

  /** Lowers `have` to what the blob really holds (start-up, after a short blob). */
  resetHave(have: number): void {
    this.have_ = Math.min(have, this.layout.count);
  }

  /** Whether `userHex` may fetch: a recipient that has not said FileDone. */
  isWaitingFor(userHex: string): boolean {
    return !this.deleted_ && this.states.get(userHex) === 'pending';
  }

  /** A recipient's state (pending for anyone else). */
  stateOf(userHex: string): RecipientState {
    return this.states.get(userHex) ?? 'pending';
  }

  isRecipient(userHex: string): boolean {
    return this.states.has(userHex);
  }

  /** A recipient's FileDone: their downloads in every session stop. */
  setState(userHex: string, state: RecipientState): void {
    if (!this.states.has(userHex)) return;
    this.states.set(userHex, state);
    if (state === 'pending') return;
    for (const w of [...this.watchers]) if (w.userHex === userHex) w.stop();
  }

  /** Every recipient has said FileDone. */
  get allDone(): boolean {
    for (const s of this.states.values()) if (s === 'pending') return false;
    return true;
  }

  watch(w: TransferWatcher): void {
    this.watchers.add(w);
  }

  unwatch(w: TransferWatcher): void {
    this.watchers.delete(w);
  }

  /** Marks it deleted: uploads are dropped and every download stops (told `gone`). Idempotent. */
  markDeleted(gone?: TransferGone): void {
    if (this.deleted_) return;
    this.deleted_ = true;
    this.epoch_++;
    for (const w of [...this.watchers]) w.stop(gone);
    this.watchers.clear();
  }
}
