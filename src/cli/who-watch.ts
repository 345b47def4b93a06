/**
 * `natter who --watch` (the command is who.ts): through this profile's running client when
 * one serves its control socket (its roster, with contact marks), else on its own: with
 * the profile's own client on a registered profile (the LAN listened to, the relay's roster,
 * logged in quietly), or a LAN listener. When the running client quits under the watch (the
 * chat ends), the watch goes on on its own, as it would have begun without one: a trial's
 * `who --watch` ended with the chat, and a watcher had to notice and start it again.
 */
import {
  isIdentitySealed,
  type NatterClient,
  type OnlinePeer,
  type PeerEventMap,
  PresenceListener,
  pinnedRelayId,
  readConfig,
} from '../peer/index.js';
import { describeError, isNatterError, NatterError } from '../util/errors.js';
import { connectRelay } from './connect.js';
import type { CliContext } from './context.js';
import type { ControlClient } from './control.js';
import { exists } from './io.js';
import { canPrompt, PASSPHRASE_HINT } from './passphrase.js';
import { presenceNetwork } from './presence.js';

/** Long enough for every peer's unicast answer to our QUERY, even on a busy Wi-Fi. */
export const WHO_WAIT_MS = 700;
/** How long `who --watch` waits for its relay before watching the LAN alone meanwhile. */
export const WHO_CONNECT_MS = 5_000;
/**
 * The leave reason of a peer the running client listed that the watch, on its own after
 * it quit, did not hear (within WHO_WAIT_MS on the LAN, and the relay's roster): gone
 * meanwhile, or out of this watch's reach (a sealed key it cannot open watches the LAN only).
 */
export const NOT_HEARD = 'not-heard';

export type Change =
  | ({ kind: 'peer' } & PeerEventMap['roster:change'])
  | ({ kind: 'conflict' } & PeerEventMap['roster:conflict']);

/**
 * The watch's stream of changes, whole across a handover: after handover() what the own
 * watch hears is kept, not printed, until settle() prints only the difference from what
 * was listed (a peer still there says nothing; one that changed an update; one gone a
 * leave, with its reason if it was heard leaving, else NOT_HEARD; a new one a join). So a
 * script sees neither everyone leave and come back nor a peer listed twice.
 */
export class WatchStream {
  private readonly shown = new Map<string, OnlinePeer>();
  private heard: Map<string, { peer: OnlinePeer; left?: string | undefined }> | null = null;

  constructor(private readonly print: (c: Change) => void) {}

  change(c: Change): void {
    if (c.kind === 'conflict') {
      this.print(c);
      return;
    }
    const id = c.peer.userId;
    if (this.heard !== null) {
      this.heard.set(id, c.type === 'leave' ? { peer: c.peer, left: c.reason } : { peer: c.peer });
      return;
    }
    if (c.type === 'leave') this.shown.delete(id);
    else this.shown.set(id, c.peer);
    this.print(c);
  }

  /** The running client is gone: what the own watch hears now is the difference at settle(). */
  handover(): void {
    this.heard ??= new Map();
  }

  /** The own watch has heard who answers: the difference from what was listed, printed. */
  settle(): void {
    const heard = this.heard;
    if (heard === null) return;
    this.heard = null;
    for (const [id, before] of this.shown) {
      const now = heard.get(id);
      if (now !== undefined && now.left === undefined) {
        if (!samePeer(before, now.peer))
          this.change({ kind: 'peer', type: 'update', peer: now.peer });
        continue;
      }
      const reason = now === undefined ? NOT_HEARD : now.left;
      const peer = now?.peer ?? before;
      this.change({ kind: 'peer', type: 'leave', peer, ...(reason ? { reason } : {}) });
    }
    for (const [id, now] of heard)
      if (!this.shown.has(id) && now.left === undefined)
        this.change({ kind: 'peer', type: 'join', peer: now.peer });
  }
}

/** What a line of the watch shows of a peer is the same. */
function samePeer(a: OnlinePeer, b: OnlinePeer): boolean {
  const keys = ['pseudonym', 'status', 'statusText', 'fingerprint', 'source', 'address'] as const;
  return (
    keys.every((k) => a[k] === b[k]) && a.verified === b.verified && a.keyChanged === b.keyChanged
  );
}

/**
 * Watches until stopped: through `control` (the running client) while it lasts, then on
 * its own; `lan`: the LAN only (--lan, or no registered profile).
 */
export async function watchWho(
  ctx: CliContext,
  control: ControlClient | null,
  lan: boolean,
  print: (c: Change) => void,
): Promise<void> {
  const stream = new WatchStream(print);
  if (control !== null) {
    let stopped: boolean;
    try {
      stopped = await throughClient(ctx, control, stream);
    } finally {
      control.close();
    }
    if (stopped) return;
    ctx.err('natter: the running client stopped; watching on our own');
    stream.handover();
  }
  // A passphrase prompt in the middle of a watch would stop it unseen: after a handover, a
  // sealed key without a passphrase file watches the LAN only, and says so.
  if (!lan && (await registered(ctx, { prompt: control === null }))) {
    await throughOwnClient(ctx, stream);
    return;
  }
  // No logger: a listener needs no profile, and must not create one to log into.
  const listener = await PresenceListener.start(
    presenceNetwork(ctx.io.env, ctx.global.presencePort),
  );
  try {
    listener.on('roster:change', (e) => stream.change({ kind: 'peer', ...e }));
    listener.on('roster:conflict', (e) => stream.change({ kind: 'conflict', ...e }));
    await settleUnlessStopped(ctx, stream, sleep(WHO_WAIT_MS));
  } finally {
    await listener.close();
  }
}

/**
 * The running client's roster and changes; true when the user stopped the watch, false
 * when the running client went (its socket closed).
 */
async function throughClient(
  ctx: CliContext,
  control: ControlClient,
  stream: WatchStream,
): Promise<boolean> {
  const answer = await control.request({ op: 'watch' });
  if (!answer.ok)
    throw new NatterError(answer.code, `who: the running client refused: ${answer.message}`);
  // The current list first, as joins, so a watcher sees the same stream either way.
  for (const peer of answer.peers ?? []) stream.change({ kind: 'peer', type: 'join', peer });
  let done = false;
  void ctx.stopped().then(() => {
    done = true;
    control.close();
  });
  while (!done) {
    const line = (await control.next()) as Record<string, unknown> | null;
    if (line === null) break;
    const { event, ...payload } = line;
    if (event === 'roster:change') {
      stream.change({ kind: 'peer', ...(payload as unknown as PeerEventMap['roster:change']) });
    } else if (event === 'roster:conflict') {
      const conflict = payload as unknown as PeerEventMap['roster:conflict'];
      stream.change({ kind: 'conflict', ...conflict });
    }
  }
  return done;
}

/**
 * The profile's own client, logged in quietly: changes from the LAN (listen only) and the
 * relay's roster, merged as in `chat`. A relay not reachable now is said once; the client
 * keeps trying, and the LAN is watched meanwhile.
 */
async function throughOwnClient(ctx: CliContext, stream: WatchStream): Promise<void> {
  const client = await ctx.openClient({ connect: true, listen: true, tellQueued: true });
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
  await settleUnlessStopped(ctx, stream, heard);
  // Our own leaving empties the roster: nobody left, so nothing more is printed.
  for (const off of offs) off();
  await client.logout();
}

/** Settles the stream once `heard` resolves, unless stopped first; returns when stopped. */
async function settleUnlessStopped(
  ctx: CliContext,
  stream: WatchStream,
  heard: Promise<unknown>,
): Promise<void> {
  const stopped = ctx.stopped();
  const settled = heard.then(() => 'heard' as const);
  // Stopped first, a failure to connect after it has no one to tell.
  settled.catch(() => undefined);
  const first = await Promise.race([settled, stopped]);
  if (first !== 'heard') return;
  stream.settle();
  await stopped;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The profile has an identity and has proven a relay (it registered, or tried to), and its
 * key can be opened: a sealed one without a passphrase file, where no prompt may be shown (a
 * script; `prompt` false), watches the LAN only, as before, and says so.
 */
export async function registered(ctx: CliContext, options: { prompt?: boolean } = {}) {
  if (!(await exists(ctx.paths.identity))) return false;
  const config = await readConfig(ctx.paths);
  if (pinnedRelayId(config, config.relay) === undefined) return false;
  const sealed = await isIdentitySealed(ctx.paths.identity).catch(() => false);
  const mayPrompt = options.prompt !== false && canPrompt(ctx.io);
  if (sealed && !mayPrompt && (await ctx.passphrase()) === undefined) {
    ctx.err(
      `natter: your key is sealed and no passphrase was given: watching the LAN only (${PASSPHRASE_HINT})`,
    );
    return false;
  }
  return true;
}

/**
 * Connects within WHO_CONNECT_MS: true once the relay answered. A relay not reachable (or
 * not heard on the LAN) is said, with what `who` does instead; false then (the LAN still
 * answers: the client listens there from the start, announcing nothing).
 */
export async function connectOrLan(
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
