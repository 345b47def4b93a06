/**
 * `natter inbox [--follow] [--json]`: fetch and print waiting messages, and mark each
 * read once its line was written (issue 13: a closed pipe leaves the rest unread;
 * `natter history` shows every message either way).
 *
 * A delivery that arrived damaged or forged (issue 8) is dropped by the core and
 * reported here: a line on stderr, and with --json an entry of `type: "damaged"`
 * on stdout. The exit status stays 0: the inbox was fetched, and nothing a rerun
 * could do would bring the message back.
 *
 * Beside a running client (`natter chat`, another `inbox --follow`) it reads
 * through that client's control socket instead (inbox-via.ts), printing the same.
 */
import type { Command } from 'commander';
import {
  type GroupUpdate,
  type NatterClient,
  type PeerEventMap,
  relayStoreLine,
  type UnreadMessage,
} from '../../peer/index.js';
import { isNatterError, NatterError } from '../../util/errors.js';
import { connectRelay } from '../connect.js';
import type { CliContext } from '../context.js';
import { formatMessage, messageJson } from '../format.js';
import { byMoment } from '../history-read.js';
import { tellAutoAccepted } from '../inbox-files.js';
import {
  damagedJson,
  fileReplyLine,
  formatDamaged,
  formatNotice,
  heldLine,
  keyChangedLine,
  MORE_UNREAD,
  noticeJson,
  printGroupUpdate,
  renamedLine,
  storeUnavailable,
} from '../inbox-format.js';
import type { WithContext } from '../main.js';
import { parseLimit, parseMs, WAIT_HELP } from '../options.js';
import { type Output, StdoutClosed } from '../output.js';
import { addPresenceOptions, type PresenceFlags } from '../presence.js';
import { tellRelayLoss } from '../relay-watch.js';
import { runningClient } from '../via-control.js';
import { inboxThroughRunning } from './inbox-via.js';

/** After the mailbox is drained, give receipts and queued messages this long to reach the relay. */
export const INBOX_FLUSH_MS = 2_000;
/** How long a follower waits for a quitting chat to let go of the profile. */
const PROFILE_HANDOVER_MS = 5_000;

interface InboxOptions extends PresenceFlags {
  follow?: boolean;
  json?: boolean;
  wait: number;
  /** --max N: print at most N messages and leave the rest unread (with --follow: then stop). */
  max?: number;
}

export function addInboxCommand(program: Command, withContext: WithContext): void {
  const command = program
    .command('inbox')
    .description(
      'print new messages and mark them read once written out, then exit (or keep following with --follow, announced on the LAN); "no new messages" goes to stderr',
    )
    .option('--follow', 'stay connected and print new messages as they arrive, until Ctrl-C')
    .option(
      '--json',
      'one JSON object per message: msgId, from, fingerprint, userId, sentAt, receivedAt, text, and group {name, id} in a group; a damaged or forged delivery is an object with type "damaged", a membership change one with type "group"',
    )
    .option(
      '--max <n>',
      'print at most N messages and leave the rest unread (`natter inbox | head -1` cannot: lines already in the pipe count as read); with --follow, stop after N',
      parseLimit,
    )
    .option('--wait <ms>', WAIT_HELP, parseMs, 30_000);
  // With --follow the client announces itself until stopped: natter who lists it,
  // natter status changes its status.
  addPresenceOptions(command).action(
    withContext(async (ctx, opts: InboxOptions) => {
      // Beside a running client on this profile, through it (issue 13 item 3).
      const control = await runningClient(ctx, { notWatcher: opts.follow === true });
      if (control !== null) {
        if ((await inboxThroughRunning(ctx, control, opts)) === 'done') return;
        // The running client (a chat) quit while we followed through it: on our own now.
        ctx.err('natter: the running client stopped; following on our own');
      }
      const open = () =>
        ctx.openClient({
          connect: true,
          tellQueued: true,
          ...(opts.follow ? { announce: opts } : {}),
        });
      // After a running client quit, it may hold the profile for a moment more.
      const client = control === null ? await open() : await whenProfileFree(open);
      const printer = new Printer(client, ctx, opts.json === true, opts.max);
      client.on('message:received', () => printer.schedule());
      client.on('message:damaged', () => printer.schedule());
      client.on('conversation:notice', () => printer.schedule());
      // Membership changes are kept by the core until a UI takes them (whichever command
      // was connected when they came), then printed in order with the messages around them.
      client.on('group:changed', () => printer.schedule());
      client.on('group:warning', () => printer.schedule());
      // Held messages are not printed; say why, on stderr, so scripts reading stdout are unaffected.
      client.on('contact:key-changed', (e) => ctx.err(keyChangedLine(e)));
      client.on('message:held', (e) => ctx.err(heldLine(e)));
      // Answers to my uploads: those that came since the last UI took any, then each as it
      // comes; taken, so the chat does not repeat them.
      const tellReplies = async () => {
        for (const r of await client.takeFileReplies()) ctx.err(fileReplyLine(r));
      };
      // A failed take leaves them for the next UI: nothing lost, said again at worst.
      client.on('file:reply', () => void tellReplies().catch(() => undefined));
      client.on('contact:renamed', (e) => ctx.err(renamedLine(e)));
      const autoAccepted = tellAutoAccepted(ctx, client);
      // The relay's mail store out of reach (a cluster's NATS down): what waits is unknown.
      // Following, said as it changes; once, said at the end instead of "no new messages".
      let store: PeerEventMap['relay:store'] = { reachable: true };
      client.on('relay:store', (e) => {
        store = e;
        if (opts.follow) ctx.err(`natter: ${relayStoreLine(e)}`);
      });
      if (opts.follow) tellRelayLoss(ctx, client);
      try {
        // Messages that arrived while another command was connected come first.
        await printer.print();
        await tellReplies();
        if (opts.follow) {
          // Listening for Ctrl-C/SIGTERM from the start: the client is announced
          // (and must say BYE) while it is still looking for the relay.
          // Stdout closed counts as stopped too (ctx.stopped()).
          const stopped = ctx.stopped().then(() => 'stopped' as const);
          const connected = connectRelay(ctx, client, { waitMs: opts.wait });
          connected.catch(() => undefined);
          if ((await Promise.race([connected, stopped])) !== 'stopped') {
            await Promise.race([stopped, fatalError(client), printer.full]);
          }
        } else {
          await connectRelay(ctx, client, { waitMs: opts.wait });
          await client.waitForInbox();
        }
        await printer.print();
        if (!opts.follow && store.reachable && printer.printed === 0) {
          ctx.err('natter: no new messages');
        }
        if (!opts.follow && printer.more) ctx.err(MORE_UNREAD);
      } catch (err) {
        // Stdout closed: what was not written stays unread; still send receipts and say BYE.
        if (!(err instanceof StdoutClosed)) throw err;
      }
      if (!opts.follow) await autoAccepted.settle();
      await client.flush(INBOX_FLUSH_MS);
      await client.logout();
      // Exit 1, not 0: a script must tell "nothing waiting" from "could not look".
      if (!opts.follow && !store.reachable) throw storeUnavailable(store);
    }),
  );
}

/**
 * Prints unread messages and reports of damaged ones; runs one at a time so
 * nothing is printed twice or out of order. A message is marked read only once
 * its line was written (issue 13): with stdout closed early, the rest stay unread.
 */
class Printer {
  /** Messages written so far. */
  printed = 0;
  /** --max left messages unread (one more than it could print was read). */
  more = false;
  /** Resolves once `max` messages were written (never without one). */
  readonly full: Promise<void>;
  private filled: () => void = () => undefined;
  private chain: Promise<void> = Promise.resolve();
  /** A print is queued and has not started: events need not queue another. */
  private queued = false;
  private readonly out: Output;

  constructor(
    private readonly client: NatterClient,
    private readonly ctx: CliContext,
    private readonly json: boolean,
    private readonly max = Number.POSITIVE_INFINITY,
  ) {
    this.out = ctx.output;
    this.full = new Promise((resolve) => {
      this.filled = resolve;
    });
  }

  /**
   * From an event: a failure shows up in the next awaited print(). A burst of
   * deliveries queues one print, not one per message (each print reads the store).
   */
  schedule(): void {
    if (this.queued) return;
    this.print().catch(() => undefined);
  }

  print(): Promise<void> {
    this.queued = true;
    // A failed print does not wedge the ones after it; each reports its own failure.
    this.chain = this.chain
      .catch(() => undefined)
      .then(async () => {
        // From here on, a new event must queue another print: this one may have read already.
        this.queued = false;
        await this.printNow();
      });
    return this.chain;
  }

  private async printNow(): Promise<void> {
    // Only what may still be printed is read: with --max the rest stays unread, and reading
    // it all again at every burst of deliveries cost a trial 400 MB and seconds.
    const left = this.max - this.printed;
    const unread =
      left <= 0 ? [] : await this.client.unread(Number.isFinite(left) ? left + 1 : undefined);
    if (unread.length > left) this.more = true;
    // Messages and membership changes in the order they became durable here.
    const items: {
      atMs: number;
      conversation: string;
      message?: UnreadMessage;
      update?: GroupUpdate;
    }[] = [
      ...unread.map((message) => ({
        atMs: message.receivedAtMs,
        conversation: message.conversation,
        message,
      })),
      ...(await this.client.takeGroupUpdates()).map((update) => ({
        atMs: update.atMs,
        conversation: update.type === 'changed' ? update.group.conversation : update.conversation,
        update,
      })),
    ].sort(byMoment);
    const written: Promise<UnreadMessage | null>[] = [];
    let closed = false;
    let room = this.max - this.printed;
    try {
      for (const { message, update } of items) {
        if (update !== undefined)
          printGroupUpdate(this.ctx, update, this.client.me.pseudonym, this.json);
        // --max reached: the messages left stay unread (changes were taken: all printed).
        if (message === undefined || room <= 0) continue;
        room--;
        const line = this.json ? messageJson(message) : formatMessage(message);
        written.push(this.out.line(line).then((ok) => (ok ? message : null)));
      }
    } catch (err) {
      if (!(err instanceof StdoutClosed)) throw err;
      closed = true;
    }
    const shown = (await Promise.all(written)).filter((m): m is UnreadMessage => m !== null);
    await this.client.markRead(shown);
    this.printed += shown.length;
    if (this.printed >= this.max) this.filled();
    if (closed || this.out.isClosed) throw new StdoutClosed();
    for (const d of await this.client.takeDamaged()) {
      this.ctx.err(formatDamaged(d));
      if (this.json) this.ctx.out(damagedJson(d));
    }
    for (const n of await this.client.takeNotices()) {
      this.ctx.err(formatNotice(n));
      if (this.json) this.ctx.out(noticeJson(n));
    }
  }
}

/** Rejects when the connection gives up for good (refused login, changed relay key). */
function fatalError(client: NatterClient): Promise<never> {
  return new Promise((_, reject) => {
    client.on('error', (e) => {
      if (e.fatal) reject(new NatterError(e.code, e.message));
    });
  });
}

/** Opens the profile a quitting client is letting go of: E_PROFILE_IN_USE is tried again, a while. */
async function whenProfileFree<T>(open: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + PROFILE_HANDOVER_MS;
  for (;;) {
    try {
      return await open();
    } catch (err) {
      if (!isNatterError(err, 'E_PROFILE_IN_USE') || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
