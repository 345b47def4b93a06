/**
 * Presence settings for CLI commands, from flags and the environment
 * (docs/presence.md):
 *
 *   --presence-port PORT / NATTER_PRESENCE_PORT   UDP port (default 47475)
 *   NATTER_PRESENCE_TARGETS=a,b                   extra broadcast targets (tests: 127.255.255.255)
 *   NATTER_PRESENCE_INTERFACES=0                  no interface broadcasts (tests)
 *   NATTER_PRESENCE_INTERVAL_MS=N                 heartbeat interval (default 2000)
 *   NATTER_PRESENCE=0                             clients use no UDP at all
 *   NATTER_RELAY_PRESENCE=0                       `natter relay` sends no beacon
 *
 * The relay's beacon goes only to the interfaces its --host listens on (all of
 * them for 0.0.0.0 or ::, only 127.255.255.255 for a loopback address); the
 * extra targets always apply (src/presence/targets.ts listenScope).
 *
 * Long-running commands (`inbox --follow`, `chat`) announce; take the flags
 * with addPresenceOptions() and pass them to CliContext.openClient({ announce }).
 */
import { type Command, Option } from 'commander';
import {
  type KnownName,
  type ListenerOptions,
  type PresenceStatus,
  parseIPv4,
  readKnownNames,
  readSignPublicKey,
  PRESENCE_STATUSES as STATUSES,
} from '../peer/index.js';
import { toHex } from '../util/bytes.js';
import { type CliContext, UsageError } from './context.js';
import { callControl, runningClient } from './via-control.js';

/** The flags addPresenceOptions() adds, as commander parses them. */
export interface PresenceFlags {
  status?: PresenceStatus;
  statusText?: string;
  /** false with --no-presence. */
  presence?: boolean;
}

/** The core's one status list, for commander's choices. */
export const PRESENCE_STATUSES: readonly PresenceStatus[] = STATUSES;

/** Adds --status, --status-text and --no-presence to a long-running command. */
export function addPresenceOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--status <status>', 'presence status to announce (default online)').choices(
        PRESENCE_STATUSES,
      ),
    )
    .option('--status-text <text>', 'a short status text shown next to your name')
    .option('--no-presence', 'do not announce yourself on the LAN (NATTER_PRESENCE=0)');
}

type Env = Record<string, string | undefined>;

/** False when presence is switched off for clients (NATTER_PRESENCE=0). */
export function clientPresenceAllowed(env: Env): boolean {
  return env.NATTER_PRESENCE !== '0';
}

/** False when the relay beacon is switched off (NATTER_RELAY_PRESENCE=0). */
export function relayPresenceAllowed(env: Env): boolean {
  return env.NATTER_RELAY_PRESENCE !== '0';
}

/** Port, targets, interfaces and interval, shared by clients, `who` and the relay beacon. */
export function presenceNetwork(
  env: Env,
  portFlag: number | undefined,
): Omit<ListenerOptions, 'openTransport'> {
  const out: Omit<ListenerOptions, 'openTransport'> = {};
  const port = portFlag ?? envNumber(env, 'NATTER_PRESENCE_PORT', 1, 65535);
  if (port !== undefined) {
    if (port < 1) throw new UsageError('--presence-port must be 1-65535');
    out.port = port;
  }
  const targets = (env.NATTER_PRESENCE_TARGETS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  for (const t of targets) {
    if (parseIPv4(t) === null) {
      throw new UsageError(`NATTER_PRESENCE_TARGETS: '${t}' is not an IPv4 address`);
    }
  }
  if (targets.length > 0) out.extraTargets = targets;
  const interfaces = env.NATTER_PRESENCE_INTERFACES;
  if (interfaces !== undefined && interfaces !== '') {
    if (interfaces !== '0' && interfaces !== '1') {
      throw new UsageError(`NATTER_PRESENCE_INTERFACES must be 0 or 1, not '${interfaces}'`);
    }
    out.broadcastInterfaces = interfaces === '1';
  }
  const interval = envNumber(env, 'NATTER_PRESENCE_INTERVAL_MS', 10, 3_600_000);
  if (interval !== undefined) out.intervalMs = interval;
  return out;
}

function envNumber(env: Env, name: string, min: number, max: number): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!/^\d{1,9}$/.test(text) || n < min || n > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not '${text}'`);
  }
  return n;
}

/**
 * This profile's user id (hex), or null with no identity: nothing asked, no secret read.
 * A LAN listener leaves it out, as `who` through a client and the chat do: I know I am here.
 */
export async function ownUserId(ctx: CliContext): Promise<string | null> {
  try {
    return toHex(await readSignPublicKey(ctx.paths.identity));
  } catch {
    return null;
  }
}

/**
 * The names a LAN listener pins (`who --lan`, `who --watch` on the LAN alone): this
 * profile's own and its contacts', read from the profile, or asked of its running client
 * while one holds it. None when the profile has none, or they cannot be had: the listener
 * then pins each name to the first key it hears, as before.
 */
export async function lanKnownNames(ctx: CliContext): Promise<KnownName[]> {
  const { own, contacts } = await readKnownNames(ctx.paths.dir).catch(() => ({
    own: null,
    contacts: [],
  }));
  const names = own === null ? [] : [own];
  if (contacts !== null) return [...names, ...contacts];
  const control = await runningClient(ctx).catch(() => null);
  if (control === null) return names;
  try {
    const answer = await callControl(control, 'contacts', {});
    return [...names, ...answer.contacts.map(({ pseudonym, userId }) => ({ pseudonym, userId }))];
  } catch {
    return names;
  } finally {
    control.close();
  }
}
