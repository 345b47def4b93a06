/**
 * `natter send --to NAME TEXT` (or `--group GROUP`): queue durably, connect, and
 * exit 0 once the relay has stored it all. A refusal for now (relay disk full, a quota, an internal
 * error) ends the command at once with its own code (E_RELAY_DISK_FULL, ...)
 * instead of a timeout; the message stays queued and the next command that
 * connects sends it (issue 8). All input is checked before any of it is queued,
 * and whatever stays queued is said with how to see or cancel it (issue 13).
 */
import type { Command } from 'commander';
import {
  formatRelayAddress,
  isFinalRelayRefusal,
  type NatterClient,
  type RefusedMessage,
  relayRefusalError,
} from '../../peer/index.js';
import { isNatterError, NatterError } from '../../util/errors.js';
import { connectRelay } from '../connect.js';
import { type CliContext, InterruptedError } from '../context.js';
import { hintFor, queue, RelayAnswers, statesOf } from '../delivery.js';
import { CliCode, type CliCodeValue, cliError } from '../errors.js';
import { readAll } from '../io.js';
import type { WithContext } from '../main.js';
import { parseMs, WAIT_HELP } from '../options.js';
import { OUTBOX_HINT } from '../queued.js';

/** Once this run's messages are stored, how long the rest of the outbox may take before exit. */
export const OTHERS_GRACE_MS = 2_000;
const OTHERS_QUEUED = `earlier messages stay queued and will be sent the next time natter connects; ${OUTBOX_HINT}`;

import { knownGroup } from '../group-target.js';
import { messagesFrom, oneText, type SendInputOptions, sendTarget } from '../send-input.js';
import { settleRenamed } from '../send-renamed.js';
import { blockedNote, printStates, report } from '../send-report.js';
import { tellGroupChanges } from './group.js';
import { sendThroughRunning } from './send-via.js';

export interface SendOptions extends SendInputOptions {
  wait: number;
  json?: boolean;
}

export function addSendCommand(program: Command, withContext: WithContext): void {
  program
    .command('send')
    .description(
      'send an end-to-end encrypted message; exits 0 once the relay has stored it, 1 at once if the relay refuses it (it stays queued)',
    )
    .option('--to <name>', 'recipient pseudonym')
    .option('--group <group>', 'or a group: its name, #name or an id prefix (natter group list)')
    .argument('[text]', "message text, or '-' to read the message from stdin")
    .option(
      '--each-line',
      'send each line of stdin as its own message (empty lines skipped); nothing is queued if a line is over the limit',
    )
    .option('--wait <ms>', WAIT_HELP, parseMs, 30_000)
    .option('--json', 'print {msgId, state, reason} for each message as JSON lines')
    // Words past TEXT are said by oneText, with the quoting that was meant.
    .allowExcessArguments()
    .action(
      withContext(async (ctx, text: string | undefined, opts: SendOptions, command: Command) => {
        // All of it checked before anything is queued: a bad line queues nothing.
        oneText(command.args, opts);
        const target = sendTarget(opts);
        const texts = await messagesFrom(text, opts, () => readAll(ctx.io.stdin));
        // Beside a running client on this profile, it sends them (issue 13).
        if (await sendThroughRunning(ctx, target, texts, opts)) return;
        const client = await ctx.openClient({ connect: true, tellQueued: true });
        const told = tellGroupChanges(ctx, client);
        try {
          // A group send connects first: the group is the one its name means now (knownGroup).
          let connecting: Promise<void> | undefined;
          let to = target;
          if (target.kind === 'group') {
            connecting = connectRelay(ctx, client, { waitMs: opts.wait });
            connecting.catch(() => undefined);
            to = {
              kind: 'group',
              group: await knownGroup(ctx, client, target.group, opts.wait, connecting),
            };
          } else {
            // An old name of a contact: whom it means now, said on stderr (send-renamed.ts).
            connecting = (await settleRenamed(ctx, client, target.to, opts.wait))?.connecting;
          }
          const deadline = Date.now() + opts.wait;
          const ids = await queue(client, to, texts);
          const note = blockedNote(to, client.contacts());
          if (note !== null) ctx.err(note);
          const out = (line: string) => ctx.out(line);
          // Listening before connecting: the relay answers as soon as the session is ready.
          const answers = new RelayAnswers(client, ids);
          // Ctrl-C while waiting for the relay: what stays queued is said, with the way out.
          const stopped = ctx.io.stopSignal().then(() => null);
          let refused: RefusedMessage[] | null;
          try {
            const delivering = deliver(ctx, client, ids, opts, deadline, answers, connecting);
            delivering.catch(() => undefined);
            refused = await Promise.race([delivering, stopped]);
          } catch (err) {
            // Timed out: --json still says which messages are queued, by id.
            printStates(await statesOf(client, ids), opts, out);
            throw err;
          } finally {
            answers.off();
          }
          if (refused === null) throw await interrupted(client, ids);
          const [first] = refused;
          if (first !== undefined) {
            printStates(await statesOf(client, ids), opts, out);
            await told();
            await client.logout();
            throw relayRefusalError(
              first.refusal,
              `${refused.length} of ${ids.length} message(s) stay queued and will be sent the next time natter connects; ${OUTBOX_HINT}`,
            );
          }
          const name = to.kind === 'group' ? (await client.group(to.group)).name : undefined;
          const states = await statesOf(client, ids);
          report(states, opts, out, target, name, await hintFor(client, to, states));
          await told();
          await client.logout();
        } finally {
          await told();
        }
      }),
    );
}

/** Connection failures after which `send` says that its messages stay queued. */
const QUEUED_ON: Readonly<Record<string, CliCodeValue | undefined>> = {
  E_RELAY_UNREACHABLE: CliCode.RelayUnreachable,
  E_RELAY_TIMEOUT: CliCode.RelayTimeout,
  E_RELAY_TLS_FAILED: CliCode.RelayTlsFailed,
};

/**
 * Connects and waits until the relay has stored everything ([]), or has answered
 * every message of this run and refused some of them for now (those refusals).
 */
async function deliver(
  ctx: CliContext,
  client: NatterClient,
  ids: string[],
  opts: SendOptions,
  deadline: number,
  answers: RelayAnswers,
  /** The attempt already under way (a group send connects before queueing). */
  connecting: Promise<void> = connectRelay(ctx, client, { waitMs: opts.wait }),
): Promise<RefusedMessage[]> {
  // A relay found on the LAN has no configured address to name.
  const configured = await ctx.configuredRelay();
  const relay = configured ? `relay ${formatRelayAddress(configured)}` : 'the relay';
  const queuedNote = `${ids.length} message(s) stay queued and will be sent the next time natter connects; ${OUTBOX_HINT}`;
  try {
    await connecting;
  } catch (err) {
    if (isNatterError(err, 'E_NO_RELAY')) {
      throw cliError(CliCode.NoRelay, `${err.message}; ${queuedNote}`);
    }
    const code = isNatterError(err) ? QUEUED_ON[err.code] : undefined;
    if (code !== undefined) {
      throw cliError(code, `${(err as Error).message}; ${queuedNote}`, { cause: err });
    }
    // A relay with another key, a refused login: the messages wait for the way out the
    // reason names, or for the old relay's return; a resend would be a duplicate then.
    if (isFinalRelayRefusal(err))
      throw new NatterError(err.code, `${err.message}; ${queuedNote}`, { cause: err });
    throw err;
  }
  const stopFlush = new AbortController();
  const flushed = client
    .flush(Math.max(0, deadline - Date.now()), { signal: stopFlush.signal })
    .then((stored) => (stored ? [] : null));
  // This run's messages stored: the rest of the outbox (receipts, chain shares, an older
  // message refused for now) gets a moment, not the whole wait; it stays queued anyway.
  const mine = answers.settled.then(async () => {
    const rest = await client.flush(Math.min(OTHERS_GRACE_MS, Math.max(0, deadline - Date.now())));
    if (!rest) ctx.err(`natter: ${OTHERS_QUEUED}`);
    return [];
  });
  const outcome = await Promise.race([flushed, answers.refused, mine]);
  stopFlush.abort();
  if (outcome === null) {
    throw cliError(
      CliCode.RelayTimeout,
      `${relay} did not store everything within ${opts.wait} ms; ${queuedNote}`,
    );
  }
  return outcome;
}

/** Ctrl-C: how many of this run's messages stay queued (or held), and how to see or cancel them. */
async function interrupted(client: NatterClient, ids: string[]): Promise<InterruptedError> {
  let waiting = 0;
  for (const msgId of ids) {
    const state = (await client.status(msgId))?.state;
    if (state === 'queued' || state === 'held') waiting++;
  }
  return new InterruptedError(
    waiting === 0
      ? `send: interrupted; the relay had stored all ${ids.length} message(s)`
      : `send: interrupted; ${waiting} of ${ids.length} message(s) stay queued and will be sent the next time natter connects; ${OUTBOX_HINT}`,
  );
}
