/**
 * The codes of the receiver's file-name and download-folder safety (safe-name.ts,
 * download-path.ts; DESIGN.md §7, issue 12). Chunk and stream verdicts have their own codes in
 * src/crypto/file-errors.ts.
 */
import { errorFactory } from '../../util/errors.js';

export const FilesCode = {
  /**
   * A folder entry's relative path that could leave the folder or hide what it is (absolute,
   * '..', a drive letter, a backslash, control or bidi characters, too deep or too long), or a
   * temporary path that is not where it must be.
   */
  BadPath: 'E_FILE_BAD_PATH',
  /**
   * An offer whose entry list contradicts itself (one path twice, a path both a file and a
   * folder, more items of one name than can be named, too many entries): refused whole,
   * nothing saved (offer-entries.ts).
   */
  BadOffer: 'E_FILE_BAD_OFFER',
  /** Every candidate name up to MAX_UNIQUE_NAME_TRIES is taken. */
  NoFreeName: 'E_FILE_NO_FREE_NAME',
  /** The file system refused (permissions, disk full, no such folder); `cause` says how. */
  Io: 'E_FILE_IO',
} as const;

export type FilesCodeValue = (typeof FilesCode)[keyof typeof FilesCode];

/** An error of download naming with its stable code. */
export const filesError = errorFactory<FilesCodeValue>();
