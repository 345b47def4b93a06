/** `natter send --to NAME TEXT`: queue durably, connect, and exit 0 once the relay has stored it all. */
import type { Command } from 'commander';
import type { NatterClient } from '../../peer/client.js';
import { formatRelayAddress } from '../../peer/profile.js';
import { isNatterError, NatterError } from '../../util/errors.js';
import { UsageError } from '../context.js';
import { safeJson, sanitize } from '../format.js';
import { readAll } from '../io.js';
import type { WithContext } from '../main.js';
import { parseMs } from '../options.js';

interface SendOptions {
  to: string;
  eachLine?: boolean;
  wait: number;
  json?: boolean;
}

export function addSendCommand(program: Command, withContext: WithContext): void {
  program
    .command('send')
    .description('send an end-to-end encrypted message; exits 0 once the relay has stored it')
    .requiredOption('--to <name>', 'recipient pseudonym')
    .argument('[text]', "message text, or '-' to read the message from stdin")
    .option('--each-line', 'send each line of stdin as its own message')
    .option('--wait <ms>', 'how long to try to reach (or find) the relay', parseMs, 30_000)
    .option('--json', 'print {msgId, state} for each message as JSON lines')
    .action(
      withContext(async (ctx, text: string | undefined, opts: SendOptions) => {
        const texts = await messagesFrom(text, opts, () => readAll(ctx.io.stdin));
        const client = await ctx.openClient({ connect: true });
        const deadline = Date.now() + opts.wait;
        // All queued in one turn: one durable batch, order kept.
        const ids = await Promise.all(texts.map((t) => client.send(opts.to, t)));
        // A relay found on the LAN has no configured address to name.
        const configured = await ctx.configuredRelay();
        const relay = configured ? `relay ${formatRelayAddress(configured)}` : 'the relay';
        const queuedNote = `${ids.length} message(s) stay queued and will be sent the next time natter connects`;
        try {
          await client.connect({ timeoutMs: opts.wait });
        } catch (err) {
          if (isNatterError(err, 'E_NO_RELAY')) {
            throw new NatterError('E_NO_RELAY', `${err.message}; ${queuedNote}`);
          }
          if (isNatterError(err, 'E_RELAY_TIMEOUT')) {
            throw new NatterError(
              'E_RELAY_UNREACHABLE',
              `${relay} not reachable within ${opts.wait} ms; ${queuedNote}`,
            );
          }
          throw err;
        }
        if (!(await client.flush(Math.max(0, deadline - Date.now())))) {
          throw new NatterError(
            'E_RELAY_TIMEOUT',
            `${relay} did not store everything within ${opts.wait} ms; ${queuedNote}`,
          );
        }
        await report(client, ids, opts, (line) => ctx.out(line));
        await client.logout();
      }),
    );
}

async function messagesFrom(
  text: string | undefined,
  opts: SendOptions,
  stdin: () => Promise<string>,
): Promise<string[]> {
  if (opts.eachLine) {
    if (text !== undefined && text !== '-')
      throw new UsageError("send: --each-line reads stdin; pass no TEXT (or '-')");
    return (await stdin()).split(/\r?\n/).filter((line) => line.length > 0);
  }
  if (text === undefined) throw new UsageError("send: missing TEXT (or '-' to read stdin)");
  if (text !== '-') return [text];
  // `echo hi | natter send --to bob -` sends "hi", not "hi\n".
  return [(await stdin()).replace(/\r?\n$/, '')];
}

/** Prints states; fails (exit 1) if any message was refused or is held for a key change. */
async function report(
  client: NatterClient,
  ids: string[],
  opts: SendOptions,
  out: (line: string) => void,
): Promise<void> {
  let held = 0;
  let failed: string | undefined;
  for (const msgId of ids) {
    const status = await client.status(msgId);
    if (opts.json)
      out(safeJson({ msgId, state: status?.state ?? 'unknown', reason: status?.reason }));
    if (status?.state === 'held') held++;
    if (status?.state === 'failed') failed ??= status.reason ?? 'refused';
  }
  const to = sanitize(opts.to);
  if (held > 0) {
    throw new NatterError(
      'E_KEY_CHANGED',
      `${to}'s key changed: ${held} message(s) held; compare safety numbers (natter fingerprint ${to}), then run natter trust ${to}`,
    );
  }
  if (failed === 'unknown-recipient') {
    throw new NatterError('E_UNKNOWN_RECIPIENT', `no user '${to}' on this relay`);
  }
  if (failed !== undefined)
    throw new NatterError('E_SEND_FAILED', `the relay refused the message: ${failed}`);
}
