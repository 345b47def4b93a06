/**
 * `natter config get [KEY] [--json]` and `natter config set KEY VALUE`: the profile's
 * saved settings. The relay address is in config.json, read and changed without the
 * key file or a relay. The file settings (issue 12: download-dir, auto-accept,
 * max-incoming) are in the profile's store: file-settings.ts opens the profile for
 * them, or asks the running client; `config get` without a KEY shows them when it
 * can without asking for a passphrase, and says why not otherwise. The pseudonym is changed only by `natter rename`
 * (the relay must agree), and the relay id only by a relay that proves a new one with
 * --accept-new-relay-key: neither is settable here.
 */
import type { Command } from 'commander';
import {
  formatRelayAddress,
  type ProfileConfig,
  parseRelayAddress,
  pinnedRelayId,
  readConfig,
  relayFingerprint,
  updateConfig,
} from '../../peer/index.js';
import { describeError } from '../../util/errors.js';
import { type CliContext, UsageError } from '../context.js';
import { CliCode, cliError } from '../errors.js';
import {
  FILE_KEYS,
  type FileKey,
  fileSettingLines,
  fileSettings,
  fileSettingsObject,
  isFileKey,
  parseFileSetting,
  warnNoContacts,
} from '../file-settings.js';
import { safeJson, sanitize } from '../format.js';
import { historyKeepLine, readHistoryKeep, setHistoryKeep } from '../history-keep.js';
import { exists } from '../io.js';
import type { WithContext } from '../main.js';
import { refuseBesideRunning } from '../via-control.js';

/** The settings `config get` names; `config set` takes all but the pseudonym. */
const KEYS = ['pseudonym', 'relay', ...FILE_KEYS, 'keep-history'] as const;
type Key = (typeof KEYS)[number];
/** Column of the values in `config get`. */
const PAD = 13;

export function addConfigCommands(program: Command, withContext: WithContext): void {
  const config = program
    .command('config')
    .description("show or change the profile's settings (config.json)");
  config
    .command('get')
    .description(
      'print the saved settings: pseudonym, relay address, the pinned relay id, the file settings (download-dir, auto-accept, max-incoming) and keep-history',
    )
    .argument('[key]', `one of them: ${KEYS.join(', ')}`)
    .option('--json', 'print them as a JSON object')
    .action(
      withContext(async (ctx, key: string | undefined, opts: { json?: boolean }) => {
        const wanted = key === undefined ? undefined : settingKey(key);
        const settings = view(await readProfileConfig(ctx));
        const files = await filesPart(ctx, wanted);
        // Without a KEY, shown when the file settings could be (the same profile opened).
        const keep =
          wanted === 'keep-history' || (wanted === undefined && files.lines.length > 0)
            ? await readHistoryKeep(ctx)
            : undefined;
        const keepJson = keep === undefined ? {} : { keepHistoryMs: keep };
        if (opts.json) {
          const base =
            wanted === 'pseudonym'
              ? { pseudonym: settings.pseudonym }
              : wanted === 'relay'
                ? relayPart(settings)
                : wanted === undefined
                  ? settings
                  : {};
          ctx.out(safeJson({ ...base, ...files.json, ...keepJson }));
          return;
        }
        if (wanted === undefined || wanted === 'pseudonym')
          ctx.out(`${'pseudonym'.padEnd(PAD)}${sanitize(settings.pseudonym ?? '-')}`);
        if (wanted === undefined || wanted === 'relay') {
          ctx.out(`${'relay'.padEnd(PAD)}${relayLine(settings)}`);
          ctx.out(
            `${'relay id'.padEnd(PAD)}${settings.relayFingerprint ?? '- (not registered with a relay yet)'}`,
          );
        }
        for (const line of files.lines) ctx.out(line);
        if (keep !== undefined) ctx.out(historyKeepLine(keep, PAD));
      }),
    );
  config
    .command('set')
    .description(
      "change a setting: relay HOST:PORT (the relay there must prove the pinned relay id); download-dir DIR ('' for the default); auto-accept NAME,NAME ('' for none); max-incoming SIZE (500M, 2G); keep-history DURATION (90d, 12w, 1y: older messages are deleted from this computer) or forever",
    )
    .argument('<key>', `relay, ${FILE_KEYS.join(', ')}, keep-history`)
    .argument(
      '<value>',
      'HOST:PORT (HOST alone means port 47474), a folder, names, a size, or a duration',
    )
    .action(
      withContext(async (ctx, key: string, value: string) => {
        const k = settingKey(key);
        if (k === 'keep-history') {
          await readProfileConfig(ctx);
          await setHistoryKeep(ctx, value, PAD);
          return;
        }
        if (isFileKey(k)) {
          const change = parseFileSetting(k, value);
          await readProfileConfig(ctx);
          const saved = await fileSettings(ctx, change);
          for (const line of saved === null ? [] : fileSettingLines(saved, k)) ctx.out(line);
          if (change.autoAcceptFrom !== undefined) await warnNoContacts(ctx, change.autoAcceptFrom);
          return;
        }
        if (k !== 'relay') {
          throw new UsageError(
            `config set: '${key}' cannot be set: the keys are relay, ${FILE_KEYS.join(', ')}, keep-history (the pseudonym changes with natter rename)`,
          );
        }
        let address: string;
        try {
          address = formatRelayAddress(parseRelayAddress(value));
        } catch {
          throw new UsageError(`config set relay: '${value}' is not HOST:PORT`);
        }
        await readProfileConfig(ctx);
        await refuseBesideRunning(
          ctx,
          'config set relay',
          'it would save the address it is connected to again: quit it first',
        );
        const saved = view(
          await updateConfig(ctx.paths, (c) => {
            c.relay = address;
          }),
        );
        ctx.out(`${'relay'.padEnd(PAD)}${address}`);
        if (saved.relayFingerprint !== null) {
          ctx.err(
            `natter: saved; note: the relay at ${address} must prove relay id ${saved.relayFingerprint}, which this profile registered with (a relay with another id is refused unless you pass --accept-new-relay-key)`,
          );
        }
      }),
    );
}

function settingKey(key: string): Key {
  const found = KEYS.find((k) => k === key);
  if (found === undefined) throw new UsageError(`config: no setting '${key}' (${KEYS.join(', ')})`);
  return found;
}

/**
 * The file settings for `config get`: all of them without a KEY (left out, with the
 * reason on stderr, when the profile cannot be opened, or would ask for a sealed key's
 * passphrase), the one asked for, or none when another key was asked for.
 */
async function filesPart(
  ctx: CliContext,
  wanted: Key | undefined,
): Promise<{ lines: string[]; json: Record<string, unknown> }> {
  if (wanted !== undefined && !isFileKey(wanted)) return { lines: [], json: {} };
  const only: FileKey | undefined = wanted;
  try {
    const s = await fileSettings(ctx, undefined, { quiet: only === undefined });
    if (s === null) {
      ctx.err(
        'natter: the file settings are not shown: the key is sealed (natter config get download-dir asks for the passphrase)',
      );
      return { lines: [], json: {} };
    }
    return { lines: fileSettingLines(s, only), json: fileSettingsObject(s, only) };
  } catch (err) {
    if (only !== undefined) throw err;
    const { code, message } = describeError(err);
    ctx.err(`natter: the file settings are not shown: ${message} (${code})`);
    return { lines: [], json: {} };
  }
}

/** config.json of a profile that has an identity (E_NO_IDENTITY otherwise). */
async function readProfileConfig(ctx: CliContext): Promise<ProfileConfig> {
  if (!(await exists(ctx.paths.identity))) {
    throw cliError(
      CliCode.NoIdentity,
      `no identity in profile ${ctx.paths.dir}: run natter init --name NAME first`,
    );
  }
  return readConfig(ctx.paths);
}

interface Settings {
  pseudonym: string | null;
  relay: string | null;
  /** Where a relay found on the LAN was last reached (config.relaySeen): not configured. */
  relaySeen: string | null;
  relayId: string | null;
  relayFingerprint: string | null;
}

function view(config: ProfileConfig): Settings {
  const relayId = pinnedRelayId(config, config.relay) ?? null;
  return {
    pseudonym: config.pseudonym ?? null,
    relay: config.relay ?? null,
    relaySeen: config.relaySeen ?? null,
    relayId,
    relayFingerprint: relayId === null ? null : relayFingerprint(relayId),
  };
}

/**
 * The relay as `config get` prints it: the configured address, else the one a relay found on
 * the LAN was reached at, said so (a QA trial read `relay -` while connected to it).
 */
function relayLine({ relay, relaySeen }: Settings): string {
  if (relay !== null) return relay;
  return relaySeen === null ? '-' : `(found on the LAN) ${sanitize(relaySeen)}`;
}

const relayPart = ({ relay, relaySeen, relayId, relayFingerprint }: Settings) => ({
  relay,
  relaySeen,
  relayId,
  relayFingerprint,
});
