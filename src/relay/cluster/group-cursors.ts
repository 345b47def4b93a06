/**
 * Group members' cursors in a cluster (cluster/groups.ts): each member's
 * highest acknowledged gseq in a key-value bucket, `<gid hex>.<user hex>`, so
 * any relay the member reaches next knows where it stands, and each relay
 * knows when every member is past an item. Acks are written once per
 * CURSOR_FLUSH_MS (the last value of each cursor, as one relay's cursors.ts
 * does), and every relay watches the bucket.
 *
 * Every relay, told a group's cursors moved, lets go of (and deletes) the
 * messages every member is past (groups.ts; the log stays: it is the group's
 * membership).
 */
import type { KV } from '@nats-io/kv';
import type { Clock, Timer } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { type ClusterLink, GROUP_CURSORS_BUCKET } from './connection.js';
import type { GroupApplier } from './group-applier.js';
import { KeptWatch } from './kept-watch.js';

export const CURSOR_FLUSH_MS = 100;

export class GroupCursors {
  private readonly marked = new Set<string>();
  private timer: Timer | null = null;
  private watching: { stop(): void } | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly link: ClusterLink,
    private readonly kv: KV,
    private readonly applier: GroupApplier,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** The group's members' cursors moved (written here or elsewhere): its frontier may have too. */
    private readonly moved: (gidHex: string) => void,
  ) {}

  /** Reads every cursor and keeps reading them as they change. */
  async start(): Promise<void> {
    const watch = new KeptWatch({
      link: this.link,
      clock: this.clock,
      log: this.log,
      bucket: GROUP_CURSORS_BUCKET,
      from: 'all',
      ignoreDeletes: true,
      apply: (entry) => {
        const key = parseCursorKey(entry.key);
        const cursor = Number(entry.string());
        if (!key || !Number.isSafeInteger(cursor)) return;
        if (this.applier.cursorRead(key.gidHex, key.userHex, cursor)) this.moved(key.gidHex);
      },
    });
    this.watching = watch;
    await watch.start();
  }

  /** `userHex`'s cursor in `gidHex` moved here: written with the others of this tick. */
  mark(gidHex: string, userHex: string): void {
    this.marked.add(`${gidHex}.${userHex}`);
    if (this.timer === null) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.flushing = this.flushing.then(() => this.flush());
      }, CURSOR_FLUSH_MS);
    }
  }

  /** Writes what is marked and stops watching. */
  async close(): Promise<void> {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    this.flushing = this.flushing.then(() => this.flush());
    await this.flushing;
    this.watching?.stop();
    this.watching = null;
  }

  private async flush(): Promise<void> {
    const keys = [...this.marked];
    this.marked.clear();
    const groups = new Set<string>();
    const failures: unknown[] = [];
    await Promise.all(
      keys.map(async (key) => {
        const parsed = parseCursorKey(key);
        if (!parsed) return;
        const cursor = this.applier.ledgers.get(parsed.gidHex)?.tracks.get(parsed.userHex)?.cursor;
        if (cursor === undefined) return;
        try {
          await this.kv.put(key, String(cursor));
          groups.add(parsed.gidHex);
        } catch (err) {
          failures.push(err);
        }
      }),
    );
    // A cursor not written is an item sent again after a reconnect: the client drops it.
    // One line per flush: while a NATS node rejoins, every member's write fails alike.
    if (failures.length > 0) {
      const count = failures.length;
      this.log.warn('group cursor writes failed', { count, ...describeError(failures[0]) });
    }
    for (const gidHex of groups) this.moved(gidHex);
  }
}

function parseCursorKey(key: string): { gidHex: string; userHex: string } | null {
  const m = /^([0-9a-f]{32})\.([0-9a-f]{64})$/.exec(key);
  return m ? { gidHex: m[1]!, userHex: m[2]! } : null;
}
