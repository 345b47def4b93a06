/**
 * `natter who --watch` across the profile's holders (docs/decisions.md, "who --watch steps
 * aside"): it watches through whoever serves the profile's control socket (a chat, an
 * `inbox --follow`, another watcher), and holds the profile itself only when no one does,
 * serving the control socket then as a client does. Asked to step aside (control-holder.ts)
 * it lets the profile go, and watches through the next holder once its socket appears, or
 * takes the profile back when it is free again. Several watchers share one holder: only
 * one of them holds, the others watch through it. The printed stream stays whole across
 * every switch (WatchStream): no one seems to leave and come back.
 */
import { type NatterClient, PresenceListener } from '../peer/index.js';
import { isNatterError } from '../util/errors.js';
import type { CliContext } from './context.js';
import { controlSocketPath, startControlServer } from './control.js';
import type { ControlClient } from './control-client.js';
import { WATCHER_HOLDER, watcherDispatch } from './control-holder.js';
import { holderName } from './holder-file.js';
import { lanKnownNames, ownUserId, presenceNetwork } from './presence.js';
import { runningClient } from './via-control.js';
import {
  type Change,
  connectOrLan,
  registered,
  sealedNote,
  WatchStream,
  WHO_WAIT_MS,
  watchThrough,
} from './who-watch.js';

/**
 * How long a watcher that stepped aside leaves the profile alone: the command that asked
 * opens it next (its lock wait retries every 50 ms, store.ts), and serves its control
 * socket right after, if it is a chat.
 */
export const STEP_ASIDE_GRACE_MS = 2_000;

/**
 * How often a watcher holding nothing looks for a holder to watch through, or the profile
 * free to take back (a try opens the key: a sealed one costs a key derivation).
 */
export const HOLDER_POLL_MS = 500;

type Ending = 'stopped' | 'stepped-aside' | 'busy';

/**
 * Watches until stopped: through `control` (the running client) while it lasts, then
 * through the next holder or on its own; `lan`: the LAN only (--lan, or no registered
 * profile), holding nothing.
 */
export async function watchWho(
  ctx: CliContext,
  control: ControlClient | null,
  lan: boolean,
  print: (c: Change) => void,
): Promise<void> {
  const stream = new WatchStream(print);
  let through = control;
  let holds: boolean | undefined;
  // The holder watched through went without a word (killed, or a chat that quit): said with
  // what the watch does next, once it does it (a trial's watcher said "on our own" and went
  // on through another watcher that got the profile first).
  let gone = false;
  const say = (next: string) => {
    ctx.err(`natter: ${gone ? 'the running client stopped; ' : ''}${next}`);
    gone = false;
  };
  for (;;) {
    let waitMs = HOLDER_POLL_MS;
    if (through !== null) {
      if (gone) say(`watching through ${await holderName(ctx.paths.dir)}`);
      const ending = await watchThrough(ctx, through, stream);
      if (ending === 'stopped') return;
      stream.handover();
      gone ||= ending === 'gone';
      // A holder that stepped aside did so for a command about to open the profile.
      const next = await nextHolder(ctx, ending === 'gone' ? 0 : STEP_ASIDE_GRACE_MS);
      if (next === 'stopped') return;
      through = next;
      if (through !== null) continue;
    }
    // A passphrase prompt in the middle of a watch would stop it unseen: after a handover, a
    // sealed key without a passphrase file watches the LAN only, and says so.
    if (holds === undefined) {
      const profile = lan ? 'none' : await registered(ctx, { prompt: control === null });
      if (profile === 'sealed') say(sealedNote('watching the LAN only'));
      holds = profile === 'open';
    }
    if (!holds) {
      if (gone) say('watching the LAN only');
      await listenOnLan(ctx, stream);
      return;
    }
    const ending = await holdAndWatch(ctx, stream, () => {
      if (gone) say('watching on our own');
    });
    if (ending === 'stopped') return;
    if (ending === 'stepped-aside') {
      stream.handover();
      waitMs = STEP_ASIDE_GRACE_MS;
    }
    const next = await nextHolder(ctx, waitMs);
    if (next === 'stopped') return;
    through = next;
  }
}

/** After `waitMs`: the profile's holder to watch through, null when none serves; or stopped. */
async function nextHolder(ctx: CliContext, waitMs: number) {
  // Not unref'd: while it holds nothing, this timer is all that keeps the watch alive.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<'waited'>((resolve) => {
    timer = setTimeout(() => resolve('waited'), waitMs);
  });
  const first = await Promise.race([waited, ctx.stopped().then(() => 'stopped' as const)]);
  clearTimeout(timer);
  if (first === 'stopped') return first;
  return runningClient(ctx);
}

/**
 * The profile's own client, logged in quietly: changes from the LAN (listen only) and the
 * relay's roster, merged as in `chat`, its control socket served meanwhile. A relay not
 * reachable now is said once; the client keeps trying, and the LAN is watched meanwhile.
 * 'busy': another process has the profile (a file send, or a watcher that got it first).
 * `held` runs once the profile is ours.
 */
async function holdAndWatch(
  ctx: CliContext,
  stream: WatchStream,
  held: () => void,
): Promise<Ending> {
  let client: NatterClient;
  try {
    client = await ctx.openClient({ connect: true, listen: true, tellQueued: true, watcher: true });
  } catch (err) {
    if (isNatterError(err, 'E_PROFILE_IN_USE')) return 'busy';
    throw err;
  }
  held();
  let stepAside: () => void = () => undefined;
  const asked = new Promise<'stepped-aside'>((resolve) => {
    stepAside = () => resolve('stepped-aside');
  });
  const log = await ctx.logger();
  const path = controlSocketPath(ctx.paths.dir);
  // Without a socket (a path the OS refuses) it only cannot step aside: the lock is named.
  const server = await startControlServer(
    path,
    client,
    log,
    (inner) => watcherDispatch(inner, stepAside),
    WATCHER_HOLDER,
  ).catch(() => null);
  const offs = [
    client.on('roster:change', (e) => stream.change({ kind: 'peer', ...e })),
    client.on('roster:conflict', (e) => stream.change({ kind: 'conflict', ...e })),
  ];
  const lanHeard = sleep(WHO_WAIT_MS);
  const heard = (async () => {
    await connectOrLan(ctx, client, 'watching the LAN and still trying');
    // The relay sends its roster right behind Ready, in the same write: one turn takes it in.
    await new Promise((resolve) => setImmediate(resolve));
    await lanHeard;
  })();
  const ending = await settleUnlessStopped(ctx, stream, heard, asked);
  // Our own leaving empties the roster: nobody left, so nothing more is printed.
  for (const off of offs) off();
  // The socket goes before the lock: the next holder's socket is never removed by ours.
  await server?.close();
  await client.logout();
  if (ending === 'stepped-aside') await ctx.closeClient();
  return ending;
}

/** The LAN alone: no profile held. */
async function listenOnLan(ctx: CliContext, stream: WatchStream): Promise<void> {
  // Read before listening: a QUERY's answers heard before the handler are never told again.
  const me = await ownUserId(ctx);
  // No logger: a listener needs no profile, and must not create one to log into. Its
  // contacts' names are pinned, so an impostor of one is a conflict, as in the chat.
  const listener = await PresenceListener.start(
    presenceNetwork(ctx.io.env, ctx.global.presencePort),
    undefined,
    await lanKnownNames(ctx),
  );
  try {
    listener.on('roster:change', (e) => {
      if (e.peer.userId !== me) stream.change({ kind: 'peer', ...e });
    });
    listener.on('roster:conflict', (e) => stream.change({ kind: 'conflict', ...e }));
    await settleUnlessStopped(ctx, stream, sleep(WHO_WAIT_MS), new Promise(() => undefined));
  } finally {
    await listener.close();
  }
}

/** Settles the stream once `heard` resolves, unless stopped or asked aside first; returns then. */
async function settleUnlessStopped(
  ctx: CliContext,
  stream: WatchStream,
  heard: Promise<unknown>,
  asked: Promise<'stepped-aside'>,
): Promise<'stopped' | 'stepped-aside'> {
  const stopped = ctx.stopped().then(() => 'stopped' as const);
  const settled = heard.then(() => 'heard' as const);
  // Stopped first, a failure to connect after it has no one to tell.
  settled.catch(() => undefined);
  const first = await Promise.race([settled, stopped, asked]);
  if (first !== 'heard') return first;
  stream.settle();
  return Promise.race([stopped, asked]);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
