/**
 * `natter send` beside a running client (issue 13 item 3): the running client
 * queues and sends the messages (the `send` request, control-ops.ts) and this
 * command prints and fails as it does alone (send-report.ts). What stays queued
 * stays in the running client, which keeps sending it: said with each failure.
 */
import { relayRefusalError } from '../../peer/index.js';
import { NatterError } from '../../util/errors.js';
import { FAIL_FAST_MS } from '../connect.js';
import { type CliContext, InterruptedError } from '../context.js';
import { CONTROL_TIMEOUT_MS } from '../control-client.js';
import { CliCode, cliError } from '../errors.js';
import { sanitize } from '../format.js';
import { OUTBOX_HINT } from '../queued.js';
import type { Target } from '../send-input.js';
import { blockedNote, printStates, report } from '../send-report.js';
import { callControl, runningClient } from '../via-control.js';

const KEPT = `the running natter client keeps them queued and sends them when it can; ${OUTBOX_HINT}`;

/**
 * The running client's link failed at once (delivery.ts): its code, its reason and what
 * stays queued. A link given up for good (a relay with another key, a refused login) is
 * the running client's to retry: the way out named by the reason (--accept-new-relay-key)
 * is taken by a client started anew, so that one is to be quit first.
 */
function linkFailure(failure: { code: string; message: string }, count: number): Error {
  const queued = `${count} message(s): ${KEPT}`;
  if (failure.code === CliCode.RelayTlsFailed || failure.code === CliCode.RelayUnreachable)
    return cliError(failure.code, `${failure.message}; ${queued}`);
  return new NatterError(
    failure.code,
    `${failure.message} (quit the running natter client on this profile first: it holds the profile); ${queued}`,
  );
}

/** True when a running client took the send (done, or thrown); false: send alone. */
export async function sendThroughRunning(
  ctx: CliContext,
  target: Target,
  texts: string[],
  opts: { wait: number; json?: boolean },
): Promise<boolean> {
  const control = await runningClient(ctx);
  if (control === null) return false;
  try {
    const { contacts } = await callControl(control, 'contacts', {}, CONTROL_TIMEOUT_MS);
    const note = blockedNote(target, contacts);
    if (note !== null) ctx.err(note);
    const sending = callControl(
      control,
      'send',
      { target, texts, waitMs: opts.wait, ...(ctx.waitGiven ? {} : { failFastMs: FAIL_FAST_MS }) },
      opts.wait + CONTROL_TIMEOUT_MS,
    );
    sending.catch(() => undefined);
    const stopped = ctx.io.stopSignal().then(() => null);
    const delivery = await Promise.race([sending, stopped]);
    // Ctrl-C: the messages are the running client's now; it goes on sending them.
    if (delivery === null)
      throw new InterruptedError(`send: interrupted; ${texts.length} message(s): ${KEPT}`);
    const out = (line: string) => ctx.out(line);
    const { states, refused, groupName, groupHint, unreachable, renamed } = delivery;
    // Said by the running client: an old name of a contact, and whom it meant (send-renamed.ts).
    if (typeof renamed === 'string') ctx.err(`natter: ${sanitize(renamed)}`);
    if (unreachable !== undefined) {
      printStates(states, opts, out);
      throw linkFailure(unreachable, states.length);
    }
    if (refused === null) {
      printStates(states, opts, out);
      throw cliError(
        CliCode.RelayTimeout,
        `the relay did not store everything within ${opts.wait} ms; ${states.length} message(s): ${KEPT}`,
      );
    }
    const [first] = refused;
    if (first !== undefined) {
      printStates(states, opts, out);
      throw relayRefusalError(
        first.refusal,
        `${refused.length} of ${states.length} message(s) stay queued: ${KEPT}`,
      );
    }
    report(states, opts, out, target, groupName, groupHint);
    return true;
  } finally {
    control.close();
  }
}
