/**
 * Writes acknowledgements (docs/groups.md "Relay"): a turn's acks become one
 * batch of cursor puts (one per member that acked, however many acks it sent)
 * and deletes of the items every member is past. Not synced: a cursor lost in a
 * crash is a redelivery, which the client drops by gseq. A batch refused while
 * the store recovers is made good by the reload (stream.ts), which writes again
 * the cursors the store missed and deletes again what nobody needs.
 */
import { TickBatcher } from '../../util/tick-batcher.js';
import type { KvOp } from '../store/index.js';
import { cursorKey, encodeU64, itemKey } from './keys.js';
import type { Track } from './ledger.js';
import type { Ledgers } from './ledgers.js';

export class CursorWriter {
  /** Per group, users whose cursor moved since it was last written. */
  private readonly dirty = new Map<string, Set<string>>();
  private readonly batcher: TickBatcher<string>;

  constructor(
    private readonly ledgers: Ledgers,
    private readonly submit: (ops: KvOp[]) => void,
  ) {
    this.batcher = new TickBatcher((gids) => this.flush(gids));
  }

  /** `userHex`'s cursor in `gidHex` moved: written at the end of the turn. */
  mark(gidHex: string, userHex: string): void {
    let users = this.dirty.get(gidHex);
    if (!users) {
      users = new Set();
      this.dirty.set(gidHex, users);
    }
    users.add(userHex);
    this.batcher.push(gidHex);
  }

  /** Writes what is marked now. */
  flushNow(): void {
    this.batcher.flushNow();
  }

  private flush(gids: string[]): void {
    const ops: KvOp[] = [];
    for (const gidHex of new Set(gids)) {
      const ledger = this.ledgers.get(gidHex);
      const users = this.dirty.get(gidHex);
      this.dirty.delete(gidHex);
      if (!ledger) continue;
      const write = (userHex: string, track: Track) => {
        if (track.cursor <= track.written) return;
        ops.push({ type: 'put', key: cursorKey(gidHex, userHex), value: encodeU64(track.cursor) });
        track.written = track.cursor;
      };
      for (const userHex of users ?? []) {
        const track = ledger.tracks.get(userHex);
        if (track) write(userHex, track);
      }
      // A departed member past its removal item: its cursor stays, as a record that it is done.
      for (const [userHex, track] of ledger.takeDone()) {
        write(userHex, track);
        this.ledgers.settle(userHex, gidHex);
      }
      for (const gseq of ledger.dropAcknowledged()) {
        ops.push({ type: 'del', key: itemKey(gidHex, gseq) });
      }
    }
    if (ops.length > 0) this.submit(ops);
  }
}
