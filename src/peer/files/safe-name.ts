import { FilesCode, filesError } from './errors.js';

/**
 * File names from a sender, made safe to show and to create in the download folder (DESIGN.md
 * §7, issue 12). Pure: no file system here; download-path.ts does the creating. A sender's name
 * is only a suggestion: the receiver never uses it as a path, only as one sanitised component.
 */

/**
 * The longest display name, in UTF-8 bytes: under the 255-byte name limit of ext4, APFS and
 * NTFS with room for a " (999)" suffix and the download folder's temporary-name affixes.
 */
export const MAX_DISPLAY_NAME_BYTES = 200;
/** An extension survives truncation only up to this many bytes; a longer one is just a dot. */
export const MAX_EXTENSION_BYTES = 32;
/** Path segments in a folder entry: deeper trees are not what people share, and each level is a directory the receiver creates. */
export const MAX_FOLDER_DEPTH = 32;
/** One segment of a folder entry: NAME_MAX of common file systems. */
export const MAX_PATH_SEGMENT_BYTES = 255;
/** A whole folder entry: leaves room for the download folder's own path within Linux's 4096-byte PATH_MAX. */
export const MAX_RELATIVE_PATH_BYTES = 1024;
/**
 * Candidates uniqueName tries ("name", "name (1)" ... "name (999)"): a thousand copies of one
 * name means a loop or an attack, and each try costs the caller a file-system call.
 */
export const MAX_UNIQUE_NAME_TRIES = 1000;
/** The name of a file whose suggested name had nothing usable left. */
export const FALLBACK_FILE_NAME = 'file';

/** Control, format (bidi overrides and isolates, zero-width), line/paragraph separators, lone surrogates. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const HAS_INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
/** Path separators, and what Windows refuses in a name (':' also opens an NTFS stream). */
const UNSAFE_IN_NAME = /[/\\<>:"|?*]/g;
/** Device names Windows opens instead of a file, whatever the extension ("CON.txt", "nul.tar.gz"). */
const WINDOWS_RESERVED = /^(?:CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³]|CONIN\$|CONOUT\$)$/i;
/** Two-part extensions kept whole, so "a.tar.gz" becomes "a (1).tar.gz". */
const DOUBLE_EXTENSION = /\.tar\.(?:gz|bz2|xz|zst|lz|lzma|Z)$/i;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * A name that is safe to create in the download folder and to show in a terminal: control,
 * format and bidi characters removed; separators and characters Windows refuses replaced by
 * '_'; leading dots and spaces (hidden files, '.', '..') and trailing dots and spaces (which
 * Windows drops) trimmed; Windows device names prefixed with '_'; at most
 * MAX_DISPLAY_NAME_BYTES of UTF-8, cut at a character boundary and keeping the extension;
 * FALLBACK_FILE_NAME when nothing is left. Idempotent.
 */
export function safeDisplayName(name: string): string {
  let s = typeof name === 'string' ? name : '';
  s = s.replace(INVISIBLE, '').normalize('NFC').replace(UNSAFE_IN_NAME, '_');
  s = trimName(fitBytes(trimName(s), MAX_DISPLAY_NAME_BYTES));
  if (s === '') return FALLBACK_FILE_NAME;
  return isWindowsReserved(s) ? fitBytes(`_${s}`, MAX_DISPLAY_NAME_BYTES) : s;
}

/**
 * The segments of a folder entry's relative path ('photos/2024/cat.jpg'), after checking that
 * it names something inside the folder on every common OS: '/'-separated, not absolute, no
 * drive letter or colon, no backslash, no empty, '.' or '..' segment, no control, format or
 * bidi characters, no Windows device name or trailing dot or space in a segment, at most
 * MAX_FOLDER_DEPTH segments of MAX_PATH_SEGMENT_BYTES, MAX_RELATIVE_PATH_BYTES in all. Throws
 * E_FILE_BAD_PATH otherwise: a sender builds entries from safe segments, so a receiver refuses
 * rather than repairs.
 */
export function checkRelativePath(path: string): string[] {
  const bad = (why: string) => filesError(FilesCode.BadPath, `folder entry ${quote(path)}: ${why}`);
  if (typeof path !== 'string' || path === '') throw bad('empty');
  if (byteLength(path) > MAX_RELATIVE_PATH_BYTES) {
    throw bad(`longer than ${MAX_RELATIVE_PATH_BYTES} bytes`);
  }
  if (HAS_INVISIBLE.test(path)) throw bad('control, format or bidi characters');
  if (path.includes('\\')) throw bad('a backslash');
  if (path.startsWith('/')) throw bad('an absolute path');
  if (/^[A-Za-z]:/.test(path)) throw bad('a drive letter');
  if (path.includes(':')) throw bad('a colon');
  const segments = path.split('/');
  if (segments.length > MAX_FOLDER_DEPTH) throw bad(`deeper than ${MAX_FOLDER_DEPTH}`);
  for (const segment of segments) {
    if (segment === '') throw bad('an empty segment');
    if (segment === '.' || segment === '..') throw bad(`a '${segment}' segment`);
    if (byteLength(segment) > MAX_PATH_SEGMENT_BYTES) {
      throw bad(`a segment longer than ${MAX_PATH_SEGMENT_BYTES} bytes`);
    }
    if (isWindowsReserved(segment)) throw bad('a Windows device name');
    if (/[ .]$/.test(segment)) throw bad('a segment ending in a dot or a space');
  }
  return segments;
}

/**
 * `name`, or the first of "name (1).ext", "name (2).ext" ... for which `existing` is false,
 * each within MAX_DISPLAY_NAME_BYTES. Throws E_FILE_NO_FREE_NAME after MAX_UNIQUE_NAME_TRIES.
 */
export function uniqueName(existing: (name: string) => boolean, name: string): string {
  for (const candidate of nameCandidates(name)) if (!existing(candidate)) return candidate;
  throw noFreeName(name);
}

/**
 * The names uniqueName tries, in order; for callers whose existence check is a file system
 * call. `from` skips the first ones: a caller naming many items of one name goes on where the
 * last left off, rather than trying every taken name again for each.
 */
export function* nameCandidates(name: string, from = 0): Generator<string> {
  if (from <= 0) yield name;
  const { stem, ext } = splitExtension(name);
  for (let n = Math.max(1, from); n < MAX_UNIQUE_NAME_TRIES; n++) {
    const tail = ` (${n})${ext}`;
    yield `${cutToBytes(stem, MAX_DISPLAY_NAME_BYTES - byteLength(tail))}${tail}`;
  }
}

/** E_FILE_NO_FREE_NAME for `name`. */
export function noFreeName(name: string): Error {
  return filesError(
    FilesCode.NoFreeName,
    `download: no free name for ${quote(name)} after ${MAX_UNIQUE_NAME_TRIES} tries`,
  );
}

/** True for a Windows device name, with or without extensions. */
export function isWindowsReserved(name: string): boolean {
  const dot = name.indexOf('.');
  return WINDOWS_RESERVED.test((dot === -1 ? name : name.slice(0, dot)).trimEnd());
}

function splitExtension(name: string): { stem: string; ext: string } {
  const double = DOUBLE_EXTENSION.exec(name);
  const dot = double !== null ? double.index : name.lastIndexOf('.');
  if (dot <= 0 || byteLength(name.slice(dot)) > MAX_EXTENSION_BYTES) return { stem: name, ext: '' };
  return { stem: name.slice(0, dot), ext: name.slice(dot) };
}

/** `name` within `max` UTF-8 bytes: the stem is cut, the extension kept. */
function fitBytes(name: string, max: number): string {
  if (byteLength(name) <= max) return name;
  const { stem, ext } = splitExtension(name);
  return cutToBytes(stem, max - byteLength(ext)) + ext;
}

/** The longest prefix of `text` within `max` UTF-8 bytes that ends between two graphemes. */
function cutToBytes(text: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const { segment } of graphemes.segment(text)) {
    bytes += byteLength(segment);
    if (bytes > max) break;
    out += segment;
  }
  return out;
}

function trimName(name: string): string {
  return name.replace(/^[\s.]+/u, '').replace(/[\s.]+$/u, '');
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** A short, printable rendering of hostile text for an error message. */
function quote(text: unknown): string {
  const s = typeof text === 'string' ? text : String(text);
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s).replace(INVISIBLE, '?');
}
