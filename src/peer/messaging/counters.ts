/**
 * What each sender's message counters say (DESIGN.md §3, issue 10). A sender
 * numbers its messages in each conversation 1, 2, 3, ... (outbox.ts; receipts
 * count too) and seals the number in. Per sender (for one-to-one messages: the sender
 * numbers per name they write to, mine, whatever they are called) the receiver keeps the
 * highest number accepted, the numbers below it that never came (gaps), and the newest
 * send time accepted:
 *
 *   v1!inctr!<sender hex>!direct  → CounterWindow (JSON)
 *   v1!inctr!<sender hex>!<conversation store key>  → the same, as kept before senders'
 *     renames were followed (a window per name they had): read until the first is written
 *
 * - Above the highest: new. A jump past the next number is a 'gap' notice: those
 *   messages may still come (a send the relay refused for now is retried later),
 *   and are accepted when they do.
 * - In a gap: a late arrival, accepted.
 * - The highest again with its own message id: a copy of that message (quiet).
 * - Any other number was used already. A copy of an accepted message can never be
 *   newer than the newest accepted from its sender, so one that is newer comes from
 *   a sender whose numbering went back (their profile restored from a backup, or a
 *   second device): accepted, with a 'rewound' notice. Otherwise it is old mail
 *   replayed (by a relay that kept it, to a profile whose seen-set is gone):
 *   refused as 'counter-reused'.
 *
 * Counting starts at the first message seen from a sender: the numbers below it
 * count as used. So a profile that lost its seen-set but kept these windows
 * refuses every replay; the price is that a message numbered below the very first
 * one seen from a sender, and older than it, is refused too.
 */
import { toHex } from '../../util/bytes.js';
import { pseudonymKey } from '../../wire/text.js';
import type { Inner } from '../../wire/types.js';
import {
  type ConversationId,
  conversationStoreKey,
  parseConversationId,
} from '../conversations/ids.js';
import { type KvOp, type PeerStore, PREFIX, putJson } from '../store.js';

/**
 * Gaps remembered per sender and conversation; past it the oldest is forgotten and
 * its numbers count as used. Each gap is a message overtaken by later ones; 64 at
 * once is a broken or hostile sender, and this bounds what one can make us store.
 */
export const MAX_COUNTER_GAPS = 64;

export interface CounterWindow {
  /** The highest counter accepted. */
  high: number;
  /** Its message id, hex: that number with this id again is a copy, not a reuse. */
  highId: string;
  /** The newest send time accepted (the sender's clock). */
  newestSentAtMs: number;
  /** Counters below `high` never received, as inclusive ranges, oldest first. */
  gaps: [number, number][];
  /** The sender's numbering is behind `high` ('rewound' was noticed); cleared when it passes. */
  rewound?: boolean;
  /**
   * I renamed myself since this window began (markWindowsOnRename): the sender's next
   * rewind is their numbering for my new name starting again, taken without a notice.
   */
  renamedAway?: boolean;
}

/** The counter, id and send time of one message, as sealed. */
export interface Counted {
  counter: number;
  /** Hex. */
  msgId: string;
  sentAtMs: number;
}

export type CounterVerdict =
  /** Above the highest; `missing` numbers were skipped (a gap when there was a highest before). */
  | { kind: 'new'; next: CounterWindow; previous: number; missing: number }
  | { kind: 'late'; next: CounterWindow }
  /** Reused, but newer than everything accepted; `notice` the first time. */
  | { kind: 'rewound'; next: CounterWindow; previous: number; notice: boolean }
  | { kind: 'duplicate' }
  | { kind: 'reused' };

/** The verdict on `m` given what was accepted before (`w`, undefined: nothing yet). Pure. */
export function judgeCounter(w: CounterWindow | undefined, m: Counted): CounterVerdict {
  if (w === undefined) {
    const next = { high: m.counter, highId: m.msgId, newestSentAtMs: m.sentAtMs, gaps: [] };
    return { kind: 'new', next, previous: 0, missing: 0 };
  }
  const newestSentAtMs = Math.max(w.newestSentAtMs, m.sentAtMs);
  if (m.counter > w.high) {
    const missing = m.counter - w.high - 1;
    const gaps: [number, number][] = [...w.gaps];
    if (missing > 0) gaps.push([w.high + 1, m.counter - 1]);
    const next: CounterWindow = {
      high: m.counter,
      highId: m.msgId,
      newestSentAtMs,
      gaps: gaps.slice(-MAX_COUNTER_GAPS),
      ...(w.renamedAway === true ? { renamedAway: true } : {}),
    };
    return { kind: 'new', next, previous: w.high, missing };
  }
  if (m.counter === w.high && m.msgId === w.highId) return { kind: 'duplicate' };
  const at = w.gaps.findIndex(([from, to]) => from <= m.counter && m.counter <= to);
  const gap = w.gaps[at];
  if (gap !== undefined) {
    const [from, to] = gap;
    const rest: [number, number][] = [];
    if (from < m.counter) rest.push([from, m.counter - 1]);
    if (m.counter < to) rest.push([m.counter + 1, to]);
    const gaps = [...w.gaps.slice(0, at), ...rest, ...w.gaps.slice(at + 1)];
    return { kind: 'late', next: { ...w, newestSentAtMs, gaps: gaps.slice(-MAX_COUNTER_GAPS) } };
  }
  if (m.sentAtMs > w.newestSentAtMs) {
    const { renamedAway, ...rest } = w;
    const next = { ...rest, newestSentAtMs, rewound: true };
    const notice = w.rewound !== true && renamedAway !== true;
    return { kind: 'rewound', next, previous: w.high, notice };
  }
  return { kind: 'reused' };
}

/** One message judged: where its window lives and the verdict. */
export interface Judged {
  key: string;
  verdict: CounterVerdict;
}

/**
 * Where a sender's window is: one per sender for one-to-one messages, whatever name the
 * sender goes by (they number per name they write to, which is mine: a rename of theirs does
 * not restart it); before that, one per conversation, read while no window of the new kind
 * is written (legacyKey).
 */
function windowKey(sender: Uint8Array, conversation: ConversationId): string {
  const ref = parseConversationId(conversation);
  const where = ref.kind === 'direct' ? 'direct' : conversationStoreKey(conversation);
  return `${PREFIX.inCounters}${toHex(sender)}!${where}`;
}

/** A one-to-one window as it was kept per conversation (the sender's name); null for a group. */
function legacyKey(sender: Uint8Array, conversation: ConversationId): string | null {
  if (parseConversationId(conversation).kind !== 'direct') return null;
  return `${PREFIX.inCounters}${toHex(sender)}!${conversationStoreKey(conversation)}`;
}

/**
 * Marks every sender's window of one-to-one messages (renamedAway) when this profile claims
 * another name than `saved` (`natter rename`; a change of case is none): senders number
 * their messages per name they write to, so a sender who writes to the new name before
 * hearing of it starts again at 1, which the window would call a rewind (a false "restored
 * from a backup"). That one rewind is taken without a notice; any later one is noticed as
 * ever, and a replay (not newer than what was accepted) is still refused. Group windows
 * are numbered per group, not per name, and are left alone.
 */
export async function markWindowsOnRename(
  store: PeerStore,
  saved: string | undefined,
  claimed: string,
): Promise<void> {
  if (saved === undefined || pseudonymKey(saved) === pseudonymKey(claimed)) return;
  const ops: KvOp[] = [];
  for await (const [key, w] of store.scan<CounterWindow>(PREFIX.inCounters)) {
    const conversation = key.slice(key.lastIndexOf('!') + 1);
    if (!conversation.startsWith('g')) ops.push(putJson(key, { ...w, renamedAway: true }));
  }
  await store.write(ops);
}

/** The windows of every sender, read from the store once and then kept. */
export class CounterWindows {
  private readonly known = new Map<string, CounterWindow>();

  constructor(private readonly store: PeerStore) {}

  /** A draft for one delivery batch (see CounterDraft). */
  draft(): CounterDraft {
    return new CounterDraft(this);
  }

  /** The durable window under `key`, if any. */
  async get(key: string): Promise<CounterWindow | undefined> {
    const cached = this.known.get(key);
    if (cached !== undefined) return cached;
    const stored = await this.store.getJson<CounterWindow>(key);
    if (stored !== undefined) this.known.set(key, stored);
    return stored;
  }

  /** These windows are durable now. */
  remember(windows: ReadonlyMap<string, CounterWindow>): void {
    for (const [key, w] of windows) this.known.set(key, w);
  }
}

/**
 * The windows as one delivery batch changes them: each judgement sees what the
 * batch accepted before it; nothing is kept until the batch is written (commit()),
 * so a batch that fails to write leaves the windows as they were.
 */
export class CounterDraft {
  private readonly changed = new Map<string, CounterWindow>();

  constructor(private readonly windows: CounterWindows) {}

  async judge(sender: Uint8Array, conversation: ConversationId, inner: Inner): Promise<Judged> {
    const key = windowKey(sender, conversation);
    const legacy = legacyKey(sender, conversation);
    const current =
      this.changed.get(key) ??
      (await this.windows.get(key)) ??
      (legacy === null ? undefined : await this.windows.get(legacy));
    const counted = { counter: inner.counter, msgId: toHex(inner.msgId), sentAtMs: inner.sentAtMs };
    return { key, verdict: judgeCounter(current, counted) };
  }

  /** The message judged is accepted: its window moves on. */
  accept({ key, verdict }: Judged): void {
    if ('next' in verdict) this.changed.set(key, verdict.next);
  }

  ops(): KvOp[] {
    return [...this.changed].map(([key, w]) => putJson(key, w));
  }

  /** The batch was written: the windows it moved are the current ones. */
  commit(): void {
    this.windows.remember(this.changed);
  }
}
