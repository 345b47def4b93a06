/**
 * What became of the messages already queued when a command connected (issue 13):
 * those that went out are said (`natter: sent 3 queued message(s)`), and those
 * still waiting are said each time, with how to see or cancel them. Learned from
 * the core's events only, so it can be told after the client closed.
 */
import type { NatterClient } from '../peer/index.js';
import { sanitize } from './format.js';

/** How to see or cancel what stays queued: every message that says so ends with it. */
export const OUTBOX_HINT = 'natter outbox lists them, natter outbox cancel ID|--all drops them';

export class QueuedNotes {
  private readonly waiting: Set<string>;
  private sent = 0;
  private refused = 0;
  /** Conversations of queued messages dropped because nobody has the name (no history kept). */
  private readonly nobody: string[] = [];
  private readonly off: () => void;

  constructor(client: NatterClient) {
    // Held messages wait for trust(), not for the relay: the key-change lines say so.
    this.waiting = new Set(
      client
        .queued()
        .filter((m) => m.state === 'queued')
        .map((m) => m.msgId),
    );
    this.off = client.on('message:status', (e) => {
      if (!this.waiting.has(e.msgId) || e.state === 'queued') return;
      this.waiting.delete(e.msgId);
      if (e.state === 'stored' || e.state === 'delivered') this.sent++;
      else if (e.state === 'failed' && e.reason === 'unknown-recipient') {
        this.nobody.push(e.conversation);
      } else if (e.state === 'failed' && e.reason !== 'cancelled') this.refused++;
    });
  }

  /** The lines to print on stderr (none if there is nothing to say); stops listening. */
  lines(): string[] {
    this.off();
    const out: string[] = [];
    if (this.sent > 0) out.push(`natter: sent ${this.sent} queued message(s)`);
    if (this.refused > 0)
      out.push(
        `natter: the relay refused ${this.refused} queued message(s); natter history shows why`,
      );
    for (const to of new Set(this.nobody)) {
      const n = this.nobody.filter((c) => c === to).length;
      out.push(
        `natter: dropped ${n} queued message(s) to ${sanitize(to)}: nobody is registered by that name on this relay`,
      );
    }
    if (this.waiting.size > 0)
      out.push(`natter: ${this.waiting.size} earlier message(s) still queued; ${OUTBOX_HINT}`);
    return out;
  }
}
