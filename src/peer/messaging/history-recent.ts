/**
 * My messages this process appended or updated, kept in memory so the SendAck and
 * receipt that follow each one do not read it back from LevelDB (two reads per
 * message on the send path), and those erase() took out of the store, so that
 * outgoing() still answers for them. History (history.ts) owns one.
 */
import type { HistoryEntry } from './history.js';

/**
 * The profile's LevelDB is locked to one process, so nothing else changes these
 * entries under us; if the batch carrying an append fails, the send fails with it
 * and nothing asks for that (random) id again. A few thousand: a send of a large
 * batch finds its entries while their acks arrive; older ones are read from disk.
 */
export const RECENT_OUTGOING_ENTRIES = 4096;

export class RecentOutgoing {
  /** msg id (hex) → where and what my message is. */
  private readonly live = new Map<string, { key: string; entry: HistoryEntry }>();
  /** My messages erase() took out of the store, as they ended. */
  private readonly ended = new Map<string, HistoryEntry>();

  get(msgId: string): { key: string; entry: HistoryEntry } | undefined {
    return this.live.get(msgId);
  }

  endedAs(msgId: string): HistoryEntry | undefined {
    return this.ended.get(msgId);
  }

  remember(msgId: string, key: string, entry: HistoryEntry): void {
    this.live.delete(msgId);
    this.live.set(msgId, { key, entry });
    bound(this.live);
  }

  /** The message left the store as `entry` (erase()). */
  end(msgId: string, entry: HistoryEntry): void {
    this.live.delete(msgId);
    this.ended.set(msgId, entry);
    bound(this.ended);
  }

  /** The message's entry was deleted with its conversation's history: nothing is kept. */
  forget(msgId: string): void {
    this.live.delete(msgId);
    this.ended.delete(msgId);
  }
}

function bound(map: Map<string, unknown>): void {
  if (map.size <= RECENT_OUTGOING_ENTRIES) return;
  const oldest = map.keys().next().value;
  if (oldest !== undefined) map.delete(oldest);
}
