/**
 * `natter who [--json] [--wait MS] [--watch] [--lan]`: who is online.
 *
 * With this profile's client running (`inbox --follow`, `chat`), its view is
 * used through the control socket: the LAN and the relay's roster merged, with
 * contact pins and verified/changed-key marks. Otherwise `who` listens on the
 * LAN itself: it sends an anonymous QUERY, which peers answer at once, and
 * never announces, so running it makes nobody appear online. It does not log in
 * to a relay either: a login would list this user as online to everyone.
 */
import type { Command } from 'commander';
import { type OnlinePeer, type PeerEventMap, PresenceListener } from '../../peer/index.js';
import { isNatterError, NatterError } from '../../util/errors.js';
import type { CliContext } from '../context.js';
import { ControlClient, controlSocketPath } from '../control.js';
import { clockTime, safeJson, sanitize } from '../format.js';
import type { WithContext } from '../main.js';
import { parseMs } from '../options.js';
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
    rows[0]?.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) =>
        i === r.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length),
      )
      .join('  ')
      .trimEnd(),
  );
}
