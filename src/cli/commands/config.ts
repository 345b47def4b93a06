/**
 * `natter config get [KEY] [--json]` and `natter config set relay HOST:PORT`: the
 * profile's saved settings (config.json), read and changed without the key file
 * or a relay. The pseudonym is changed only by `natter rename` (the relay must
 * agree), and the relay id only by a relay that proves a new one with
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
import { type CliContext, UsageError } from '../context.js';
import { CliCode, cliError } from '../errors.js';
import { safeJson, sanitize } from '../format.js';
import { exists } from '../io.js';
import type { WithContext } from '../main.js';

/** The settings `config get` names; `config set` takes only `relay`. */
const KEYS = ['pseudonym', 'relay'] as const;
type Key = (typeof KEYS)[number];

export function addConfigCommands(program: Command, withContext: WithContext): void {
  const config = program
    .command('config')
    .description("show or change the profile's settings (config.json)");
  config
    .command('get')
    .description('print the saved settings: pseudonym, relay address and the pinned relay id')
    .argument('[key]', `one of them: ${KEYS.join(', ')}`)
    .option('--json', 'print them as a JSON object')
    .action(
      withContext(async (ctx, key: string | undefined, opts: { json?: boolean }) => {
        const wanted = key === undefined ? undefined : settingKey(key);
        const settings = view(await readProfileConfig(ctx));
        if (opts.json) {
          ctx.out(
            safeJson(
              wanted === 'pseudonym'
                ? { pseudonym: settings.pseudonym }
                : wanted === 'relay'
                  ? relayPart(settings)
                  : settings,
            ),
          );
          return;
        }
        if (wanted !== 'relay') ctx.out(`pseudonym  ${sanitize(settings.pseudonym ?? '-')}`);
        if (wanted !== 'pseudonym') {
          ctx.out(`relay      ${settings.relay ?? '-'}`);
          ctx.out(
            `relay id   ${settings.relayFingerprint ?? '- (not registered with a relay yet)'}`,
          );
        }
      }),
    );
  config
    .command('set')
    .description(
      'change a setting: relay HOST:PORT (the relay there must prove the pinned relay id)',
    )
    .argument('<key>', 'relay')
    .argument('<value>', 'HOST:PORT (HOST alone means port 47474)')
    .action(
      withContext(async (ctx, key: string, value: string) => {
        if (settingKey(key) !== 'relay') {
          throw new UsageError(
            `config set: only relay can be set (the pseudonym changes with natter rename)`,
          );
        }
        let address: string;
        try {
          address = formatRelayAddress(parseRelayAddress(value));
        } catch {
          throw new UsageError(`config set relay: '${value}' is not HOST:PORT`);
        }
        await readProfileConfig(ctx);
        const saved = view(
          await updateConfig(ctx.paths, (c) => {
            c.relay = address;
          }),
        );
        ctx.out(`relay      ${address}`);
        if (saved.relayFingerprint !== null) {
          ctx.err(
            `natter: the relay at ${address} must prove relay id ${saved.relayFingerprint}, which this profile registered with; a relay with another id is refused unless you pass --accept-new-relay-key`,
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
  relayId: string | null;
  relayFingerprint: string | null;
}

function view(config: ProfileConfig): Settings {
  const relayId = pinnedRelayId(config, config.relay) ?? null;
  return {
    pseudonym: config.pseudonym ?? null,
    relay: config.relay ?? null,
    relayId,
    relayFingerprint: relayId === null ? null : relayFingerprint(relayId),
  };
}

const relayPart = ({ relay, relayId, relayFingerprint }: Settings) => ({
  relay,
  relayId,
  relayFingerprint,
});
