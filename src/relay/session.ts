/**
 * One client connection: the state machine (DESIGN.md §4) and the outgoing queue; the incoming
 * side (inbound.ts), delivery (delivery.ts), group delivery (groups/delivery.ts) and files
 * (files/session-files.ts) are its parts. It takes any Duplex, so unit tests drive it through an
 * in-memory pair. Handlers change its state only through its methods. Hostile input ends this
 * session with a coded Error frame, never the relay.
 *
 * Every byte held for the connection has a budget (issue 8, findings 2 and 5):
 * - queued output: past the soft budget the session stops being read (frames already received
 *   wait in the inbound backlog); if it stays there for slowConsumerTimeoutMs, or reaches the
 *   hard cap at all (the roster aside: sendRoster), it is closed with E_SLOW_CONSUMER.
 *   Mail pushes stop earlier (maxSessionBufferedBytes).
 * - incoming bytes: a partial frame, and rated frames held for a token (inbound.ts).
 * - all of it counts towards the relay-wide budget (budget.ts), through the session's share
 *   (the roster aside again: docs/decisions.md, "A newcomer's roster and the budgets").
 */
import type { Duplex } from 'node:stream';
import { encodeFrame } from '../wire/codec.js';
import type { Card, Frame, Status, StatusSignature } from '../wire/types.js';
import type { BudgetShare } from './budget.js';
import type { RelayContext } from './context.js';
import type { SessionDelivery } from './delivery.js';
import { dispatch, type RateClass } from './dispatch.js';
import { type RelayWireCode, SessionCode } from './errors.js';
import type { FileCodeValue } from './files/codes.js';
import { type FileLink, SessionFiles } from './files/session-files.js';
import { GroupDelivery, type GroupItemOut } from './groups/index.js';
import { Inbound, type InboundLink } from './inbound.js';
import { CLOSE_LINGER_MS, SLOW_CONSUMER_HARD_FACTOR } from './limits.js';
import type { MailDone, StoredMail } from './mail-store.js';
import { type KeptAckCode, mayWait, Outbound } from './outbound.js';

export type SessionState = 'hello' | 'challenge' | 'auth' | 'ready' | 'closing';

let nextSessionId = 1;

export class Session implements FileLink, InboundLink {
  readonly id = nextSessionId++;
  private state_: SessionState = 'hello';
  private challenge_: Uint8Array | null = null;
  private features_ = 0;
  private card_: Card | null = null;
  private quiet_ = false;
  private userHex_ = '';
  private status_: Status = 'online';
  private statusText_ = '';
  private signedStatus_: StatusSignature | null = null;

  private readonly inbound: Inbound;
  private readonly outbound: Outbound;
  private readonly delivery: SessionDelivery;
  /** Group delivery on this connection (GroupResend rewinds it: handlers/group-resend.ts). */
  readonly groupDelivery: GroupDelivery;
  private readonly budgetShare: BudgetShare<Session>;
  mailDone: MailDone | null = null;
  /** Uploads and downloads of files (files/session-files.ts). */
  readonly files: SessionFiles;

  /**
   * `stream`: the cleartext side of the TLS channel (listener.ts), or an in-memory pair in
   * unit tests; `channelBinding`: its TLS exporter (crypto/tls-cert.ts), signed by Register
   * and Login (handlers/auth.ts).
   */
  constructor(
    readonly stream: Duplex,
    readonly ctx: RelayContext,
    readonly remote: string,
    readonly channelBinding: Uint8Array,
  ) {
    const { limits } = ctx;
    this.inbound = new Inbound(stream, this, (frame) => dispatch(this, frame), ctx);
    this.outbound = new Outbound(stream, () => this.afterWrite(), ctx.delayedAcks);
    const log = ctx.log.child({ session: this.id });
    this.delivery = ctx.mailbox.deliveryFor(this, limits, log);
    this.groupDelivery = new GroupDelivery(this, ctx.groups.streams, limits, log);
    this.files = new SessionFiles(this, ctx.files, limits, log);
    this.budgetShare = ctx.budget.share(this);
    stream.on('drain', () => this.afterWrite());
    // A reset is not worth a log line; node:tls reports an altered record without closing.
    stream.on('error', () => stream.destroy());
    stream.on('close', () => this.onClose());
  }

  get state(): SessionState {
    return this.state_;
  }
  /** Set by the Hello handler (issueChallenge). */
  get challenge(): Uint8Array | null {
    return this.challenge_;
  }
  /** The client understands this CLIENT_FEATURE_* bit (Hello.features; wire/limits.ts). */
  understands(feature: number): boolean {
    return (this.features_ & feature) !== 0;
  }
  /** Set on login. */
  get card(): Card | null {
    return this.card_;
  }
  get userHex(): string {
    return this.userHex_;
  }
  get status(): Status {
    return this.status_;
  }
  get statusText(): string {
    return this.statusText_;
  }
  /** The user's signature over status and statusText; null until the client sends SetStatus. */
  get signedStatus(): StatusSignature | null {
    return this.signedStatus_;
  }
  get ready(): boolean {
    return this.state_ === 'ready';
  }
  /** Logged in quietly (Login.quiet): not announced in the roster (hub.ts). */
  get quiet(): boolean {
    return this.quiet_;
  }

  /** Bytes accepted for this connection and not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.outbound.bufferedBytes;
  }

  /** What the relay holds for this connection alone (output, partial frame, backlog, files): not its roster. */
  get heldBytes(): number {
    return this.outbound.ownBytes + this.inbound.heldBytes + this.files.heldBytes;
  }

  /** For the incoming side's read gate: file chunk bytes waiting for disk. */
  get fileUploadBytes(): number {
    return this.files.uploadBytes;
  }

  /** For the file state: what it holds changed. */
  heldChanged(): void {
    if (this.isClosing()) return;
    this.account();
    this.inbound.update();
  }

  /** A method, not a field read: handlers change the state behind TypeScript's narrowing. */
  isClosing(): boolean {
    return this.state_ === 'closing';
  }

  /** Hello answered: the login must sign this challenge. `features`: Hello.features. */
  issueChallenge(challenge: Uint8Array, features: number): void {
    this.challenge_ = challenge;
    this.features_ = features;
    this.state_ = 'challenge';
  }

  /** Register or Login verified; the relay is storing or checking it. */
  startAuth(): void {
    this.state_ = 'auth';
  }

  /** Moves to `ready`: lifts the frame limit and starts delivering stored mail. */
  becomeReady(card: Card, quiet: boolean): void {
    this.state_ = 'ready';
    this.card_ = card;
    this.quiet_ = quiet;
    this.userHex_ = Buffer.from(card.userId).toString('hex');
    this.inbound.ready();
    this.delivery.start();
    this.groupDelivery.start();
  }

  /** A status the user signed (the SetStatus handler checked `signed`). */
  setStatus(status: Status, text: string, signed: StatusSignature): void {
    this.status_ = status;
    this.statusText_ = text;
    this.signedStatus_ = signed;
  }

  offer(mail: StoredMail): void {
    this.delivery.offer(mail);
  }
  offerEarly(mail: StoredMail, prevSeq: number): boolean {
    return this.delivery.offerEarly(mail, prevSeq);
  }
  /** DeliverAck: this user has these mails safe. */
  acked(seqs: readonly number[]): void {
    this.delivery.ack(seqs);
  }
  offerGroup(item: GroupItemOut): void {
    this.groupDelivery.offer(item);
  }
  offerGroupEarly(item: GroupItemOut, prevGseq: number): boolean {
    return this.groupDelivery.offerEarly(item, prevGseq);
  }

  /** A SendAck that is not a refusal may wait for company (limits.sendAckDelayMs); nothing else. */
  send(frame: Frame): void {
    if (mayWait(frame)) this.sendKeptAck(frame.msgId, frame.code);
    else this.sendEncoded(encodeFrame(frame));
  }

  /** Queues a kept SendAck that may wait for the next frame (Outbound.queueKeptAck). */
  sendKeptAck(msgId: Uint8Array, code: KeptAckCode): void {
    if (this.isClosing()) return;
    this.outbound.queueKeptAck(msgId, code);
    this.checkHardBudget();
  }
  /** Queues an encoded frame body; all frames of one turn go out in one write. */
  sendEncoded(body: Uint8Array): void {
    if (this.isClosing()) return;
    this.outbound.queue(body);
    this.checkHardBudget();
  }
  /** Queues a group item's shared bytes (length prefix included). */
  sendFramed(framed: Buffer): void {
    if (this.isClosing()) return;
    this.outbound.queueFramed(framed);
    this.checkHardBudget();
  }
  /**
   * Queues roster frames (roster-out.ts), shared frames the relay keeps anyway: outside the
   * hard cap and the relay-wide budget, within the soft budget and its timeout from now.
   */
  sendRoster(frames: readonly Buffer[]): void {
    if (this.isClosing()) return;
    this.outbound.queueRoster(frames);
    if (this.bufferedBytes >= this.softBudget) this.inbound.update();
  }
  private checkHardBudget(): void {
    if (this.outbound.ownBytes > this.softBudget * SLOW_CONSUMER_HARD_FACTOR)
      this.fail(SessionCode.SlowConsumer, 'session: the client does not read what it asked for');
  }

  /** For the dispatcher: a token of `rate`; without one, the session stops reading until it is due. */
  takeToken(rate: RateClass): boolean {
    return this.inbound.takeToken(rate);
  }
  /** Counts a Send awaiting its durable ack; stops reading the socket past the limit. */
  sendStarted(): void {
    this.inbound.sendStarted();
  }
  sendFinished(): void {
    this.inbound.sendFinished();
  }

  /** Ends the session with a coded Error frame (protocol fault or refusal), its last bytes. */
  fail(code: RelayWireCode | FileCodeValue, message: string): void {
    if (this.isClosing()) return;
    this.ctx.log.info('session closed on error', { session: this.id, code, remote: this.remote });
    this.outbound.queue(encodeFrame({ type: 'error', code, message: message.slice(0, 200) }));
    this.close();
  }

  /** Ends the session cleanly: flush what is queued, then close. Idempotent. */
  close(goodbye?: string): void {
    if (this.isClosing()) return;
    if (goodbye !== undefined)
      this.outbound.queue(encodeFrame({ type: 'goodbye', reason: goodbye }));
    this.state_ = 'closing';
    this.outbound.flushAll();
    this.inbound.clearTimers();
    this.files.close();
    this.ctx.budget.release(this.budgetShare);
    this.inbound.clearBacklog();
    this.stream.end();
    // A peer that never reads its last bytes must not hold the socket open.
    const t = this.ctx.clock.setTimeout(() => this.stream.destroy(), CLOSE_LINGER_MS);
    (t as { unref?: () => void }).unref?.();
  }

  /** Soft output budget for the current state: past it the session is not read. */
  get softBudget(): number {
    const { limits } = this.ctx;
    return this.ready ? limits.maxSessionQueuedBytes : limits.maxPreloginQueuedBytes;
  }

  /** After a write or a drain: budgets, reading, and a catch-up that waited for room. */
  private afterWrite(): void {
    if (this.isClosing()) return;
    this.account();
    this.inbound.written();
    this.delivery.resume();
    this.groupDelivery.resume();
    this.files.resume();
  }

  /** Reports what this session holds to the relay-wide budget. */
  account(): void {
    this.ctx.budget.update(this.budgetShare, this.isClosing() ? 0 : this.heldBytes);
  }

  private onClose(): void {
    this.inbound.clearTimers();
    this.delivery.stop();
    this.files.close();
    this.state_ = 'closing';
    this.outbound.clear();
    this.inbound.clearBacklog();
    this.ctx.budget.release(this.budgetShare);
    this.ctx.hub.remove(this);
  }
}
