/**
 * Blob files on the relay's disk (docs/files.md "Blob store"): one file per transfer under
 * <data dir>/blobs/, named by a number the relay issues itself (12 zero-padded digits,
 * `.blob`), never by anything a peer sent. Chunks are written and read by position, a
 * batch in one vectored call (writev, readv). Writes are made durable with fdatasync
 * before the caller records the new `have` in LevelDB.
 *
 * Open files are kept (BlobHandles): opening, closing and stat-ing a blob for every batch
 * cost the relay 1.3-4.6 s of CPU per GiB (issue 12 bench). At most BLOB_OPEN_FILES stay
 * open, least recently used closed first, a file in use never; one unused for
 * BLOB_IDLE_MS is closed by `closeIdle`, and a blob's file is closed before it is removed
 * or truncated.
 */
import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory } from '../../util/atomic-file.js';

const NAME_DIGITS = 12;
const NAME = /^(\d{12})\.blob$/;
/** The largest number that still fits the name. */
export const MAX_BLOB_NUMBER = 10 ** NAME_DIGITS - 1;
/**
 * Blob files kept open between batches. A transfer being uploaded or downloaded needs one;
 * 64 covers far more concurrent transfers than a LAN relay sees while costing 64 of the
 * thousands of descriptors a process may hold (maxConnections needs the rest). Past it the
 * least recently used idle file is closed; files in use are never closed under a batch,
 * so the count may pass it by the operations in flight.
 */
export const BLOB_OPEN_FILES = 64;
/** A blob file unused this long is closed (a stalled or finished transfer). */
export const BLOB_IDLE_MS = 60_000;
/** Flags of a kept file: read and write, never through a symlink; O_CREAT only to write. */
const OPEN_FLAGS = constants.O_RDWR | constants.O_NOFOLLOW;

export function blobName(n: number): string {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_BLOB_NUMBER) {
    throw new RangeError(`blob store: ${n} is not a blob number`);
  }
  return `${String(n).padStart(NAME_DIGITS, '0')}.blob`;
}

interface OpenBlob {
  handle: Promise<FileHandle>;
  /** Operations using the handle now: it is not closed under them. */
  users: number;
  lastUsedMs: number;
  /** Dropped from the table: the last user closes it (and resolves this). */
  closed: Promise<void> | null;
  closeNow: (() => void) | null;
}

export class BlobStore {
  readonly dir: string;
  /** Open files by blob number, least recently used first (Map order). */
  private readonly files = new Map<number, OpenBlob>();

  constructor(
    dataDir: string,
    private readonly maxOpen = BLOB_OPEN_FILES,
    private readonly now: () => number = Date.now,
  ) {
    this.dir = join(dataDir, 'blobs');
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  path(n: number): string {
    return join(this.dir, blobName(n));
  }

  /** Blob files open now (for tests and stats). */
  get openFiles(): number {
    return this.files.size;
  }

  /** The numbers of every blob file present (for orphan removal at start). */
  async list(): Promise<number[]> {
    const out: number[] = [];
    for (const name of await readdir(this.dir)) {
      const m = NAME.exec(name);
      if (m) out.push(Number(m[1]));
    }
    return out;
  }

  /**
   * Writes `parts` one after another from `offset` (created if missing), then
   * fdatasync: resolves once they are durable. `created` says whether the directory
   * entry must be synced too (the blob's first write). The parts are not modified.
   */
  async write(
    n: number,
    offset: number,
    parts: readonly Uint8Array[],
    created: boolean,
  ): Promise<void> {
    const entry = this.acquire(n, true);
    try {
      const fh = await entry.handle;
      let bytes = 0;
      for (const p of parts) bytes += p.length;
      const written =
        parts.length === 1
          ? (await fh.write(parts[0]!, 0, bytes, offset)).bytesWritten
          : (await fh.writev(parts as Uint8Array[], offset)).bytesWritten;
      // A short write (rare: a signal, a full disk) goes on part by part from where it stopped.
      if (written < bytes) await writeRest(fh, parts, offset, written);
      await fh.datasync();
    } finally {
      this.release(n, entry);
    }
    if (created) await syncDirectory(this.dir);
  }

  /**
   * Fills `targets` one after another from the blob's `offset` (one readv); throws if
   * the blob holds fewer bytes.
   */
  async readInto(n: number, offset: number, targets: readonly Uint8Array[]): Promise<void> {
    const entry = this.acquire(n, false);
    try {
      const fh = await entry.handle;
      let bytes = 0;
      for (const t of targets) bytes += t.length;
      let done =
        targets.length === 1
          ? (await fh.read(targets[0]!, 0, bytes, offset)).bytesRead
          : (await fh.readv(targets as Uint8Array[], offset)).bytesRead;
      // A short read: go on from where it stopped; none at all means the blob ends here.
      while (done < bytes) {
        const [target, at] = locate(targets, done);
        const { bytesRead } = await fh.read(target, at, target.length - at, offset + done);
        if (bytesRead === 0) throw new Error(`blob store: blob ${n} ends before ${offset + bytes}`);
        done += bytesRead;
      }
    } finally {
      this.release(n, entry);
    }
  }

  /** `length` bytes from `offset`; throws if the blob holds fewer. */
  async read(n: number, offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    await this.readInto(n, offset, [buf]);
    return buf;
  }

  /**
   * Cuts a blob to `length` bytes (torn writes past the durable `have` are never
   * served) and returns the length it has now, which is less when the blob was
   * shorter; a missing blob counts as empty.
   */
  async truncate(n: number, length: number): Promise<number> {
    await this.forget(n);
    let fh: FileHandle;
    try {
      fh = await open(this.path(n), OPEN_FLAGS);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    try {
      const { size } = await fh.stat();
      if (size > length) {
        await fh.truncate(length);
        await fh.datasync();
      }
      return Math.min(size, length);
    } finally {
      await fh.close();
    }
  }

  /** Closes the blob's file (after the operations in flight), then deletes it. */
  async remove(n: number): Promise<void> {
    await this.forget(n);
    await rm(this.path(n), { force: true });
  }

  /** Closes the files unused for BLOB_IDLE_MS (or `idleMs`); resolves with how many. */
  async closeIdle(idleMs = BLOB_IDLE_MS): Promise<number> {
    const cutoff = this.now() - idleMs;
    const idle = [...this.files].filter(([, e]) => e.users === 0 && e.lastUsedMs <= cutoff);
    await Promise.all(idle.map(([n]) => this.forget(n)));
    return idle.length;
  }

  /** Closes every open file (the relay stops). */
  async close(): Promise<void> {
    await Promise.all([...this.files.keys()].map((n) => this.forget(n)));
  }

  /** The blob's open file, opened (and created, to write) if need be, marked in use. */
  private acquire(n: number, create: boolean): OpenBlob {
    let entry = this.files.get(n);
    if (entry) {
      // Most recently used last.
      this.files.delete(n);
    } else {
      const handle = open(
        this.path(n),
        create ? OPEN_FLAGS | constants.O_CREAT : OPEN_FLAGS,
        0o600,
      );
      entry = { handle, users: 0, lastUsedMs: 0, closed: null, closeNow: null };
      // A failed open is not kept: the next operation tries again.
      handle.catch(() => {
        if (this.files.get(n) === entry) this.files.delete(n);
      });
    }
    this.files.set(n, entry);
    entry.users++;
    return entry;
  }

  private release(n: number, entry: OpenBlob): void {
    entry.users--;
    entry.lastUsedMs = this.now();
    if (entry.closeNow) {
      if (entry.users === 0) entry.closeNow();
      return;
    }
    if (this.files.size <= this.maxOpen) return;
    // Over the limit: close the least recently used files nobody is using.
    for (const [m, e] of this.files) {
      if (this.files.size <= this.maxOpen) break;
      if (e.users === 0 && m !== n) void this.forget(m);
    }
    if (this.files.size > this.maxOpen && entry.users === 0) void this.forget(n);
  }

  /** Drops the blob's open file and closes it once the operations using it are done. */
  private forget(n: number): Promise<void> {
    const entry = this.files.get(n);
    if (!entry) return Promise.resolve();
    this.files.delete(n);
    const close = async () => {
      let fh: FileHandle;
      try {
        fh = await entry.handle;
      } catch {
        return; // never opened
      }
      await fh.close().catch(() => {});
    };
    if (entry.users === 0) return close();
    entry.closed = new Promise<void>((resolve) => {
      entry.closeNow = () => {
        entry.closeNow = null;
        void close().then(resolve);
      };
    });
    return entry.closed;
  }
}

/** The target holding byte `done` of the whole run, and the offset in it. */
function locate(targets: readonly Uint8Array[], done: number): [Uint8Array, number] {
  let rest = done;
  for (const t of targets) {
    if (rest < t.length) return [t, rest];
    rest -= t.length;
  }
  throw new RangeError('blob store: past the end of the targets');
}

/** Writes the parts of a run from byte `done` on, one write at a time. */
async function writeRest(
  fh: FileHandle,
  parts: readonly Uint8Array[],
  offset: number,
  done: number,
): Promise<void> {
  let bytes = 0;
  for (const p of parts) bytes += p.length;
  while (done < bytes) {
    const [part, at] = locate(parts, done);
    const { bytesWritten } = await fh.write(part, at, part.length - at, offset + done);
    done += bytesWritten;
  }
}
