/** `natter init --name NAME`: create the profile's identity (offline; registration happens on first connect). */
import { rm } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  checkNewIdentity,
  createIdentity as createProfileIdentity,
  formatRelayAddress,
  type Me,
  parseRelayAddress,
} from '../../peer/index.js';
import { isNatterError } from '../../util/errors.js';
import { connectRelay } from '../connect.js';
import type { CliContext } from '../context.js';
import { CliCode, cliError } from '../errors.js';
import { safeJson, sanitize, takenWhy } from '../format.js';
import type { WithContext } from '../main.js';
import { parseMs } from '../options.js';
import { askNewPassphrase } from '../passphrase.js';

/** How long `natter init` listens for a relay beacon when no relay is configured. */
export const INIT_DISCOVERY_MS = 1_000;

interface InitOptions {
  name: string;
  json?: boolean;
  seal?: boolean;
  wait: number;
}

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
      '--seal',
      'seal the key with a passphrase: from --passphrase-file (or NATTER_PASSPHRASE_FILE), else asked on the terminal',
    )
    .option(
      '--wait <ms>',
      'how long to try to register with the relay, if one is known',
      parseMs,
      5_000,
    )
    .action(
      withContext(async (ctx, opts: InitOptions) => {
        const paths = ctx.paths;
        // Before the passphrase prompt: a bad or taken name is said at once.
        const name = await checkNewIdentity({ profileDir: paths.dir, pseudonym: opts.name });
        const given = await ctx.passphrase();
        const passphrase = given ?? (opts.seal ? await askNewPassphrase(ctx.io) : undefined);
        ctx.typed = passphrase;
        const me = await createIdentity(ctx, name, passphrase);
        const fp = me.fingerprint;
        const registered = await register(ctx, opts.wait);
        if (opts.json) {
          ctx.out(
            safeJson({
              pseudonym: name,
              fingerprint: fp,
              userId: me.userId,
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
 * The offline half of `init` (also used by `natter chat` on first run), done by
 * the core (peer/profile.ts createIdentity): a new identity in the profile,
 * sealed with the passphrase if one is given, with the pseudonym and a relay
 * named with --relay or NATTER_RELAY.
 */
export function createIdentity(
  ctx: CliContext,
  name: string,
  passphrase: string | undefined,
): Promise<Me> {
  const relayText = ctx.global.relay ?? ctx.io.env.NATTER_RELAY;
  return createProfileIdentity({
    profileDir: ctx.paths.dir,
    pseudonym: name,
    ...(passphrase === undefined ? {} : { passphrase }),
    ...(relayText ? { relay: parseRelayAddress(relayText) } : {}),
  });
}

/** A relay's refusals of a Register for now (the link's refusedForNow), in init's words. */
const REFUSED_FOR_NOW: Readonly<Record<string, string>> = {
  E_STORE_UNAVAILABLE: 'it cannot reach its store; try again when it is back',
  E_RELAY_DISK_FULL: 'its disk is full; try again when it is back',
  E_RELAY_FULL: 'it has no room for more connections; try again later',
  E_TOO_MANY_REGISTRATIONS:
    'too many new users were registered from this address lately; try again in a minute',
  E_RELAY_USERS_FULL: "it has no room for more users; ask the relay's operator",
};

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
    // A relay on the LAN answers our QUERY at once: no need to wait long for one. A
    // refused or unresolvable address is said within a second (connect.ts).
    await connectRelay(ctx, client, { waitMs, discoverMs: INIT_DISCOVERY_MS, claiming: true });
  } catch (err) {
    // None heard: why, in the core's words (the UDP port, a firewall), as a note.
    if (isNatterError(err, 'E_NO_RELAY'))
      return { note: `${err.message}; the name is registered the first time you connect` };
    // Several relays, none chosen: undone like a taken name, so init runs again with --relay.
    if (isNatterError(err, 'E_SEVERAL_RELAYS')) {
      await ctx.dispose();
      await rm(ctx.paths.identity, { force: true });
      throw err;
    }
    if (isNatterError(err, 'E_PSEUDONYM_TAKEN')) {
      await ctx.dispose();
      await rm(ctx.paths.identity, { force: true });
      throw cliError(
        CliCode.PseudonymTaken,
        `the name '${sanitize(client.me.pseudonym)}' ${takenWhy(err.message)} on ${label()}; choose another`,
      );
    }
    if (isNatterError(err, 'E_RELAY_UNREACHABLE')) {
      return {
        note: `${err.message.replace(/^connect: /, '')}; the name is registered the first time you connect`,
      };
    }
    const why = isNatterError(err) ? REFUSED_FOR_NOW[err.code] : undefined;
    if (why !== undefined && isNatterError(err)) {
      return {
        note: `not registered yet: ${label()} answered, but ${why} (the name is registered the first time you connect) (${err.code})`,
      };
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
