/**
 * Conversation notices (issue 10): gaps and rewinds in a sender's numbering
 * (counters.ts), kept until a UI has shown them. Whichever command happened to be
 * connected when the delivery came (`natter send` receives mail too), the next
 * `natter inbox` or `natter chat` can still tell the user.
 *
 *   notice!<time, 16 digits>!<sender hex>!<counter, 16 digits>!<conversation store key>  → ConversationNotice
 *
 * A notice is written in the same batch as the delivery that showed it, before
 * the DeliverAck goes out (incoming.ts).
 */
import { fingerprint } from '../../crypto/keys.js';
import { toHex } from '../../util/bytes.js';
import { conversationStoreKey } from '../conversations/ids.js';
import type { ConversationNotice } from '../events.js';
import { fixedWidth, type KvOp, type PeerStore, PREFIX } from '../store.js';
import type { CounterVerdict } from './counters.js';
import type { Accepted } from './incoming-kinds.js';
import { TakeOnce } from './take-once.js';

export class ConversationNotices {
  private readonly records: TakeOnce<ConversationNotice>;

  constructor(store: PeerStore) {
    this.records = new TakeOnce(store, PREFIX.notices);
  }

  /** The op that makes a notice durable; write it before acknowledging its delivery. */
  recordOps(n: ConversationNotice): KvOp[] {
    const key = `${fixedWidth(n.atMs)}!${n.from.userId}!${fixedWidth(n.counter)}!${conversationStoreKey(n.conversation)}`;
    return this.records.recordOps(key, n);
  }

  /** Notices not yet taken, oldest first; each is returned exactly once. */
  take(): Promise<ConversationNotice[]> {
    return this.records.take();
  }
}

/** The notice a counter verdict calls for, if any. */
export function noticeOf(
  verdict: CounterVerdict,
  msg: Pick<Accepted, 'inner' | 'from' | 'conversation'>,
  atMs: number,
): ConversationNotice | undefined {
  let kind: ConversationNotice['kind'];
  let missing = 0;
  if (verdict.kind === 'new' && verdict.previous > 0 && verdict.missing > 0) {
    kind = 'gap';
    missing = verdict.missing;
  } else if (verdict.kind === 'rewound' && verdict.notice) {
    kind = 'rewound';
  } else {
    return undefined;
  }
  return {
    kind,
    conversation: msg.conversation,
    from: {
      pseudonym: msg.inner.senderName,
      userId: toHex(msg.from.userId),
      fingerprint: fingerprint(msg.from.userId),
    },
    counter: msg.inner.counter,
    previousCounter: verdict.previous,
    missing,
    atMs,
  };
}
