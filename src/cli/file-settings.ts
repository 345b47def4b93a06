/**
 * The file settings of `natter config` (issue 12): `download-dir`, `auto-accept` (names
 * whose offers are taken without asking) and `max-incoming` (larger offers are refused,
 * by the relay too). They live in the profile's store, so reading or changing them
 * opens the profile, or asks the running client that holds it (control-files.ts).
 */

import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import {
  type FileSettingsChange,
  type FileSettingsView,
  isIdentitySealed,
  pseudonymKey,
} from '../peer/index.js';
import { type CliContext, UsageError } from './context.js';
import { sanitize } from './format.js';
import { nameArgOf } from './send-input.js';
import { formatSize, parseSize } from './sizes.js';
import { callControl, perform, runningClient } from './via-control.js';

export const FILE_KEYS = ['download-dir', 'auto-accept', 'max-incoming'] as const;
export type FileKey = (typeof FILE_KEYS)[number];

export function isFileKey(key: string): key is FileKey {
  return (FILE_KEYS as readonly string[]).includes(key);
}

/**
 * `config set KEY VALUE` for a file key, checked: download-dir a folder (made absolute;
 * '' for the default), auto-accept names separated by commas ('' for none),
 * max-incoming a size (500M, 2G).
 */
export function parseFileSetting(key: FileKey, value: string): FileSettingsChange {
  if (key === 'download-dir') return { downloadDir: value.trim() === '' ? null : resolve(value) };
  if (key === 'auto-accept') {
    const names = value
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n.length > 0)
      .map((n) => nameArgOf('config set auto-accept', n));
    return { autoAcceptFrom: names };
  }
  try {
    return { maxIncomingBytes: parseSize(value) };
  } catch (err) {
    if (err instanceof InvalidArgumentError)
      throw new UsageError(`config set max-incoming: '${sanitize(value)}': ${err.message}`);
    throw err;
  }
}

/**
 * Reads (and with `change`, first changes) the settings: through the running client,
 * else the profile. `quiet`: null instead of asking for a sealed key's passphrase
 * (`config get` without a KEY, which never needed the key before).
 */
export async function fileSettings(
  ctx: CliContext,
  change?: FileSettingsChange,
  options: { quiet?: boolean } = {},
): Promise<FileSettingsView | null> {
  const control = await runningClient(ctx);
  if (control === null && options.quiet && (await needsPassphrase(ctx))) return null;
  if (control !== null) {
    try {
      const answer = await callControl(
        control,
        'files.settings',
        change === undefined ? {} : { change },
      );
      return answer.settings;
    } finally {
      control.close();
    }
  }
  const client = await ctx.openClient();
  if (change !== undefined) await client.setFileSettings(change);
  return client.fileSettings();
}

/**
 * auto-accept names that are no contact of this profile, warned about on stderr but kept: a
 * typo would otherwise go unseen (a trial's `nobodyx`), while someone not written to yet may
 * well be meant: an offer from that name is taken when it comes.
 */
export async function warnNoContacts(ctx: CliContext, names: readonly string[]): Promise<void> {
  const { contacts } = await perform(ctx, 'contacts', {});
  const known = new Set(contacts.map((c) => pseudonymKey(c.pseudonym)));
  const strangers = names.filter((n) => !known.has(pseudonymKey(n)));
  if (strangers.length === 0) return;
  const list = strangers.map((n) => sanitize(n)).join(', ');
  ctx.err(
    `natter: note: ${list} ${strangers.length === 1 ? 'is' : 'are'} no contact of yours (natter contacts lists them); saved anyway, for someone who has not written to you yet`,
  );
}

/** A sealed key and no passphrase file: opening the profile would ask on the terminal. */
async function needsPassphrase(ctx: CliContext): Promise<boolean> {
  if (ctx.global.passphraseFile !== undefined || ctx.io.env.NATTER_PASSPHRASE_FILE) return false;
  return isIdentitySealed(ctx.paths.identity).catch(() => false);
}

/** `config get` lines for the file keys (all, or `only`). */
export function fileSettingLines(s: FileSettingsView, only?: FileKey): string[] {
  const lines: [FileKey, string][] = [
    ['download-dir', s.downloadDir],
    [
      'auto-accept',
      s.autoAcceptFrom.length === 0 ? '-' : s.autoAcceptFrom.map((n) => sanitize(n)).join(', '),
    ],
    ['max-incoming', `${formatSize(s.maxIncomingBytes)} (${s.maxIncomingBytes} bytes)`],
  ];
  return lines
    .filter(([k]) => only === undefined || k === only)
    .map(([k, v]) => `${k.padEnd(12)} ${v}`);
}

/** `config get --json` fields for the file keys (all, or `only`). */
export function fileSettingsObject(s: FileSettingsView, only?: FileKey): Record<string, unknown> {
  const all: Record<FileKey, [string, unknown]> = {
    'download-dir': ['downloadDir', s.downloadDir],
    'auto-accept': ['autoAccept', s.autoAcceptFrom],
    'max-incoming': ['maxIncomingBytes', s.maxIncomingBytes],
  };
  return Object.fromEntries(
    FILE_KEYS.filter((k) => only === undefined || k === only).map((k) => all[k]),
  );
}
