/**
 * The files the screen knows (issue 12): offers as the core last described them (from
 * fileOffers() at start and every 'file:offer' and 'file:received'), the transfers in
 * progress (from 'transfer:progress' until 'transfer:finished'), and which conversation
 * each of the user's own sends belongs to. Pure: ChatState owns one.
 */
import type { ConversationId, OfferInfo, TransferInfo } from '../index.js';

/** A ref shown for an offer never has fewer hex digits than the core accepts. */
const MIN_REF_DIGITS = 4;

export class FileBook {
  private readonly offers = new Map<string, OfferInfo>();
  private readonly running = new Map<string, TransferInfo>();
  private readonly sentIn = new Map<string, ConversationId>();

  /** The core's newest description of an offer replaces the one held. */
  offer(o: OfferInfo): void {
    this.offers.set(o.id, o);
  }

  /** Every offer, newest first: by when it was offered (the core's order, reversed). */
  allOffers(): OfferInfo[] {
    return [...this.offers.values()].sort(
      (a, b) => b.sentAtMs - a.sentAtMs || b.offeredAtMs - a.offeredAtMs,
    );
  }

  /** The newest offer still waiting for an answer in conversation `id`. */
  latestPending(id: string): OfferInfo | undefined {
    return this.allOffers().find((o) => o.conversation === id && o.state === 'offered');
  }

  /** The newest offer waiting or downloading in conversation `id`: what /decline stops. */
  latestOpen(id: string): OfferInfo | undefined {
    return this.allOffers().find(
      (o) => o.conversation === id && (o.state === 'offered' || o.state === 'accepted'),
    );
  }

  /** Offers still waiting for an answer, in every conversation. */
  pending(): OfferInfo[] {
    return this.allOffers().filter((o) => o.state === 'offered');
  }

  /** The shortest prefix of `id` (at least 4 digits) that no other known offer shares. */
  refOf(id: string): string {
    const others = [...this.offers.keys()].filter((k) => k !== id);
    for (let n = MIN_REF_DIGITS; n < id.length; n++) {
      const p = id.slice(0, n);
      if (!others.some((k) => k.startsWith(p))) return p;
    }
    return id;
  }

  /** One of my sends went out in conversation `id`. */
  sent(t: TransferInfo, id: ConversationId): void {
    this.sentIn.set(t.id, id);
    this.progress(t);
  }

  /** The conversation a transfer belongs to, when known. */
  conversationOf(t: Pick<TransferInfo, 'id'>): ConversationId | null {
    return this.sentIn.get(t.id) ?? this.offers.get(t.id)?.conversation ?? null;
  }

  /** A transfer moved on: kept while it runs or waits, dropped once it ended. */
  progress(t: TransferInfo): void {
    if (t.state === 'done' || t.state === 'failed' || t.state === 'cancelled')
      this.running.delete(t.id);
    else this.running.set(t.id, t);
  }

  /** Transfers in progress, in the order they started. */
  active(): TransferInfo[] {
    return [...this.running.values()];
  }
}
