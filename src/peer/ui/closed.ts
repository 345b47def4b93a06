/**
 * Conversations the user closed with /close (issue 13 item 8), remembered with the
 * time of their last message so that a restart does not bring them back: at start
 * the screen lists every contact with history and every group (addressing.ts), and
 * a closed one stays out of that list until something newer than what it showed
 * when it was closed arrives. Reopening it (/msg, a new message) forgets it here.
 * Pure state; saved with the conversation list (ui-state.json).
 */

/** Closed conversations remembered across restarts; the oldest are forgotten first. */
export const MAX_CLOSED_CONVERSATIONS = 1_000;

export interface ClosedEntry {
  id: string;
  /** The time of the last message it showed when closed (ms); 0 for none. */
  lastMs: number;
}

export class ClosedConversations {
  private readonly byId = new Map<string, number>();

  close(id: string, lastMs: number): void {
    this.byId.delete(id);
    this.byId.set(id, lastMs);
    for (const oldest of this.byId.keys()) {
      if (this.byId.size <= MAX_CLOSED_CONVERSATIONS) break;
      this.byId.delete(oldest);
    }
  }

  /** The conversation is on the list again. */
  reopened(id: string): void {
    this.byId.delete(id);
  }

  /** True while `id` stays closed: nothing newer than `lastMs` when it was closed. */
  hides(id: string, lastMs: number): boolean {
    const closedAt = this.byId.get(id);
    return closedAt !== undefined && lastMs <= closedAt;
  }

  snapshot(): ClosedEntry[] {
    return [...this.byId].map(([id, lastMs]) => ({ id, lastMs }));
  }

  restore(entries: readonly ClosedEntry[]): void {
    for (const e of entries) this.close(e.id, e.lastMs);
  }
}
