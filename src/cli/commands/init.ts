/** `natter init --name NAME`: create the profile's identity (offline; registration happens on first connect). */
import { rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { saveIdentity } from '../../crypto/keyfile.js';
import { fingerprint, generateIdentity, type Identity } from '../../crypto/keys.js';
import {
  ensureProfileDir,
  formatRelayAddress,
  parseRelayAddress,
  updateConfig,
} from '../../peer/profile.js';
import { toHex } from '../../util/bytes.js';
import { isNatterError, NatterError } from '../../util/errors.js';
import { newPseudonymProblem, normalizePseudonym } from '../../wire/text.js';
import type { CliContext } from '../context.js';
import { safeJson, sanitize } from '../format.js';
import { exists } from '../io.js';
import type { WithContext } from '../main.js';
import { parseMs } from '../options.js';

/** How long `natter init` listens for a relay beacon when no relay is configured. */
export const INIT_DISCOVERY_MS = 1_000;

export function addInitCommand(program: Command, withContext: WithContext): void {
  program
    .command('init')
    .description('create an identity (signing and encryption keys) in the profile')
    .requiredOption(
      '--name <name>',
      'your pseudonym: 1-32 letters, digits, punctuation or symbols, no spaces',
    )
    .option('--json', 'print the result as JSON')
    .option(
      '--wait <ms>',
      'how long to try to register with the relay, if one is known',
      parseMs,
      5_000,
    )
    .action(
      withContext(async (ctx, opts: { name: string; json?: boolean; wait: number }) => {
        const name = normalizePseudonym(opts.name);
        const problem = newPseudonymProblem(name);
        if (problem !== null) {
          throw new NatterError('E_BAD_PSEUDONYM', `init: the name ${problem}`);
        }
        const paths = ctx.paths;
        if (await exists(paths.identity)) {
          throw new NatterError(
            'E_PROFILE_EXISTS',
            `profile ${paths.dir} already has an identity; use another --profile to create a second one`,
          );
        }
        const passphrase = await ctx.passphrase();
        const identity = await createIdentity(ctx, name, passphrase);
        const fp = fingerprint(identity.signPk);
        const registered = await register(ctx, opts.wait);
        if (opts.json) {
          ctx.out(
            safeJson({
              pseudonym: name,
              fingerprint: fp,
              userId: toHex(identity.signPk),
              profile: paths.dir,
              registered: registered.relay ?? null,
            }),
          );
          return;
        }
        ctx.out(`${sanitize(name)}  ${fp}`);
        ctx.out(
          `identity created in ${paths.dir}${passphrase === undefined ? '' : ' (sealed with your passphrase)'}`,
        );
        ctx.out(registered.note);
      }),
    );
}

/**
 * The offline half of `init` (also used by `natter chat` on first run): a new
 * identity in the profile, sealed with the passphrase if one is given, and the
 * pseudonym (and a relay named with --relay or NATTER_RELAY) in its config.
 */
export async function createIdentity(
  ctx: CliContext,
  name: string,
  passphrase: string | undefined,
): Promise<Identity> {
  const paths = ctx.paths;
  await ensureProfileDir(paths.dir);
  const identity = generateIdentity();
  await saveIdentity(paths.identity, identity, passphrase === undefined ? {} : { passphrase });
  const relayText = ctx.global.relay ?? ctx.io.env.NATTER_RELAY;
  await updateConfig(paths, (c) => {
    c.pseudonym = name;
    if (relayText) c.relay = formatRelayAddress(parseRelayAddress(relayText));
  });
  return identity;
}

/**
 * Claims the name on the relay now, if one is known or announces itself on the
 * LAN, so others can message this user before they first run send or inbox. A
 * taken name undoes the init, so the user can simply pick another; an
 * unreachable relay is only a note (registration then happens on the first
 * connect).
 */
async function register(
  ctx: CliContext,
  waitMs: number,
): Promise<{ relay?: string; note: string }> {
  const noRelay = {
    note: 'no relay known yet: the name is registered the first time you connect (--relay HOST:PORT, or a relay on the LAN)',
  };
  const configured = await ctx.configuredRelay();
  if (configured === undefined && ctx.presence(undefined) === false) return noRelay;
  let address = configured === undefined ? undefined : formatRelayAddress(configured);
  const label = () => (address === undefined ? 'the relay' : `relay ${address}`);
  const client = await ctx.openClient({ connect: true });
  client.on('connection:state', (e) => {
    if (e.relay) address = e.relay.address;
  });
  try {
    // A relay on the LAN answers our QUERY at once: no need to wait long for one.
    await client.connect({ timeoutMs: waitMs, discoverMs: INIT_DISCOVERY_MS });
  } catch (err) {
    if (isNatterError(err, 'E_NO_RELAY')) return noRelay;
    if (isNatterError(err, 'E_PSEUDONYM_TAKEN')) {
      await ctx.dispose();
      await rm(ctx.paths.identity, { force: true });
      throw new NatterError(
        'E_PSEUDONYM_TAKEN',
        `the name '${client.me.pseudonym}' is taken on ${label()}; choose another`,
      );
    }
    if (isNatterError(err, 'E_RELAY_TIMEOUT')) {
      return {
        note: `${label()} not reachable now: the name is registered the first time you connect`,
      };
    }
    throw err;
  }
  await client.logout();
  return { ...(address === undefined ? {} : { relay: address }), note: `registered on ${label()}` };
}
