/**
 * `natter who [--json] [--wait MS] [--watch] [--lan]`: who is online.
 *
 * With this profile's client running (`inbox --follow`, `chat`), its view is
 * used through the control socket: the LAN and the relay's roster merged, with
 * contact pins and verified/changed-key marks. Otherwise `who --watch` on a
 * profile registered with a relay opens the profile's own client, listening on
 * the LAN without announcing and logged in to the relay, so a peer whose
 * connection drops (a crash) leaves at once, as in `chat` (issue 13). A one-shot
 * `who` on such a profile does the same for `--wait` ms and lists what it saw. Both
 * log in quietly (Login.quiet: the relay does not announce them, so running `who`
 * makes nobody appear online; docs/decisions.md). Otherwise, and always with --lan,
 * `who` listens on the LAN only: it sends an anonymous QUERY, which peers answer at
 * once, and never announces.
 */
import type { Command } from 'commander';
import {
  isIdentitySealed,
  type NatterClient,
  type OnlinePeer,
  type PeerEventMap,
  PresenceListener,
  pinnedRelayId,
  readConfig,
} from '../../peer/index.js';
import { describeError, isNatterError, NatterError } from '../../util/errors.js';
import { displayWidth } from '../../util/text-width.js';
import { connectRelay } from '../connect.js';
import type { CliContext } from '../context.js';
import { ControlClient, controlSocketPath } from '../control.js';
import { clockTime, safeJson, sanitize } from '../format.js';
import { exists } from '../io.js';
import type { WithContext } from '../main.js';
import { parseMs } from '../options.js';
import { canPrompt, PASSPHRASE_HINT } from '../passphrase.js';
import { presenceNetwork } from '../presence.js';

/** Long enough for every peer's unicast answer to our QUERY, even on a busy Wi-Fi. */
export const WHO_WAIT_MS = 700;

interface WhoOptions {
  json?: boolean;
  wait: number;
  watch?: boolean;
  lan?: boolean;
}

type Change =
  | ({ kind: 'peer' } & PeerEventMap['roster:change'])
  | ({ kind: 'conflict' } & PeerEventMap['roster:conflict']);

export function addWhoCommand(program: Command, withContext: WithContext): void {
  program
    .command('who')
    .description('list who is online: pseudonym, status, status text, fingerprint, source, address')
    .option('--json', 'a JSON array (with --watch: one JSON object per change, with t in ms)')
    .option('--wait <ms>', 'how long to listen for answers on the LAN', parseMs, WHO_WAIT_MS)
    .option('--watch', 'print every change as it happens, until Ctrl-C')
    .option('--lan', 'listen on the LAN even when a natter client is running for this profile')
    .action(
      withContext(async (ctx, opts: WhoOptions) => {
        const control = opts.lan ? null : await runningClient(ctx);
        const print = printer(ctx, opts.json === true);
        if (control !== null) {
          try {
            await viaClient(ctx, control, opts, print);
          } finally {
            control.close();
          }
          return;
        }
        if (!opts.lan && (await registered(ctx))) {
          if (opts.watch) await watchViaRelay(ctx, print);
          else await onceViaRelay(ctx, opts.wait, print);
          return;
        }
        // No logger: a listener needs no profile, and must not create one to log into.
        const listener = await PresenceListener.start(
          presenceNetwork(ctx.io.env, ctx.global.presencePort),
        );
        try {
          if (opts.watch) {
            listener.on('roster:change', (e) => print.change({ kind: 'peer', ...e }));
            listener.on('roster:conflict', (e) => print.change({ kind: 'conflict', ...e }));
            await ctx.stopped();
          } else {
            await new Promise((resolve) => setTimeout(resolve, opts.wait));
            print.list(listener.online(), `no one answered on the LAN within ${opts.wait} ms`);
          }
        } finally {
          await listener.close();
        }
      }),
    );
}

/** How long `who --watch` waits for its relay before watching the LAN alone meanwhile. */
export const WHO_CONNECT_MS = 5_000;

/**
 * The profile has an identity and has proven a relay (it registered, or tried to),
 * and its key can be opened: a sealed one in a script without a passphrase file
 * watches the LAN only, as before, and says so.
 */
async function registered(ctx: CliContext): Promise<boolean> {
  if (!(await exists(ctx.paths.identity))) return false;
  const config = await readConfig(ctx.paths);
  if (pinnedRelayId(config, config.relay) === undefined) return false;
  const sealed = await isIdentitySealed(ctx.paths.identity).catch(() => false);
  if (sealed && !canPrompt(ctx.io) && (await ctx.passphrase()) === undefined) {
    ctx.err(
      `natter: your key is sealed and no passphrase was given: watching the LAN only (${PASSPHRASE_HINT})`,
    );
    return false;
  }
  return true;
}

/**
 * One-shot `who` through the profile's own client, logged in quietly (the relay
 * does not announce it): the relay's roster and the LAN's answers within `waitMs`,
 * merged as in `chat`. A relay not reachable within WHO_CONNECT_MS is said, and
 * the LAN's answers are listed alone.
 */
async function onceViaRelay(
  ctx: CliContext,
  waitMs: number,
  print: ReturnType<typeof printer>,
): Promise<void> {
  const client = await ctx.openClient({ connect: true, listen: true, tellQueued: true });
  const listening = new Promise((resolve) => setTimeout(resolve, waitMs));
  const reached = await connectOrLan(ctx, client, 'listing who answered on the LAN');
  const where = reached ? 'on the LAN or at the relay' : 'on the LAN';
  await listening;
  // The relay sends its roster right behind Ready, in the same write: one turn takes it in.
  await new Promise((resolve) => setImmediate(resolve));
  print.list(client.online(), `no one online ${where} (listened ${waitMs} ms)`);
  await client.logout();
}

/**
 * `who --watch` through the profile's own client, logged in quietly: changes from
 * the LAN (listen only) and the relay's roster, merged as in `chat`. A relay not
 * reachable now is said once; the client keeps trying, and the LAN is watched
 * meanwhile.
 */
async function watchViaRelay(ctx: CliContext, print: ReturnType<typeof printer>): Promise<void> {
  const client = await ctx.openClient({ connect: true, listen: true, tellQueued: true });
  const offs = [
    client.on('roster:change', (e) => print.change({ kind: 'peer', ...e })),
    client.on('roster:conflict', (e) => print.change({ kind: 'conflict', ...e })),
  ];
  await connectOrLan(ctx, client, 'watching the LAN and still trying');
  await ctx.stopped();
  // Our own leaving empties the roster: nobody left, so nothing more is printed.
  for (const off of offs) off();
  await client.logout();
}

/**
 * Connects within WHO_CONNECT_MS: true once the relay answered. A relay not reachable (or
 * not heard on the LAN) is said, with what `who` does instead; false then (the LAN still
 * answers: the client listens there from the start, announcing nothing).
 */
async function connectOrLan(
  ctx: CliContext,
  client: NatterClient,
  instead: string,
): Promise<boolean> {
  try {
    await connectRelay(ctx, client, { waitMs: WHO_CONNECT_MS });
    return true;
  } catch (err) {
    const lanStill = ['E_RELAY_UNREACHABLE', 'E_RELAY_TIMEOUT', 'E_NO_RELAY'];
    if (!lanStill.some((code) => isNatterError(err, code))) throw err;
    ctx.err(`natter: ${describeError(err).message}; ${instead}`);
    return false;
  }
}

async function runningClient(ctx: CliContext): Promise<ControlClient | null> {
  try {
    return await ControlClient.connect(controlSocketPath(ctx.paths.dir), ctx.paths.dir);
  } catch (err) {
    if (isNatterError(err, 'E_NOT_RUNNING')) return null;
    throw err;
  }
}

async function viaClient(
  ctx: CliContext,
  control: ControlClient,
  opts: WhoOptions,
  print: ReturnType<typeof printer>,
): Promise<void> {
  const answer = await control.request({ op: opts.watch ? 'watch' : 'who' });
  if (!answer.ok)
    throw new NatterError(answer.code, `who: the running client refused: ${answer.message}`);
  const peers = answer.peers ?? [];
  if (!opts.watch) {
    print.list(peers, 'no one else is online');
    return;
  }
  // The current list first, as joins, so a watcher sees the same stream either way.
  for (const peer of peers) print.change({ kind: 'peer', type: 'join', peer });
  const stopped = ctx.stopped();
  let done = false;
  void stopped.then(() => {
    done = true;
    control.close();
  });
  while (!done) {
    const line = (await control.next()) as Record<string, unknown> | null;
    if (line === null) break;
    const { event, ...payload } = line;
    if (event === 'roster:change') {
      print.change({ kind: 'peer', ...(payload as unknown as PeerEventMap['roster:change']) });
    } else if (event === 'roster:conflict') {
      print.change({
        kind: 'conflict',
        ...(payload as unknown as PeerEventMap['roster:conflict']),
      });
    }
  }
  if (!done) ctx.io.stderr.write('natter: the running client stopped\n');
}

/** Output, sanitised: peer text never reaches the terminal raw. */
function printer(ctx: CliContext, json: boolean) {
  const peerFields = (p: OnlinePeer) => ({
    pseudonym: p.pseudonym,
    status: p.status,
    statusText: p.statusText,
    fingerprint: p.fingerprint,
    source: p.source,
    address: p.address ?? null,
    userId: p.userId,
    verified: p.verified,
    keyChanged: p.keyChanged,
  });
  return {
    list(peers: OnlinePeer[], empty: string) {
      if (json) ctx.out(safeJson(peers.map(peerFields)));
      else if (peers.length === 0) ctx.out(empty);
      else for (const line of table(peers)) ctx.out(line);
    },
    change(c: Change) {
      const t = Date.now();
      if (c.kind === 'conflict') {
        const { pseudonym, claimedFingerprint, pinnedFingerprint } = c;
        ctx.out(
          json
            ? safeJson({ t, type: 'conflict', pseudonym, claimedFingerprint, pinnedFingerprint })
            : `${clockTime(t)}  ! ${sanitize(pseudonym)} claimed by another key ${claimedFingerprint} (known as ${pinnedFingerprint}): not shown as them`,
        );
        return;
      }
      const { type, peer, reason } = c;
      if (json) {
        ctx.out(safeJson({ t, type, ...(reason ? { reason } : {}), ...peerFields(peer) }));
        return;
      }
      const mark = type === 'leave' ? '-' : type === 'update' ? '~' : '+';
      const [row] = table([peer]);
      ctx.out(`${clockTime(t)}  ${mark} ${row}${reason ? `  (${reason})` : ''}`);
    },
  };
}

/** Aligned columns; the status text goes last because its width varies most. */
function table(peers: OnlinePeer[]): string[] {
  const rows = peers.map((p) => [
    sanitize(p.pseudonym),
    p.status,
    p.fingerprint,
    p.source,
    p.address ?? '-',
    [
      p.keyChanged ? 'KEY CHANGED' : p.verified ? 'verified' : '',
      p.statusText ? `"${sanitize(p.statusText)}"` : '',
    ]
      .filter((s) => s.length > 0)
      .join('  '),
  ]);
  const widths =
    rows[0]?.map((_, i) => Math.max(...rows.map((r) => displayWidth(r[i] ?? '')))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) =>
        i === r.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - displayWidth(cell)),
      )
      .join('  ')
      .trimEnd(),
  );
}
