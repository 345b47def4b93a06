/**
 * One upload (docs/files.md "Through the relay"): after the relay accepted the FilePut, the
 * chunks from its durable count on, sealed one at a time from the source files, with at most
 * FILE_UPLOAD_WINDOW_CHUNKS unacknowledged and never past the link's backpressure (the
 * writer's `writable`; the service calls pump() again on 'drain' and on every ack). After
 * every reconnect the FilePut is sent again and the relay's answer says where to go on: at
 * most one window is sent twice, and those chunks were never acknowledged.
 *
 * The hot path copies each byte as few times as it can: the plaintext is read into one
 * buffer reused for every chunk, sealed straight into the data region of a FileChunk frame
 * laid out ahead (chunkFrame), and that frame goes to the link as it is (sendFramed), with
 * no encoder or framing copy: one new buffer per chunk, the frame itself.
 */
import { FILE_CHUNK_TAG_BYTES, fileChunkCount, sealChunkInto } from '../../crypto/file-stream.js';
import { fromHex } from '../../util/bytes.js';
import { describeError, isNatterError } from '../../util/errors.js';
import { chunkFrame } from '../../wire/codec.js';
import type { FileRecipients, Frame, FrameOf } from '../../wire/types.js';
import type { ReplyTo, RequestBody } from '../link/requests.js';
import type { OutgoingRecord, TransferError } from './records.js';
import { StreamReader } from './stream-source.js';
import { TransferCode } from './transfer-errors.js';

/**
 * Chunks in flight (sent, not yet acknowledged) per upload: 32 × 256 KiB = 8 MiB. The relay
 * acks after one fsync per batch, and each batch costs it about 2 ms of CPU whatever its
 * size, so the window sets the batch size: 8 chunks made 390–455 batches per 256 MiB and
 * 63–96 MB/s, 48 chunks 155–162 batches and 106–119 MB/s (issue 12 bench). The relay still
 * stops reading at FILE_UPLOAD_PENDING_BYTES (4 MiB) waiting for disk; the rest waits in
 * the sockets. Also what a reconnect may resend.
 */
export const FILE_UPLOAD_WINDOW_CHUNKS = 32;
/** After a refusal for now (E_FILE_DISK_FULL in an ack), the FilePut is tried again this late. */
export const UPLOAD_RETRY_MS = 5_000;
/** Relay refusals that may pass: the upload waits and tries again, as messages do. */
const TEMPORARY = new Set([
  'E_FILE_DISK_FULL',
  // Another store failure (docs/protocol.md: try again); in a cluster, JetStream that did not
  // answer within the relay's retries, as while a NATS node is silently dead (a trial).
  'E_FILE_STORE',
  'E_INTERNAL',
  'E_OFFLINE',
  'E_REQUEST_TIMEOUT',
  'E_TOO_MANY_REQUESTS',
]);

export interface UploadDeps {
  link: {
    readonly ready: boolean;
    readonly writable: boolean;
    send(frame: Frame): boolean;
    /** A frame encoded already, length prefix included (the link's sendFramed). */
    sendFramed(bytes: Buffer): boolean;
  };
  put(body: RequestBody<'file-put'>): Promise<ReplyTo<'file-put'>>;
  /**
   * The upload moved (tell the UI) and, with `persist`, its state changed (store the
   * record). The acked count alone is not stored each time: the relay's FilePut answer is
   * what a resume goes by, so an fsync per ack would buy nothing.
   */
  changed(upload: Upload, persist: boolean): void;
  /** Retry later (a Clock timer owned by the service). */
  later(fn: () => void, ms: number): void;
  /** The relay accepted the put of a send whose offer waits for that (first-put.ts). */
  offerAccepted(record: OutgoingRecord, reply: ReplyTo<'file-put'>): Promise<void>;
}

export function recipientsOf(record: OutgoingRecord): FileRecipients {
  const r = record.recipients;
  return 'to' in r ? { to: r.to.map(fromHex) } : { groupId: fromHex(r.groupId) };
}

/** The FilePut for `record`: a new transfer, or a resume of one the relay knows. */
export function putBody(record: OutgoingRecord): RequestBody<'file-put'> {
  return {
    transferId: fromHex(record.offer.transferId),
    size: record.offer.size,
    chunkBytes: record.offer.chunkBytes,
    recipients: recipientsOf(record),
  };
}

export class Upload {
  readonly count: number;
  /** Chunks sent in all, resends included (tests hold resends to one window). */
  chunksSent = 0;
  private next = 0;
  private reader: StreamReader | null = null;
  /** The plaintext of the chunk being sealed: one buffer for the whole upload. */
  private plain: Uint8Array | null = null;
  private pumping = false;
  /** A FilePut is out; chunks wait for its answer. */
  private resuming = false;
  private session = 0;
  /** stop() ran: this upload sends nothing more (a new client makes its own from the record). */
  private stopped = false;
  private readonly key: Uint8Array;
  private readonly prefix: Uint8Array;
  readonly transferId: Uint8Array;

  constructor(
    readonly record: OutgoingRecord,
    private readonly d: UploadDeps,
  ) {
    const o = record.offer;
    this.count = fileChunkCount(o.size, o.chunkBytes);
    this.key = fromHex(o.fileKey);
    this.prefix = fromHex(o.noncePrefix);
    this.transferId = fromHex(o.transferId);
    this.next = record.ackedChunks;
  }

  get active(): boolean {
    return this.record.state === 'running' || this.record.state === 'waiting';
  }

  /** Plaintext bytes the relay holds durably. */
  get doneBytes(): number {
    return Math.min(this.record.offer.size, this.record.ackedChunks * this.record.offer.chunkBytes);
  }

  /** The relay accepted the first FilePut with `have` chunks: start sending. */
  started(have: number): void {
    this.acked(have);
    this.next = this.record.ackedChunks;
    void this.pump();
  }

  /** A new session: ask the relay where it stands, then go on from there. */
  async resume(): Promise<void> {
    if (this.stopped || !this.active || this.resuming || !this.d.link.ready) return;
    this.resuming = true;
    const session = ++this.session;
    try {
      const reply = await this.d.put(putBody(this.record));
      if (session !== this.session || !this.active) return;
      if (reply.code !== '') {
        this.refused(reply.code, `upload: the relay refused to resume: ${reply.reason}`);
        return;
      }
      await this.source().checkUnchanged();
      if (this.record.offerPending === true) await this.d.offerAccepted(this.record, reply);
      this.acked(Number(reply.haveChunks));
      this.next = this.record.ackedChunks;
    } catch (err) {
      const { code, message } = describeError(err);
      if (code === TransferCode.SourceChanged) this.fail({ code, message });
      else if (TEMPORARY.has(code)) this.d.later(() => void this.resume(), UPLOAD_RETRY_MS);
      else this.fail({ code, message });
      return;
    } finally {
      this.resuming = false;
    }
    void this.pump();
  }

  /** The link dropped: what was in flight is resent from the relay's count next session. */
  offline(): void {
    this.session++;
    this.next = this.record.ackedChunks;
  }

  /** The relay's FileChunkAck. */
  onAck(frame: FrameOf<'file-chunk-ack'>): void {
    if (!this.active) return;
    if (frame.code !== '') {
      this.next = this.record.ackedChunks;
      this.refused(
        frame.code,
        `upload: the relay could not store chunk ${frame.through}: ${frame.reason}`,
      );
      return;
    }
    this.acked(Number(frame.through));
    void this.pump();
  }

  /** Sends chunks while the window and the link allow. Re-entrant calls coalesce. */
  async pump(): Promise<void> {
    if (this.stopped || this.pumping || this.resuming || this.record.state !== 'running') return;
    this.pumping = true;
    const session = this.session;
    try {
      while (
        session === this.session &&
        this.record.state === 'running' &&
        this.next < this.count &&
        this.next - this.record.ackedChunks < FILE_UPLOAD_WINDOW_CHUNKS &&
        this.d.link.writable
      ) {
        const index = this.next;
        const last = index === this.count - 1;
        const { size, chunkBytes } = this.record.offer;
        this.plain ??= new Uint8Array(chunkBytes);
        const buf = this.plain;
        const n = await this.source().readInto(index * chunkBytes, buf);
        // Before the last chunk, once: a source edited during the upload is failed here rather
        // than delivered with a hash that cannot match.
        if (last) await this.source().checkUnchanged();
        if (session !== this.session || this.record.state !== 'running') break;
        if (n === 0 && size > 0) throw new Error('upload: read past the end');
        const dataBytes = n + FILE_CHUNK_TAG_BYTES;
        const { bytes, dataAt } = chunkFrame(this.transferId, index, dataBytes);
        const plain = n === buf.byteLength ? buf : buf.subarray(0, n);
        const data = bytes.subarray(dataAt, dataAt + dataBytes);
        sealChunkInto(this.key, this.prefix, index, last, plain, data);
        if (!this.d.link.sendFramed(bytes)) break;
        this.chunksSent++;
        this.next = index + 1;
      }
    } catch (err) {
      // Stopped while it read (stop closed the source): not a failure of the upload.
      if (session !== this.session) return;
      const e = describeError(err);
      if (isNatterError(err, 'E_LINK_FULL')) return;
      this.fail(e.code === TransferCode.SourceChanged ? e : { code: e.code, message: e.message });
    } finally {
      this.pumping = false;
      // A new session began while this run read a chunk: its resume may have found the
      // pump busy, so go on for it (the loop stops at once while the link is down).
      if (session !== this.session && !this.resuming) void this.pump();
    }
  }

  /** Stops for good (cancel or failure): closes the source files. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.session++;
    await this.reader?.close();
    this.reader = null;
    this.plain = null;
  }

  /** Fails for good; the relay is told to drop the blob (recipients then get E_FILE_UNKNOWN). */
  fail(error: TransferError): void {
    if (!this.active) return;
    this.record.state = 'failed';
    this.record.error = error;
    this.record.doneSent = this.d.link.send({
      type: 'file-done',
      transferId: this.transferId,
      outcome: 'cancelled',
    });
    void this.stop();
    this.d.changed(this, true);
  }

  private refused(code: string, message: string): void {
    if (TEMPORARY.has(code)) {
      this.d.later(() => void this.resume(), UPLOAD_RETRY_MS);
      return;
    }
    this.fail({ code, message });
  }

  private acked(through: number): void {
    const was = this.record.ackedChunks;
    const n = Math.min(this.count, Math.max(was, through));
    const moved = n !== was;
    const before = this.record.state;
    this.record.ackedChunks = n;
    if (before === 'waiting') this.record.state = 'running';
    if (n === this.count) {
      this.record.state = 'done';
      void this.stop();
    }
    // Stored at each state change, and every window of chunks, so `natter transfers` after
    // an interrupted upload says about how far it got (the relay's count decides a resume).
    const window = FILE_UPLOAD_WINDOW_CHUNKS;
    const checkpoint = Math.floor(n / window) !== Math.floor(was / window);
    const persist = before !== this.record.state || checkpoint;
    if (moved || persist || this.record.state === 'done') this.d.changed(this, persist);
  }

  private source(): StreamReader {
    this.reader ??= new StreamReader(this.record.sources);
    return this.reader;
  }
}
