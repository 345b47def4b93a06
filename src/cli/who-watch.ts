/**
 * `natter who --watch` (the command is who.ts; who-hold.ts switches between holders): its
 * stream of changes, whole across every switch, and the watch through a running client's
 * control socket (its roster, with contact marks). When the running client quits under the
 * watch (the chat ends), the watch goes on, as it would have begun without one: a trial's
 * `who --watch` ended with the chat, and a watcher had to notice and start it again.
 */
import {
  isIdentitySealed,
  type NatterClient,
  type OnlinePeer,
  type PeerEventMap,
  pinnedRelayId,
  readConfig,
} from '../peer/index.js';
import { describeError, isNatterError, NatterError } from '../util/errors.js';
import { connectRelay } from './connect.js';
import type { CliContext } from './context.js';
import type { ControlClient } from './control-client.js';
import { STEP_ASIDE_EVENT } from './control-holder.js';
import { exists } from './io.js';
import { canPrompt, PASSPHRASE_HINT } from './passphrase.js';

export { WHO_WAIT_MS } from './holder-view.js';
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

  /**
   * The source is gone: what the next one hears, from nothing, is the difference at settle()
   * (what an earlier one heard, unsettled, is dropped with it).
   */
  handover(): void {
    this.heard = new Map();
  }

  /** Between handover() and settle(). */
  get handingOver(): boolean {
    return this.heard !== null;
  }

  /**
   * Handing over, and everyone listed is heard again from where they were listed (the same
   * key, sources and address): the new holder has caught up on who is there, so settling says
   * only what they changed themselves. A status changed while no one held the profile, or
   * before the holder was watched through, is such a change: waiting for it to be heard "as
   * listed" waited for what the holder would never say, and held the stream back meanwhile.
   */
  caughtUp(): boolean {
    const heard = this.heard;
    if (heard === null) return false;
    for (const [id, before] of this.shown) {
      const now = heard.get(id);
      if (now === undefined || now.left !== undefined || !samePlace(before, now.peer)) return false;
    }
    return true;
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

/** Heard with the same key, from the same sources and address: what a holder catches up on. */
function samePlace(a: OnlinePeer, b: OnlinePeer): boolean {
  return a.fingerprint === b.fingerprint && a.source === b.source && a.address === b.address;
}

/** What a line of the watch shows of a peer is the same. */
function samePeer(a: OnlinePeer, b: OnlinePeer): boolean {
  const keys = ['pseudonym', 'status', 'statusText', 'fingerprint', 'source', 'address'] as const;
  return (
    keys.every((k) => a[k] === b[k]) && a.verified === b.verified && a.keyChanged === b.keyChanged
  );
}

export type ThroughEnding = 'stopped' | 'gone' | 'stepped-aside';

/**
 * The running client's roster and changes until the user stops the watch, the running
 * client goes (its socket closed), or it steps aside (a watcher holding the profile, asked
 * to by a command that opens it: control-holder.ts). Attached after a handover, the stream
 * settles at once on a list the holder says is whole (`complete`), else once everyone
 * listed is heard again as listed, or after WHO_CONNECT_MS (the new holder may still be
 * connecting to its relay).
 */
export async function watchThrough(
  ctx: CliContext,
  control: ControlClient,
  stream: WatchStream,
): Promise<ThroughEnding> {
  let settleBy: ReturnType<typeof setTimeout> | undefined;
  try {
    const answer = await control.request({ op: 'watch' }).catch((err: unknown) => {
      // Closed unanswered: the holder went as we attached (killed, or quitting).
      if (control.closed && isNatterError(err, 'E_CONTROL')) return null;
      throw err;
    });
    if (answer === null) return 'gone';
    if (!answer.ok)
      throw new NatterError(answer.code, `who: the running client refused: ${answer.message}`);
    if (stream.handingOver) settleBy = setTimeout(() => stream.settle(), WHO_CONNECT_MS);
    const settleIfCaughtUp = () => {
      if (stream.caughtUp()) stream.settle();
    };
    // The current list first, as joins, so a watcher sees the same stream either way.
    for (const peer of answer.peers ?? []) stream.change({ kind: 'peer', type: 'join', peer });
    // And the impostors it hears now, as a watch of its own would say them on hearing them.
    for (const e of answer.impostors ?? []) stream.change({ kind: 'conflict', ...e });
    // A whole list (holder-view.ts): whoever it lacks has gone, heard leaving or not.
    if (answer.complete === true) stream.settle();
    settleIfCaughtUp();
    let ending: ThroughEnding | null = null;
    void ctx.stopped().then(() => {
      ending ??= 'stopped';
      control.close();
    });
    while (ending === null) {
      const line = (await control.next()) as Record<string, unknown> | null;
      if (line === null) break;
      const { event, ...payload } = line;
      if (event === STEP_ASIDE_EVENT) ending = 'stepped-aside';
      else if (event === 'roster:change') {
        stream.change({ kind: 'peer', ...(payload as unknown as PeerEventMap['roster:change']) });
      } else if (event === 'roster:conflict') {
        const conflict = payload as unknown as PeerEventMap['roster:conflict'];
        stream.change({ kind: 'conflict', ...conflict });
      }
      settleIfCaughtUp();
    }
    return ending ?? 'gone';
  } finally {
    clearTimeout(settleBy);
    control.close();
  }
}

/**
 * 'open': the profile has an identity, has proven a relay (it registered, or tried to), and
 * its key can be opened. 'sealed': a sealed key without a passphrase file, where no prompt
 * may be shown (a script; `prompt` false): `who` uses the LAN only, and says so (sealedNote).
 * 'none': nothing to log in with; the LAN only, as always.
 */
export async function registered(
  ctx: CliContext,
  options: { prompt?: boolean } = {},
): Promise<'open' | 'sealed' | 'none'> {
  if (!(await exists(ctx.paths.identity))) return 'none';
  const config = await readConfig(ctx.paths);
  if (pinnedRelayId(config, config.relay) === undefined) return 'none';
  const sealed = await isIdentitySealed(ctx.paths.identity).catch(() => false);
  const mayPrompt = options.prompt !== false && canPrompt(ctx.io);
  if (sealed && !mayPrompt && (await ctx.passphrase()) === undefined) return 'sealed';
  return 'open';
}

/**
 * Why a registered profile's `who` hears the LAN only, and what it does instead: `listing
 * who answers on the LAN only` (a one-shot list), `watching the LAN only`.
 */
export function sealedNote(doing: string): string {
  return `your key is sealed and no passphrase was given, so the relay cannot be asked: ${doing} (${PASSPHRASE_HINT})`;
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
    const lanStill = ['E_RELAY_UNREACHABLE', 'E_RELAY_TIMEOUT', 'E_NO_RELAY', 'E_SEVERAL_RELAYS'];
    if (!lanStill.some((code) => isNatterError(err, code))) throw err;
    ctx.err(`natter: ${describeError(err).message}; ${instead}`);
    return false;
  }
}
