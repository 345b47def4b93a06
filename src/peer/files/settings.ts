/**
 * The receiver's file settings (docs/files.md "On the receiving machine"): where downloads
 * go, whose files are taken without asking, and the largest file taken at all. Kept in the
 * profile's store under one versioned key; the relay learns the size limit from a FilePolicy
 * after every login, so it refuses a larger put before the sender uploads a byte.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { normalizePseudonym, pseudonymKey } from '../../wire/text.js';
import { type KvOp, putJson } from '../store.js';

/**
 * The largest incoming file by default: 4 GiB takes the videos and disk images people pass
 * around a LAN while a stranger's offer cannot fill a laptop's disk unasked. The relay refuses
 * a larger put with E_FILE_TOO_LARGE; the user may raise it (up to MAX_FILE_BYTES).
 */
export const DEFAULT_MAX_INCOMING_BYTES = 4 * 1024 * 1024 * 1024;

/** The name of natter's folder under the user's download folder. */
export const DOWNLOAD_SUBFOLDER = 'natter';

export const FILE_SETTINGS_KEY = 'v1!fset!settings';

export interface FileSettings {
  /** Where downloads go; null: $XDG_DOWNLOAD_DIR/natter, else ~/Downloads/natter. */
  downloadDir: string | null;
  /** Pseudonyms whose offers are accepted without asking (within maxIncomingBytes). */
  autoAcceptFrom: string[];
  /** Larger offers are declined at once (and refused by the relay). */
  maxIncomingBytes: number;
}

export const DEFAULT_FILE_SETTINGS: FileSettings = {
  downloadDir: null,
  autoAcceptFrom: [],
  maxIncomingBytes: DEFAULT_MAX_INCOMING_BYTES,
};

/** The download folder: the setting, else $XDG_DOWNLOAD_DIR/natter, else ~/Downloads/natter. */
export function downloadDirOf(
  settings: FileSettings,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  if (settings.downloadDir !== null) return settings.downloadDir;
  const xdg = env.XDG_DOWNLOAD_DIR;
  if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) return join(xdg, DOWNLOAD_SUBFOLDER);
  return join(home, 'Downloads', DOWNLOAD_SUBFOLDER);
}

/** `partial` applied to `current`, checked: names normalised, sizes whole and in range. */
export function mergeSettings(current: FileSettings, partial: Partial<FileSettings>): FileSettings {
  const next = { ...current, ...partial };
  if (!Number.isSafeInteger(next.maxIncomingBytes) || next.maxIncomingBytes < 0) {
    throw new RangeError('file settings: maxIncomingBytes must be a whole number of bytes');
  }
  if (next.downloadDir !== null && !isAbsolute(next.downloadDir)) {
    throw new RangeError('file settings: downloadDir must be an absolute path');
  }
  next.autoAcceptFrom = [...new Set(next.autoAcceptFrom.map((n) => normalizePseudonym(n)))];
  return next;
}

/** True when `pseudonym` is on the auto-accept list (case-insensitively). */
export function autoAccepts(settings: FileSettings, pseudonym: string): boolean {
  const key = pseudonymKey(normalizePseudonym(pseudonym));
  return settings.autoAcceptFrom.some((n) => pseudonymKey(n) === key);
}

export function settingsOps(settings: FileSettings): KvOp[] {
  return [putJson(FILE_SETTINGS_KEY, settings)];
}

/** The stored settings with defaults for anything missing. */
export function parseSettings(stored: Partial<FileSettings> | undefined): FileSettings {
  return { ...DEFAULT_FILE_SETTINGS, ...(stored ?? {}) };
}
