/**
 * `natter inbox [--follow] [--json]`: fetch, print and acknowledge waiting messages.
 *
 * A delivery that arrived damaged or forged (issue 8) is dropped by the core and
 * reported here: a line on stderr, and with --json an entry of `type: "damaged"`
 * on stdout. The exit status stays 0: the inbox was fetched, and nothing a rerun
 * could do would bring the message back.
 */
import type { Command } from 'commander';
import type {
  ConversationNotice,
  DamagedMessage,
  GroupUpdate,
  NatterClient,
} from '../../peer/index.js';
import { NatterError } from '../../util/errors.js';
import { formatMessage, messageJson, safeJson, sanitize } from '../format.js';
import {
  formatGroupChange,
  formatGroupWarning,
  groupChangeJson,
  groupWarningJson,
} from '../group-format.js';
import type { WithContext } from '../main.js';
import { parseMs } from '../options.js';
import { addPresenceOptions, type PresenceFlags } from '../presence.js';

/** After the mailbox is drained, give receipts and queued messages this long to reach the relay. */
export const INBOX_FLUSH_MS = 2_000;

interface InboxOptions extends PresenceFlags {
  follow?: boolean;
  json?: boolean;
  wait: number;
}

export function addInboxCommand(program: Command, withContext: WithContext): void {
  const command = program
    .command('inbox')
    .description(
      'print and acknowledge new messages, then exit (or keep following with --follow, announced on the LAN)',
    )
    .option('--follow', 'stay connected and print new messages as they arrive, until Ctrl-C')
    .option(
      '--json',
      'one JSON object per message: msgId, from, fingerprint, userId, sentAt, receivedAt, text, and group {name, id} in a group; a damaged or forged delivery is an object with type "damaged", a membership change one with type "group"',
    )
    .option('--wait <ms>', 'how long to try to reach (or find) the relay', parseMs, 30_000);
  // With --follow the client announces itself until stopped: natter who lists it,
  // natter status changes its status.
  addPresenceOptions(command).action(
    withContext(async (ctx, opts: InboxOptions) => {
      const client = await ctx.openClient({
        connect: true,
        ...(opts.follow ? { announce: opts } : {}),
      });
      const printer = new Printer(
        client,
        (line) => ctx.out(line),
        (line) => ctx.io.stderr.write(`${line}\n`),
        opts.json === true,
      );
      // Messages that arrived while another command was connected come first.
      await printer.print();
      client.on('message:received', () => printer.schedule());
      client.on('message:damaged', () => printer.schedule());
      client.on('conversation:notice', () => printer.schedule());
      // Membership changes are kept by the core until a UI takes them (whichever command
      // was connected when they came), then printed in order with the messages around them.
      client.on('group:changed', () => printer.schedule());
      client.on('group:warning', () => printer.schedule());
      // Held messages are not printed; say why, on stderr, so scripts reading stdout are unaffected.
      client.on('contact:key-changed', (e) => {
        const who = sanitize(e.pseudonym);
        ctx.io.stderr.write(
          `natter: ${who}'s key changed (${e.oldFingerprint} -> ${e.newFingerprint}); their messages are held until you compare safety numbers (natter fingerprint ${who}) and run natter trust ${who}\n`,
        );
      });
      client.on('message:held', (e) => {
        ctx.io.stderr.write(
          `natter: a message from ${sanitize(e.from.pseudonym)} is held (key changed)\n`,
        );
      });
      if (opts.follow) {
        // Listening for Ctrl-C/SIGTERM from the start: the client is announced
        // (and must say BYE) while it is still looking for the relay.
        const stopped = ctx.io.stopSignal().then(() => 'stopped' as const);
        const connected = client.connect({ timeoutMs: opts.wait });
        connected.catch(() => undefined);
        if ((await Promise.race([connected, stopped])) !== 'stopped') {
          await Promise.race([stopped, fatalError(client)]);
        }
      } else {
        await client.connect({ timeoutMs: opts.wait });
        await client.waitForInbox();
      }
      await printer.print();
      await client.flush(INBOX_FLUSH_MS);
      await client.logout();
    }),
  );
}

/**
 * Prints unread messages and reports of damaged ones; runs one at a time so
 * nothing is printed twice or out of order.
 */
class Printer {
  private chain: Promise<void> = Promise.resolve();
  /** A print is queued and has not started: events need not queue another. */
  private queued = false;

  constructor(
    private readonly client: NatterClient,
    private readonly out: (line: string) => void,
    private readonly err: (line: string) => void,
    private readonly json: boolean,
  ) {}

  /**
   * From an event: a failure shows up in the next awaited print(). A burst of
   * deliveries queues one print, not one per message (each print reads the store).
   */
  schedule(): void {
    if (this.queued) return;
    this.print().catch(() => undefined);
  }

  /** A membership change or a refused one: text on stderr, like notices; an object with --json. */
  private printGroupUpdate(u: GroupUpdate): void {
    if (u.type === 'changed') {
      this.err(formatGroupChange(u.group, u.notice, this.client.me.pseudonym));
      if (this.json) this.out(groupChangeJson(u.group, u.notice, u.atMs));
    } else {
      this.err(formatGroupWarning(u));
      if (this.json) this.out(groupWarningJson(u));
    }
  }

  print(): Promise<void> {
    this.queued = true;
    // A failed print does not wedge the ones after it; each reports its own failure.
    this.chain = this.chain
      .catch(() => undefined)
      .then(async () => {
        // From here on, a new event must queue another print: this one may have read already.
        this.queued = false;
        // Messages and membership changes in the order they became durable here.
        const messages = (await this.client.takeUnread()).map((m) => ({
          atMs: m.receivedAtMs,
          print: () => this.out(this.json ? messageJson(m) : formatMessage(m)),
        }));
        const updates = (await this.client.takeGroupUpdates()).map((u) => ({
          atMs: u.atMs,
          print: () => this.printGroupUpdate(u),
        }));
        for (const line of [...messages, ...updates].sort((a, b) => a.atMs - b.atMs)) line.print();
        for (const d of await this.client.takeDamaged()) {
          this.err(formatDamaged(d));
          if (this.json) this.out(damagedJson(d));
        }
        for (const n of await this.client.takeNotices()) {
          this.err(formatNotice(n));
          if (this.json) this.out(noticeJson(n));
        }
      });
    return this.chain;
  }
}

/**
 * The stderr line for a gap or a rewound counter in a sender's messages (issue 10):
 * a notice, not an error: missing messages may still be on their way.
 */
export function formatNotice(n: ConversationNotice): string {
  const who = `${sanitize(n.from.pseudonym)} (${n.from.fingerprint})`;
  return n.kind === 'gap'
    ? `natter: ${n.missing} earlier message(s) from ${who} have not arrived (yet); they may still be on their way`
    : `natter: ${who}'s messages are numbered from an earlier point (a profile restored from a backup, or another device); new messages are still shown`;
}

function noticeJson(n: ConversationNotice): string {
  return safeJson({
    type: 'notice',
    kind: n.kind,
    conversation: n.conversation,
    from: n.from.pseudonym,
    fromFingerprint: n.from.fingerprint,
    counter: n.counter,
    previousCounter: n.previousCounter,
    missing: n.missing,
    at: new Date(n.atMs).toISOString(),
  });
}

/** Rejects when the connection gives up for good (refused login, changed relay key). */
function fatalError(client: NatterClient): Promise<never> {
  return new Promise((_, reject) => {
    client.on('error', (e) => {
      if (e.fatal) reject(new NatterError(e.code, e.message));
    });
  });
}

/**
 * The stderr line for a dropped delivery. The name is the relay's routing claim,
 * not an authenticated sender (DESIGN.md §3), and peer text: said as such, sanitised.
 */
export function formatDamaged(d: DamagedMessage): string {
  const who = `${sanitize(d.claimedFrom.pseudonym)} (${d.claimedFrom.fingerprint})`;
  return `natter: a message claimed to be from ${who} arrived damaged or forged and was dropped: ${d.reason} (${d.code})`;
}

export function damagedJson(d: DamagedMessage): string {
  return safeJson({
    type: 'damaged',
    code: d.code,
    reason: d.reason,
    claimedFrom: d.claimedFrom.pseudonym,
    claimedFingerprint: d.claimedFrom.fingerprint,
    claimedUserId: d.claimedFrom.userId,
    msgId: d.msgId,
    seq: d.seq,
    receivedAt: new Date(d.receivedAtMs).toISOString(),
  });
}
