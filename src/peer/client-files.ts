/**
 * The file half of the client's API (issue 12, docs/files.md); NatterClient (client.ts)
 * extends it, so the UI and the CLI see one facade. A transfer ref is a unique prefix of its
 * id in hex, at least TRANSFER_REF_MIN_DIGITS long: E_UNKNOWN_TRANSFER, E_AMBIGUOUS_TRANSFER.
 * Events: 'file:offer', 'file:received', 'transfer:progress', 'transfer:finished' (files/api.ts).
 */
import { ClientGroups } from './client-groups.js';
import type { ClientComponents } from './components.js';
import type { FileReplyInfo, FileTarget, OfferInfo, TransferInfo } from './files/api.js';
import { downloadDirOf, type FileSettings } from './files/settings.js';

/** The receiver's settings as the UI shows them: the download folder resolved. */
export interface FileSettingsView {
  downloadDir: string;
  autoAcceptFrom: string[];
  maxIncomingBytes: number;
}

/** A change to the settings: downloadDir null is the default folder again. */
export type FileSettingsChange = Partial<FileSettings>;

export class ClientFiles extends ClientGroups {
  protected constructor(c: ClientComponents) {
    super(c);
  }

  /**
   * Sends a file, a folder, or several paths as one folder, to a person or a group:
   * hashes it, has the relay accept the transfer (quota, the recipients' limits), queues
   * the offer as an end-to-end message, and resolves then; the upload goes on in the
   * background and resumes after reconnects (waitForTransfer, 'transfer:*' events).
   * `chunkBytes`: plaintext bytes per chunk (default 256 KiB, 4 KiB to 256 KiB).
   * Rejects with E_FILE_NOT_FOUND, E_FILE_TOO_LARGE, E_FILE_QUOTA, E_FILE_DISK_FULL,
   * E_FILE_NO_RECIPIENT, E_OFFLINE, E_UNKNOWN_USER, E_KEY_CHANGED, E_SELF, E_UNKNOWN_GROUP,
   * E_NOT_GROUP_MEMBER, E_FILE_TOO_MANY, E_FILE_EMPTY_FOLDER.
   */
  sendFile(
    target: FileTarget,
    paths: string[],
    opts: { chunkBytes?: number } = {},
  ): Promise<TransferInfo> {
    return this.c.files.send(target, paths, opts);
  }

  /**
   * Recipients' answers to my uploads that no UI took yet, oldest first, each once; a UI
   * that shows 'file:reply' takes them here too, so the next one does not repeat them.
   */
  takeFileReplies(): Promise<FileReplyInfo[]> {
    return this.c.files.replies.untold();
  }

  /** Resolves once the transfer is done, failed or cancelled (at once if it is). */
  waitForTransfer(ref: string): Promise<TransferInfo> {
    return this.c.files.book.wait(ref);
  }

  /** Every incoming offer this profile has, whatever its state, oldest first. */
  fileOffers(): OfferInfo[] {
    return this.c.files.offers();
  }

  /**
   * Accepts an offer and starts the download into `dir` (default: the download folder,
   * made if missing); resumes by itself after reconnects and restarts. A failed download
   * (E_DISK_FULL, say) starts again from the beginning. E_FILE_BAD_STATE for an offer that
   * is neither waiting nor failed.
   */
  acceptFile(ref: string, opts: { dir?: string } = {}): Promise<TransferInfo> {
    return this.c.files.accept(ref, opts);
  }

  /** Declines an offer (or stops its download): the relay is told, nothing is kept. */
  declineFile(ref: string): Promise<void> {
    return this.c.files.decline(ref);
  }

  /** Cancels an upload for everyone, or declines a download. */
  cancelTransfer(ref: string): Promise<void> {
    return this.c.files.cancel(ref);
  }

  /** Uploads, and downloads once accepted, oldest first. */
  transfers(): TransferInfo[] {
    return this.c.files.book.list();
  }

  fileSettings(): FileSettingsView {
    const s = this.c.files.book.settings;
    return {
      downloadDir: downloadDirOf(s),
      autoAcceptFrom: [...s.autoAcceptFrom],
      maxIncomingBytes: s.maxIncomingBytes,
    };
  }

  /** Changes the settings durably; a new size limit goes to the relay at once. */
  async setFileSettings(change: FileSettingsChange): Promise<FileSettingsView> {
    await this.c.files.setSettings(change);
    return this.fileSettings();
  }

  /** Diagnostics: chunks an upload has sent in all, resends included (tests count them). */
  uploadChunksSent(ref: string): number {
    return this.c.files.chunksSent(ref);
  }
}
