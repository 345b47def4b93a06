/**
 * The directory of a cluster of relays (issue 15): cards in the users bucket
 * (user id hex -> encoded card), owners in the names bucket (folded name, hex
 * -> user id hex). Registration is atomic across relays: the name is taken by a
 * `create` on its key, a compare-and-set that only one identity can win, and
 * only then is the card written. Every relay keeps the maps of DirectoryMaps in
 * memory, filled at open and kept current by a watch on the users bucket, so
 * lookups never wait on the network.
 */
import { systemClock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { lookalikeKey } from '../../wire/text.js';
import {
  DirectoryMaps,
  decodeCard,
  encodeCard,
  type Reservation,
  type ReserveRefusal,
  taken,
} from '../directory.js';
import type { StoreRefusal } from '../store/index.js';
import { type ClusterLink, USERS_BUCKET } from './connection.js';
import { KeptWatch, type WatchedEntry } from './kept-watch.js';
import { readAllEntries } from './kv-read.js';

export const REFUSED_CLUSTER: StoreRefusal = Object.freeze({
  code: 'internal',
  reason: 'the relay cluster store did not answer',
});

/** A name key as a bucket key: NATS keys allow only [-/_=.a-zA-Z0-9]. */
export function nameBucketKey(nameKey: string): string {
  return Buffer.from(nameKey, 'utf8').toString('hex');
}

export class ClusterDirectory extends DirectoryMaps {
  private watching: { stop(): void } | null = null;

  constructor(
    private readonly link: ClusterLink,
    private readonly log: Logger,
  ) {
    super();
  }

  async open(): Promise<void> {
    // The watch first, so a card written while the rest is read is not missed.
    const watch = new KeptWatch({
      link: this.link,
      clock: systemClock,
      log: this.log,
      bucket: USERS_BUCKET,
      from: 'updates',
      apply: (entry) => this.apply(entry),
    });
    this.watching = watch;
    await watch.start();
    for (const entry of await readAllEntries(systemClock, this.link.users)) this.apply(entry);
  }

  close(): void {
    this.watching?.stop();
    this.watching = null;
  }

  protected async persist(r: Reservation): Promise<StoreRefusal | ReserveRefusal | null> {
    const { names, users } = this.link;
    const nameKey = nameBucketKey(r.nameKey);
    try {
      const owner = await names.get(nameKey);
      if (owner?.operation === 'PUT') {
        const holder = owner.string();
        if (holder !== r.idHex) return taken(r.card.pseudonym, this.byUserId(holder)?.pseudonym);
      } else {
        try {
          await names.create(nameKey, r.idHex);
        } catch {
          // Another relay's create won the race (or the same identity's, elsewhere).
          const won = await names.get(nameKey);
          if (won?.operation !== 'PUT' || won.string() !== r.idHex) {
            return taken(
              r.card.pseudonym,
              won ? this.byUserId(won.string())?.pseudonym : undefined,
            );
          }
        }
      }
      const previous = this.byUserId(r.idHex);
      await users.put(r.idHex, encodeCard(r.card));
      if (previous)
        await this.release(nameBucketKey(lookalikeKey(previous.pseudonym)), nameKey, r.idHex);
      return null;
    } catch (err) {
      this.log.warn('cluster directory write failed', describeError(err));
      return REFUSED_CLUSTER;
    }
  }

  /** After a rename: the old name goes back, if this user still holds it. */
  private async release(oldKey: string, newKey: string, idHex: string): Promise<void> {
    if (oldKey === newKey) return;
    const old = await this.link.names.get(oldKey);
    if (old?.operation === 'PUT' && old.string() === idHex) {
      await this.link.names.delete(oldKey, { previousSeq: old.revision }).catch(() => {});
    }
  }

  private apply(entry: WatchedEntry): void {
    if (entry.operation !== 'PUT') return;
    const card = decodeCard(entry.value);
    if (card) this.publish(entry.key, card);
  }
}
