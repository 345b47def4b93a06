/**
 * `natter init --name NAME`: create the profile's identity and register the name with the
 * relay. Exit 0 when registered, or when no relay is known or reachable now (a note on
 * stderr: the first command that reaches one registers it); exit 1 when the relay refuses
 * (the profile kept, said how to go on), and nothing left behind when the name or the
 * choice of relay is refused (docs/decisions.md, "init's failures").
 */
import type { Command } from 'commander';
import {
  checkNewIdentity,
  createIdentity as createProfileIdentity,
  formatRelayAddress,
  type Me,
  parseRelayAddress,
} from '../../peer/index.js';
import { isNatterError, NatterError } from '../../util/errors.js';
import { connectRelay } from '../connect.js';
import type { CliContext } from '../context.js';
import { CliCode, cliError } from '../errors.js';
import { safeJson, sanitize, takenWhy } from '../format.js';
import { beforeInit } from '../init-undo.js';
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
        // A refusal before the profile is of any use leaves nothing behind (init-undo.ts).
        const before = await beforeInit(paths);
        const undone = async (err: unknown): Promise<never> => {
          await ctx.dispose();
          await before.undo();
          throw err;
        };
        const me = await createIdentity(ctx, name, passphrase).catch(undone);
        const registered = await register(ctx, opts.wait).catch(undone);
        if (opts.json) {
          ctx.out(
            safeJson({
              pseudonym: name,
              fingerprint: me.fingerprint,
              userId: me.userId,
              profile: paths.dir,
              registered: registered.kind === 'registered' ? (registered.relay ?? null) : null,
            }),
          );
        } else {
          ctx.out(`${sanitize(name)}  ${me.fingerprint}`);
          ctx.out(
            `identity created in ${paths.dir}${passphrase === undefined ? '' : ' (sealed with your passphrase)'}`,
          );
          if (registered.kind === 'registered') ctx.out(registered.note);
        }
        // Not registered: a note on stderr (exit 0) when it was only put off, the
        // relay's refusal as this command's failure (exit 1); the profile is kept either way.
        if (registered.kind === 'deferred') ctx.err(`natter: ${registered.note}`);
        if (registered.kind === 'refused') throw registered.error;
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
 * What became of the Register: done; put off, as the first-run design allows (no relay
 * known or reachable now: the first command that reaches one registers the name); or
 * refused by the relay, for now or for a reason the user must act on (the profile stays,
 * and the next command that reaches the relay registers it).
 */
type Registration =
  | { kind: 'registered'; relay?: string; note: string }
  | { kind: 'deferred'; note: string }
  | { kind: 'refused'; error: NatterError };

/** The relay's refusals of the name itself: init is undone, so it simply runs again. */
const NAME_REFUSED = new Set(['E_PSEUDONYM_TAKEN', 'E_BAD_PSEUDONYM']);

/**
 * Claims the name on the relay now, if one is known or announces itself on the
 * LAN, so others can message this user before they first run send or inbox. A
 * refusal that the profile cannot outlive (a taken or refused name, several relays
 * and none chosen) is thrown, and init is undone; the rest is a Registration.
 */
async function register(ctx: CliContext, waitMs: number): Promise<Registration> {
  const later = 'the name is registered the first time you connect';
  const configured = await ctx.configuredRelay();
  if (configured === undefined && ctx.presence(undefined) === false)
    return {
      kind: 'deferred',
      note: `no relay known yet: ${later} (--relay HOST:PORT, or a relay on the LAN)`,
    };
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
    if (!isNatterError(err)) throw err;
    // None heard: why, in the core's words (the UDP port, a firewall).
    if (err.code === 'E_NO_RELAY') return { kind: 'deferred', note: `${err.message}; ${later}` };
    if (err.code === 'E_RELAY_UNREACHABLE')
      return { kind: 'deferred', note: `${err.message.replace(/^connect: /, '')}; ${later}` };
    if (err.code === 'E_RELAY_TIMEOUT')
      return { kind: 'deferred', note: `${label()} not reachable now: ${later}` };
    // Several relays, none chosen: init runs again with --relay.
    if (err.code === 'E_SEVERAL_RELAYS') throw err;
    if (err.code === 'E_PSEUDONYM_TAKEN')
      throw cliError(
        CliCode.PseudonymTaken,
        `the name '${sanitize(client.me.pseudonym)}' ${takenWhy(err.message)} on ${label()}; choose another`,
      );
    if (NAME_REFUSED.has(err.code)) throw err;
    const kept = `your identity is kept in ${ctx.paths.dir}; natter inbox, or any command that reaches the relay, registers the name then`;
    const why = REFUSED_FOR_NOW[err.code];
    const said =
      why === undefined
        ? `not registered yet: ${err.message.replace(/^connect: /, '')} (${kept})`
        : `not registered yet: ${label()} answered, but ${why} (${kept})`;
    return { kind: 'refused', error: new NatterError(err.code, said, { cause: err }) };
  }
  await client.logout();
  return {
    kind: 'registered',
    ...(address === undefined ? {} : { relay: address }),
    note: `registered on ${label()}`,
  };
}
