/**
 * `natter rename NEWNAME`: claim another pseudonym for this identity (issue 13: a
 * profile whose name someone else took while it was offline is not stuck). The
 * relay moves the identity to the new name in one step and frees the old one
 * (docs/protocol.md "Register"); the profile saves the new name only once the
 * relay has accepted it, so a taken or refused name changes nothing. A profile
 * that never reached a relay has no name anywhere yet: it is renamed locally when
 * no relay answers, and registers the new name on its first connect. Contacts see
 * the new name as a new contact with the same fingerprint (docs/decisions.md).
 */
import type { Command } from 'commander';
import {
  blindKey,
  formatRelayAddress,
  lookalikeKey,
  newPseudonymProblem,
  normalizePseudonym,
  pinnedRelayId,
  readConfig,
  updateConfig,
} from '../../peer/index.js';
import { isNatterError } from '../../util/errors.js';
import { connectRelay } from '../connect.js';
import { type CliContext, UsageError } from '../context.js';
import { CliCode, cliError } from '../errors.js';
import { safeJson, sanitize, takenWhy } from '../format.js';
import { exists } from '../io.js';
import type { WithContext } from '../main.js';
import { parseMs } from '../options.js';
import { refuseBesideRunning } from '../via-control.js';
import { INIT_DISCOVERY_MS } from './init.js';

/** What became of a rename. */
export interface Renamed {
  from: string | null;
  to: string;
  /** The relay that accepted it; null when no relay has heard of this profile yet. */
  relay: string | null;
  /** No relay ever held `from` (taken before this profile registered it): none freed it. */
  freedNothing?: true;
}

export function addRenameCommand(program: Command, withContext: WithContext): void {
  program
    .command('rename')
    .description('claim another pseudonym for your identity (the relay frees the old one)')
    .argument(
      '<name>',
      'the new pseudonym: 1-32 letters, digits, punctuation or symbols, no spaces',
    )
    .option('--json', 'print {from, to, relay} as JSON')
    .option('--wait <ms>', 'how long to try to reach (or find) the relay', parseMs, 10_000)
    .action(
      withContext(async (ctx, newName: string, opts: { json?: boolean; wait: number }) => {
        const name = normalizePseudonym(newName.trim());
        const problem = newPseudonymProblem(name);
        if (problem !== null) throw new UsageError(`rename: the name ${problem}`);
        if (!(await exists(ctx.paths.identity))) {
          throw cliError(
            CliCode.NoIdentity,
            `no identity in profile ${ctx.paths.dir}: run natter init --name NAME first`,
          );
        }
        // Already so (the same spelling): nothing to claim, and nothing to say was renamed.
        const current = (await readConfig(ctx.paths)).pseudonym;
        if (current === name) {
          if (opts.json) ctx.out(safeJson({ from: current, to: name, relay: null }));
          else ctx.out(`you are already ${sanitize(name)}`);
          return;
        }
        await refuseBesideRunning(
          ctx,
          'rename',
          'a new name needs a new login: quit it, run natter rename, and start it again',
          { stepsAside: true },
        );
        const r = await claimName(ctx, name, opts.wait);
        const { freedNothing, ...renamed } = r;
        if (opts.json) ctx.out(safeJson(renamed));
        else
          ctx.out(
            r.relay === null
              ? `renamed to ${sanitize(r.to)}; no relay has your name yet: it is registered the first time you connect`
              : `renamed to ${sanitize(r.to)} on relay ${r.relay}${!freedNothing && freed(r.from, r.to) ? `; '${sanitize(r.from!)}' is free again` : ''}`,
          );
      }),
    );
}

/**
 * Registers `name` for the profile's identity and saves it as the profile's
 * pseudonym. E_PSEUDONYM_TAKEN (nothing changed) when another identity holds it.
 */
export async function claimName(ctx: CliContext, name: string, waitMs: number): Promise<Renamed> {
  const before = await readConfig(ctx.paths);
  const from = before.pseudonym ?? null;
  // No relay id pinned: no relay was ever asked for a name (the pin comes before any Register).
  const reachedRelay = pinnedRelayId(before, before.relay) !== undefined;
  let address: string | null = null;
  let held = false;
  const keep = `your name stays '${sanitize(from ?? '')}'`;
  try {
    const client = await ctx.openClient({ connect: true, pseudonym: name });
    // A name no relay ever took (init with no relay, taken meanwhile) is not freed by this.
    held = await client.registeredAnywhere();
    const configured = await ctx.configuredRelay();
    address = configured === undefined ? null : formatRelayAddress(configured);
    client.on('connection:state', (e) => {
      if (e.relay) address = e.relay.address;
    });
    await connectRelay(ctx, client, { waitMs, discoverMs: INIT_DISCOVERY_MS, claiming: true });
    await updateConfig(ctx.paths, (c) => {
      c.pseudonym = name;
    });
    await client.logout();
    return { from, to: name, relay: address, ...(held ? {} : { freedNothing: true }) };
  } catch (err) {
    const offline =
      isNatterError(err, 'E_NO_RELAY') ||
      isNatterError(err, 'E_RELAY_UNREACHABLE') ||
      isNatterError(err, 'E_RELAY_TIMEOUT');
    if (offline && !reachedRelay) {
      await updateConfig(ctx.paths, (c) => {
        c.pseudonym = name;
      });
      return { from, to: name, relay: null };
    }
    if (isNatterError(err, 'E_PSEUDONYM_TAKEN')) {
      throw cliError(
        CliCode.PseudonymTaken,
        `the name '${sanitize(name)}' ${takenWhy(err.message)} on ${address === null ? 'the relay' : `relay ${address}`}; ${keep}; choose another`,
        { cause: err },
      );
    }
    if (offline && isNatterError(err)) {
      throw cliError(
        err.code === 'E_NO_RELAY'
          ? CliCode.NoRelay
          : err.code === 'E_RELAY_UNREACHABLE'
            ? CliCode.RelayUnreachable
            : CliCode.RelayTimeout,
        `${err.message}; the relay must accept the new name, so ${keep}`,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * Whether the relay gave the old name back: not when the new one is the same name in
 * another case or a look-alike of it, punctuation and accents aside (one key at the relay, still held
 * by this identity).
 */
function freed(from: string | null, to: string): boolean {
  return (
    from !== null && lookalikeKey(from) !== lookalikeKey(to) && blindKey(from) !== blindKey(to)
  );
}
