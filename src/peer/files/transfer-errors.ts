/**
 * The codes of the transfer service (transfers.ts, docs/files.md "Codes"): what sendFile,
 * acceptFile and the transfers themselves fail with on this side. The relay's own refusals
 * (E_FILE_QUOTA, E_FILE_TOO_LARGE, E_FILE_DISK_FULL, E_FILE_UNKNOWN, ...) are passed on with
 * the relay's code, as the relay said it.
 */
import { describeError, errorFactory, NatterError } from '../../util/errors.js';
import { formatSize } from '../../util/sizes.js';

export const TransferCode = {
  /** A path to send does not exist or is not a file or folder. */
  NotFound: 'E_FILE_NOT_FOUND',
  /** A file being sent changed (size or modification time) after it was offered. */
  SourceChanged: 'E_FILE_SOURCE_CHANGED',
  /** Larger than MAX_FILE_BYTES, or than a recipient takes (the relay says so too). */
  TooLarge: 'E_FILE_TOO_LARGE',
  /** A folder with more files than one offer may list (MAX_FILE_ENTRIES). */
  TooMany: 'E_FILE_TOO_MANY',
  /**
   * A folder to send holds no regular file (empty, only empty folders, only links): an offer
   * without entries is a single file at the other end, so it would arrive as an empty file.
   */
  EmptyFolder: 'E_FILE_EMPTY_FOLDER',
  /** No transfer's id starts with that ref, or the ref is too short or not hex. */
  UnknownTransfer: 'E_UNKNOWN_TRANSFER',
  /** Several transfers' ids start with that ref. */
  AmbiguousTransfer: 'E_AMBIGUOUS_TRANSFER',
  /** The transfer is not in a state that allows this (accepting a declined offer, ...). */
  BadState: 'E_FILE_BAD_STATE',
  /** The user or the sender cancelled it. */
  Cancelled: 'E_FILE_CANCELLED',
  /** The relay is from before file transfer (its Challenge announced no RELAY_FEATURE_FILES). */
  RelayNoFiles: 'E_RELAY_NO_FILES',
  /** The relay said something this client cannot use (a wrong size, a wrong uploader). */
  BadRelayAnswer: 'E_FILE_BAD_ANSWER',
  /** No room on this machine's disk for a download (ENOSPC, EDQUOT): accepting again retries. */
  DiskFull: 'E_DISK_FULL',
} as const;

export type TransferCodeValue = (typeof TransferCode)[keyof typeof TransferCode];

export const transferError = errorFactory<TransferCodeValue>();

/**
 * A download's write or sync that failed: a full disk (or quota) as E_DISK_FULL with the
 * folder named, so the user can free space or choose another and accept again; any other
 * error as it came (a files trial read `ENOSPC: no space left on device, write (ENOSPC)`).
 */
export function writeFailure(err: unknown, dir: string | null): { code: string; message: string } {
  const e = describeError(err);
  if (e.code !== 'ENOSPC' && e.code !== 'EDQUOT') return e;
  const where = dir === null ? '' : ` in ${dir}`;
  return { code: TransferCode.DiskFull, message: `download: no room left on the disk${where}` };
}

/**
 * The relay's refusal of a FilePut, in words: a 1:1 file over its recipient's limit names the
 * recipient and, from a relay that says it, the limit (a files trial read `larger than a
 * recipient accepts` and could not tell whose); any other refusal as the relay said it.
 */
export function putRefusal(
  file: { name: string; size: number },
  peer: string,
  reply: { code: string; reason: string },
): NatterError {
  const refused = `send file: the relay refused ${file.name}: ${reply.reason}`;
  if (reply.code !== TransferCode.TooLarge || !peer.startsWith('@'))
    return new NatterError(reply.code, refused);
  const limit = /\(at most (\d+) bytes\)/.exec(reply.reason)?.[1];
  const most = limit === undefined ? '' : ` (at most ${formatSize(Number(limit))})`;
  const what = `${file.name} (${formatSize(file.size)})`;
  return new NatterError(
    reply.code,
    `send file: ${what} is larger than ${peer.slice(1)} accepts${most}: the relay refused it`,
  );
}
