/**
 * `natter inbox [--follow]` beside a running client (issue 13 item 3): the
 * running client reads its store and marks read (control-inbox.ts); this command
 * prints each batch exactly as inbox.ts does alone and tells the running client
 * which messages were written out, so a closed pipe leaves the rest unread.
 * Its connection to the relay is the running client's: no --wait, no flush.
 * What the running client heard of the relay's mail store comes with each batch and
 * is said as alone: on each change while following; once, instead of "no new
 * messages" and with exit 1. So do its connection's states: following, the relay's loss
 * and return are said as alone (relay-watch.ts).
 */

import { relayStoreLine } from '../../peer/index.js';
import { isNatterError } from '../../util/errors.js';
import type { CliContext } from '../context.js';
import type { ControlClient } from '../control-client.js';
import type { InboxBatch, StoreView } from '../control-inbox.js';
import { CliCode } from '../errors.js';
import { formatMessage, messageJson } from '../format.js';
import {
  damagedJson,
  formatDamaged,
  formatNotice,
  heldLine,
  keyChangedLine,
  MORE_UNREAD,
  noticeJson,
  printGroupUpdate,
  storeUnavailable,
} from '../inbox-format.js';
import { StdoutClosed } from '../output.js';
import { relayLossTeller } from '../relay-watch.js';
import { callControl } from '../via-control.js';

/**
 * Resolves 'gone' when, while following, the running client went away (the chat
 * quit): the command then follows on its own (inbox.ts), as it would have alone.
 */
export async function inboxThroughRunning(
  ctx: CliContext,
  control: ControlClient,
  opts: { follow?: boolean; json?: boolean; max?: number },
): Promise<'done' | 'gone'> {
  const max = opts.max ?? Number.POSITIVE_INFINITY;
  const json = opts.json === true;
  const stopped = ctx.stopped().then(() => null);
  let printed = 0;
  let more = false;
  // As alone: reachable until told otherwise (a running client older than `store`: unknown).
  let store: StoreView = { reachable: true };
  // The running client's relay, said as alone (an older running client sends no `relay`).
  const tellRelay = relayLossTeller(ctx);
  try {
    for (;;) {
      const batch = await callControl(control, 'inbox.take', {});
      if (opts.follow) for (const state of batch.relay ?? []) tellRelay(state);
      const heard: StoreView = batch.store ?? store;
      if (opts.follow && heard.reachable !== store.reachable) {
        ctx.err(`natter: ${relayStoreLine(heard)}`);
      }
      store = heard;
      const room = max - printed;
      more = batch.items.filter((item) => !('update' in item)).length > room;
      printed += await printBatch(ctx, control, batch, json, room);
      if (!opts.follow || printed >= max) break;
      // Until something arrives after this batch, or the user stops.
      const next = callControl(control, 'inbox.wait', { after: batch.mark }, null);
      next.catch(() => undefined);
      if ((await Promise.race([next, stopped])) === null) break;
    }
  } catch (err) {
    if (opts.follow && isNatterError(err, CliCode.Control) && !ctx.output.isClosed) {
      return 'gone';
    }
    // Stdout closed: what was not written stays unread.
    if (!(err instanceof StdoutClosed)) throw err;
  } finally {
    control.close();
  }
  if (opts.follow) return 'done';
  // Exit 1, not 0, as alone: "could not look" is not "nothing waiting" to a script.
  if (!store.reachable) throw storeUnavailable(store);
  if (printed === 0 && !ctx.output.isClosed) ctx.err('natter: no new messages');
  if (more && !ctx.output.isClosed) ctx.err(MORE_UNREAD);
  return 'done';
}

/**
 * One batch, as inbox.ts's Printer prints it, up to `room` messages (--max: the rest
 * stay unread); resolves with the messages written out.
 */
async function printBatch(
  ctx: CliContext,
  control: ControlClient,
  batch: InboxBatch,
  json: boolean,
  room: number,
): Promise<number> {
  for (const a of batch.alerts) ctx.err(a.kind === 'key-changed' ? keyChangedLine(a) : heldLine(a));
  const written: Promise<{ mark?: string } | null>[] = [];
  let closed = false;
  try {
    let left = room;
    for (const item of batch.items) {
      if ('update' in item) {
        printGroupUpdate(ctx, item.update, batch.me, json);
        continue;
      }
      // --max reached: the messages left stay unread (changes were taken: all printed).
      if (left <= 0) continue;
      left--;
      const { message, unreadMark } = item;
      const line = json ? messageJson(message) : formatMessage(message);
      const shown = unreadMark === undefined ? {} : { mark: unreadMark };
      written.push(ctx.output.line(line).then((ok) => (ok ? shown : null)));
    }
  } catch (err) {
    if (!(err instanceof StdoutClosed)) throw err;
    closed = true;
  }
  const shown = (await Promise.all(written)).filter((m) => m !== null);
  closed ||= ctx.output.isClosed;
  const marks = shown.flatMap((m) => (m.mark === undefined ? [] : [m.mark]));
  const reports = await callControl(control, 'inbox.read', { marks, reports: !closed });
  if (closed) throw new StdoutClosed();
  for (const d of reports.damaged) {
    ctx.err(formatDamaged(d));
    if (json) ctx.out(damagedJson(d));
  }
  for (const n of reports.notices) {
    ctx.err(formatNotice(n));
    if (json) ctx.out(noticeJson(n));
  }
  return shown.length;
}
