/**
 * `natter fingerprint --relay`: the fingerprint of the relay this profile is
 * pinned to (DESIGN.md §2, issue 10), for an out-of-band check against the line
 * `natter relay` prints at start. Local: reads the profile's config, needs no
 * key and no relay.
 *
 * `--relay` is the program's own option (`--relay HOST:PORT` elsewhere), so
 * commander gives it to the program, with `true` for no value; main.ts refuses
 * that for every other command.
 */
import type { Command } from 'commander';
import { pinnedRelayId, readConfig, relayFingerprint } from '../../peer/index.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../context.js';
import { CliCode, cliError } from '../errors.js';
import { safeJson } from '../format.js';

/** True when `natter fingerprint --relay` was given (the program's --relay, with no value). */
export function relayFlag(command: Command): boolean {
  return command.parent?.opts<{ relay?: string | true }>().relay === true;
}

/** Prints `relay  <fingerprint>` (or JSON with the relay id); E_NO_RELAY if none is pinned yet. */
export async function showRelayFingerprint(
  ctx: CliContext,
  name: string | undefined,
  opts: { json?: boolean },
): Promise<void> {
  if (name !== undefined) throw new UsageError('fingerprint: --relay takes no NAME');
  const config = await readConfig(ctx.paths);
  const relayId = pinnedRelayId(config, config.relay);
  if (relayId === undefined) {
    throw cliError(
      CliCode.NoRelay,
      'fingerprint: this profile has not registered with a relay yet; connect once (natter init, send or inbox), then compare',
    );
  }
  const fingerprint = relayFingerprint(relayId);
  if (opts.json) ctx.out(safeJson({ relayId, fingerprint, address: config.relay ?? null }));
  else ctx.out(`relay  ${fingerprint}`);
}
