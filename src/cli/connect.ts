/**
 * Connecting a command to its relay (issue 13): one code for one condition, the
 * cause in the one-line error, and progress on a terminal while waiting.
 *
 *   E_RELAY_UNREACHABLE  no connection could be made: refused or unresolvable (said
 *                        within about FAIL_FAST_MS unless --wait was given), or
 *                        nothing answered within --wait
 *   E_RELAY_TIMEOUT      something answered, but no session was ready within --wait
 *
 * Other failures (a refused login, a changed relay key, E_NO_RELAY) pass through.
 */
import { formatRelayAddress, type NatterClient } from '../peer/index.js';
import { isNatterError } from '../util/errors.js';
import type { CliContext } from './context.js';
import { CliCode, cliError } from './errors.js';
import { sanitize, TAKEN, takenWhy } from './format.js';
import { tellRelayMoved } from './relay-watch.js';

/**
 * A configured relay address whose every attempt within this long was refused (or its
 * host unresolvable) fails the command then, unless the user gave --wait: docs/decisions.md,
 * "A wrong relay address fails in about a second".
 */
export const FAIL_FAST_MS = 1_000;

/** On a terminal, a command still waiting for its relay after this long says so. */
export const PROGRESS_AFTER_MS = 1_000;

export interface ConnectOptions {
  /** --wait: how long to try. */
  waitMs: number;
  /** How long to listen for a relay beacon when none is configured (default: all of waitMs). */
  discoverMs?: number;
  /**
   * init and rename claim a name and say a refusal their own way: E_PSEUDONYM_TAKEN is
   * passed through with the relay's words. Default false.
   */
  claiming?: boolean;
}

export async function connectRelay(
  ctx: CliContext,
  client: NatterClient,
  options: ConnectOptions,
): Promise<void> {
  const progress = ctx.io.stderr.isTTY ? await Progress.start(ctx, client) : null;
  tellRelayMoved(ctx, client);
  try {
    await client.connect({
      timeoutMs: options.waitMs,
      // --wait given: listen for a relay's beacon all of it, even when none is heard at once.
      ...(ctx.waitGiven ? { listenWholeWait: true } : { failFastMs: FAIL_FAST_MS }),
      ...(options.discoverMs === undefined ? {} : { discoverMs: options.discoverMs }),
    });
  } catch (err) {
    // A Register refused: the name was taken before this profile registered it (init
    // without a relay, then someone else claimed it). Only Register is refused so, and
    // only `rename` gets the profile going again: say that, not the relay's words alone.
    if (isNatterError(err, 'E_PSEUDONYM_TAKEN') && !options.claiming)
      throw cliError(
        CliCode.PseudonymTaken,
        takenBeforeRegistered(client.me.pseudonym, err.message),
        {
          cause: err,
        },
      );
    throw unreachableOf(err);
  } finally {
    progress?.stop();
  }
}

/**
 * `the name frank was taken on this relay before this profile registered it: choose
 * another with natter rename NEWNAME` (a look-alike names the name it is too like).
 */
export function takenBeforeRegistered(name: string, relayMessage: string): string {
  const why = takenWhy(relayMessage);
  const taken = why === TAKEN ? 'was taken' : why;
  return `the name ${sanitize(name)} ${taken} on this relay before this profile registered it: choose another with natter rename NEWNAME`;
}

/**
 * The core says "timeout" whatever the dials said; a wait in which no dial connected at all
 * is E_RELAY_UNREACHABLE, with the dials' reason. Any other error as it is.
 */
function unreachableOf(err: unknown): unknown {
  if (isNatterError(err, 'E_RELAY_TIMEOUT') && isNatterError(err.cause, 'E_RELAY_UNREACHABLE'))
    return cliError(CliCode.RelayUnreachable, err.message, { cause: err });
  return err;
}

/** `natter: waiting for relay HOST:PORT: connection refused (ECONNREFUSED)…`, once per cause. */
class Progress {
  private said = '';
  private readonly timer: NodeJS.Timeout;
  private readonly off: () => void;

  private constructor(
    private readonly ctx: CliContext,
    client: NatterClient,
    label: string,
  ) {
    this.off = client.on('connection:failed', (e) =>
      this.say(`waiting for relay ${e.address}: ${e.reason}`),
    );
    this.timer = setTimeout(() => {
      if (this.said === '') this.say(`waiting for ${label}`);
    }, PROGRESS_AFTER_MS);
  }

  static async start(ctx: CliContext, client: NatterClient): Promise<Progress> {
    const configured = await ctx.configuredRelay();
    const label = configured ? `relay ${formatRelayAddress(configured)}` : 'a relay on the LAN';
    return new Progress(ctx, client, label);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.off();
  }

  private say(line: string): void {
    if (line === this.said) return;
    this.said = line;
    this.ctx.io.stderr.write(`natter: ${line}…\n`);
  }
}

/**
 * The link of a running client, for a command sent through it (control-files.ts): ready at
 * once when it is; else waited for up to `waitMs` as the command alone waits (connectRelay),
 * so a relay that refuses the dial is E_RELAY_UNREACHABLE there too, not the link's E_OFFLINE.
 */
export async function runningLinkUp(
  client: Pick<NatterClient, 'connect'>,
  waitMs: number,
  failFastMs: number | undefined,
): Promise<void> {
  try {
    await client.connect({
      timeoutMs: waitMs,
      ...(failFastMs === undefined ? {} : { failFastMs }),
    });
  } catch (err) {
    throw unreachableOf(err);
  }
}
