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
 * once, and never announces. `who --watch` through a running client carries on on
 * its own when that client quits, stepping aside for a chat (who-hold.ts).
 */
import type { Command } from 'commander';
import {
  conflictWords,
  type OnlinePeer,
  type PeerEventMap,
  PresenceListener,
} from '../../peer/index.js';
import { NatterError } from '../../util/errors.js';
import { displayWidth } from '../../util/text-width.js';
import type { CliContext } from '../context.js';
import type { ControlClient } from '../control-client.js';
import { clockTime, safeJson, sanitize } from '../format.js';
import type { WithContext } from '../main.js';
import { parseMs } from '../options.js';
import { lanKnownNames, ownUserId, presenceNetwork } from '../presence.js';
import { runningClient } from '../via-control.js';
import { watchWho } from '../who-hold.js';
import { type Change, connectOrLan, registered, sealedNote, WHO_WAIT_MS } from '../who-watch.js';

export { WHO_CONNECT_MS, WHO_WAIT_MS } from '../who-watch.js';

interface WhoOptions {
  json?: boolean;
  wait: number;
  watch?: boolean;
  lan?: boolean;
}

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
        if (opts.watch) {
          // Through the running client while it lasts, then through the next holder or on its own (who-hold.ts).
          await watchWho(ctx, control, opts.lan === true, (c) => print.change(c));
          return;
        }
        if (control !== null) {
          try {
            await onceViaClient(control, print);
          } finally {
            control.close();
          }
          return;
        }
        const profile = opts.lan ? 'none' : await registered(ctx);
        if (profile === 'open') {
          await onceViaRelay(ctx, opts.wait, print);
          return;
        }
        if (profile === 'sealed')
          ctx.err(`natter: ${sealedNote('listing who answers on the LAN only')}`);
        // No logger: a listener needs no profile, and must not create one to log into.
        const listener = await PresenceListener.start(
          presenceNetwork(ctx.io.env, ctx.global.presencePort),
          undefined,
          await lanKnownNames(ctx),
        );
        listener.on('roster:conflict', (e) => print.conflict(e));
        try {
          const me = await ownUserId(ctx);
          await new Promise((resolve) => setTimeout(resolve, opts.wait));
          // Without me, as `who` through a client lists it (and the chat): I know I am here.
          const others = listener.online().filter((p) => p.userId !== me);
          print.list(others, `no one answered on the LAN within ${opts.wait} ms`);
        } finally {
          await listener.close();
        }
      }),
    );
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
  client.on('roster:conflict', (e) => print.conflict(e));
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
 * A one-shot `who` through the running client: its list, contact marks and all, and the
 * impostors it hears now, said as a `who` of its own says those it hears (a QA trial: a
 * look-alike of a contact was said by `who --lan` and not through the chat).
 */
async function onceViaClient(
  control: ControlClient,
  print: ReturnType<typeof printer>,
): Promise<void> {
  const answer = await control.request({ op: 'who' });
  if (!answer.ok)
    throw new NatterError(answer.code, `who: the running client refused: ${answer.message}`);
  for (const e of answer.impostors ?? []) print.conflict(e);
  print.list(answer.peers ?? [], 'no one else is online');
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
  const told = new Set<string>();
  return {
    /**
     * An impostor heard (a key other than the one pinned to the name, or to a name it
     * looks like): not listed, and said once on stderr, in the chat's words.
     */
    conflict(e: PeerEventMap['roster:conflict']) {
      const said = `${e.pseudonym}|${e.claimedFingerprint}`;
      if (told.has(said)) return;
      told.add(said);
      ctx.err(`natter: ${conflictWords(e, sanitize(e.pseudonym))}`);
    },
    list(peers: OnlinePeer[], empty: string) {
      if (json) ctx.out(safeJson(peers.map(peerFields)));
      else if (peers.length === 0) ctx.out(empty);
      else for (const line of table(peers)) ctx.out(line);
    },
    change(c: Change) {
      const t = Date.now();
      if (c.kind === 'conflict') {
        const { pseudonym, claimedFingerprint, pinnedFingerprint, via } = c;
        const where = via === 'relay' ? " in the relay's roster" : '';
        ctx.out(
          json
            ? safeJson({
                t,
                type: 'conflict',
                pseudonym,
                claimedFingerprint,
                pinnedFingerprint,
                ...(via === 'relay' ? { via } : {}),
              })
            : `${clockTime(t)}  ! ${sanitize(pseudonym)} claimed by another key ${claimedFingerprint}${where} (known as ${pinnedFingerprint}): not shown as them`,
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
