/**
 * A file or a folder as one plaintext stream (docs/files.md "The offer"): a folder's regular
 * files concatenated in sorted relative-path order, so one blob, one hash and one resume
 * cursor cover the tree. Symlinks, devices and sockets inside a folder are skipped (never
 * followed: a link could point anywhere on the sender's disk). Chunk i is read by positional
 * reads wherever it falls across the files, so memory is one chunk, whatever the size.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, lstat, open, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { MAX_FILE_BYTES } from '../../crypto/file-stream.js';
import { MAX_FILE_ENTRIES } from '../../wire/limits.js';
import { FilesCode, filesError } from './errors.js';
import { checkOfferEntries, DAMAGED_OFFER } from './offer-entries.js';
import { severalItems, severalLabel } from './offer-label.js';
import type { SourceFile } from './records.js';
import { safeDisplayName } from './safe-name.js';
import { TransferCode, transferError } from './transfer-errors.js';

/** Bytes read per call while hashing, into one reused buffer: large reads, bounded memory. */
export const HASH_READ_BYTES = 1024 * 1024;

export interface StreamEntry extends SourceFile {
  /** '/'-separated path inside the folder; '' for a single file. */
  relative: string;
}

/** What a sender offers: the name, the entries (empty for a single file) and the stream. */
export interface StreamPlan {
  name: string;
  size: number;
  /** True for a folder (or several paths): entries go in the offer. */
  folder: boolean;
  /** Several paths: each is saved on its own at the other end (FileOffer.several). */
  several: boolean;
  files: StreamEntry[];
}

/** Plans the stream of `paths`: one file, one folder, or several (named after their items). */
export async function planStream(paths: string[]): Promise<StreamPlan> {
  if (paths.length === 0) throw transferError(TransferCode.NotFound, 'send file: no path given');
  const files: StreamEntry[] = [];
  let folder = paths.length > 1;
  for (const given of paths) {
    const path = resolve(given);
    const stats = await stat(path).catch((err: unknown) => {
      throw transferError(TransferCode.NotFound, `send file: cannot read ${given}`, { cause: err });
    });
    if (stats.isDirectory()) {
      folder = true;
      const before = files.length;
      await walk(path, basename(path), files, paths.length === 1 ? basename(path) : '');
      if (files.length === before) throw emptyFolder(given);
    } else if (stats.isFile()) {
      files.push({ path, relative: basename(path), size: stats.size, mtimeMs: stats.mtimeMs });
    } else {
      throw transferError(TransferCode.NotFound, `send file: ${given} is not a file or folder`);
    }
  }
  if (files.length > MAX_FILE_ENTRIES) {
    throw transferError(
      TransferCode.TooMany,
      `send file: ${files.length} files, at most ${MAX_FILE_ENTRIES} go in one transfer`,
    );
  }
  files.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
  if (folder) checkOfferable(files, paths.length > 1);
  const size = files.reduce((sum, f) => sum + f.size, 0);
  if (size > MAX_FILE_BYTES) {
    throw transferError(TransferCode.TooLarge, `send file: over ${MAX_FILE_BYTES} bytes`);
  }
  // Several paths are named after their items (offer-label.ts), as the receiver lists them;
  // one, as the receiver will see and save it (a files trial: the sender showed `ctl name.txt`
  // and `dot.`, the receiver `ctlname.txt` and `dot`).
  const name =
    paths.length === 1
      ? safeDisplayName(basename(resolve(paths[0]!)))
      : severalLabel(severalItems(files.map((f) => ({ path: f.relative }))));
  return { name, size, folder, several: paths.length > 1, files };
}

/**
 * E_FILE_BAD_PATH unless the receiver takes every entry's path, E_FILE_BAD_OFFER unless the
 * list is one it can save whole (two folders of one name sent at once, both holding `f`): it
 * refuses the whole offer over either (offers.ts intakeOffer runs checkOfferEntries on each),
 * so the sender says so here, before anything is hashed, offered or uploaded, rather than
 * leaving the upload on the relay for someone who can only refuse it (a new-user trial: a
 * file name with a newline in it).
 */
function checkOfferable(files: readonly StreamEntry[], several: boolean): void {
  try {
    checkOfferEntries(
      files.map((f) => ({ path: f.relative })),
      several,
    );
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if ((err as { code?: unknown }).code === FilesCode.BadOffer) {
      const what = why.replace(DAMAGED_OFFER, '');
      throw filesError(
        FilesCode.BadOffer,
        `send file: ${what} among the paths given; the receiver would refuse them all, so send them apart or rename one`,
        { cause: err },
      );
    }
    throw filesError(
      FilesCode.BadPath,
      `send file: ${why}; the receiver would refuse the whole folder, so rename it or leave it out`,
      { cause: err },
    );
  }
}

/** Regular files under `dir`; `strip` is the folder's own name, left out of entry paths. */
async function walk(dir: string, rel: string, out: StreamEntry[], strip: string): Promise<void> {
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const path = join(dir, name);
    const relative = `${rel}/${name}`;
    const stats = await lstat(path);
    if (stats.isDirectory()) await walk(path, relative, out, strip);
    else if (stats.isFile()) {
      const inside = strip === '' ? relative : relative.slice(strip.length + 1);
      out.push({ path, relative: inside, size: stats.size, mtimeMs: stats.mtimeMs });
    }
    if (out.length > MAX_FILE_ENTRIES) return;
  }
}

/** Reads a planned stream by chunk, checking that no file changed since it was planned. */
export class StreamReader {
  /** The one file open at a time: chunks are read in order, so files are too. */
  private current: { index: number; handle: FileHandle } | null = null;
  /** Closed for good: a file still being opened is closed at once, never kept. */
  private closed = false;
  /** Stream offset where each file starts. */
  private readonly starts: number[] = [];
  readonly size: number;

  constructor(private readonly files: readonly SourceFile[]) {
    let at = 0;
    for (const f of files) {
      this.starts.push(at);
      at += f.size;
    }
    this.size = at;
  }

  /** E_FILE_SOURCE_CHANGED unless every file still has its planned size and mtime. */
  async checkUnchanged(): Promise<void> {
    for (const f of this.files) {
      const now = await stat(f.path).catch(() => null);
      if (now === null || now.size !== f.size || now.mtimeMs !== f.mtimeMs) {
        throw changed(f.path);
      }
    }
  }

  /** Plaintext bytes [offset, offset + length) of the stream (fewer at its end), in a new array. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(Math.max(0, Math.min(length, this.size - offset)));
    await this.readInto(offset, out);
    return out;
  }

  /**
   * Fills `out` with the stream's bytes from `offset` on, as far as the stream goes, and
   * returns how many it wrote: the sender reads every chunk into one reused buffer.
   */
  async readInto(offset: number, out: Uint8Array): Promise<number> {
    const total = Math.max(0, Math.min(out.byteLength, this.size - offset));
    let filled = 0;
    for (let i = 0; i < this.files.length && filled < total; i++) {
      const file = this.files[i]!;
      const start = this.starts[i]!;
      const pos = offset + filled;
      if (pos >= start + file.size || file.size === 0) continue;
      const want = Math.min(total - filled, start + file.size - pos);
      const handle = await this.handle(i);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(out, filled + got, want - got, pos - start + got);
        if (bytesRead === 0) throw changed(file.path);
        got += bytesRead;
      }
      filled += want;
    }
    return filled;
  }

  /** SHA-256 of the whole stream, read HASH_READ_BYTES at a time into one buffer. */
  async sha256(): Promise<Uint8Array> {
    const hash = createHash('sha256');
    const buf = new Uint8Array(Math.min(HASH_READ_BYTES, Math.max(1, this.size)));
    for (let at = 0; at < this.size; ) {
      const n = await this.readInto(at, buf);
      hash.update(n === buf.byteLength ? buf : buf.subarray(0, n));
      at += n;
    }
    return new Uint8Array(hash.digest());
  }

  /** Closes the open file; a read still under way, or any later one, fails E_FILE_BAD_STATE. */
  async close(): Promise<void> {
    this.closed = true;
    await this.closeCurrent();
  }

  private async closeCurrent(): Promise<void> {
    const current = this.current;
    this.current = null;
    await current?.handle.close().catch(() => undefined);
  }

  private async handle(i: number): Promise<FileHandle> {
    if (this.current?.index === i) return this.current.handle;
    await this.closeCurrent();
    if (this.closed) throw sourceClosed();
    const path = this.files[i]!.path;
    const handle = await open(path, 'r').catch((err: unknown) => {
      throw transferError(TransferCode.SourceChanged, `upload: cannot open ${path}`, {
        cause: err,
      });
    });
    // Closed while it opened (the upload stopped, the client closing): not kept open.
    if (this.closed) {
      await handle.close().catch(() => undefined);
      throw sourceClosed();
    }
    this.current = { index: i, handle };
    return handle;
  }
}

/**
 * Refused at the sender, at once: the offer lists regular files only, and one with none is a
 * single file to the receiver (an empty folder arrived as a 0-byte file, a QA trial), while
 * a folder in several paths would vanish from what is saved (docs/decisions.md).
 */
const emptyFolder = (given: string) =>
  transferError(
    TransferCode.EmptyFolder,
    `send file: the folder ${given} holds no files (empty folders and links are not sent): nothing was sent; leave it out and send again`,
  );
const sourceClosed = () => transferError(TransferCode.BadState, 'upload: the source was closed');
const changed = (path: string) =>
  transferError(TransferCode.SourceChanged, `upload: ${path} changed since it was offered`);
