/**
 * A sender's share of one recipient's box: the standalone mailbox's (mail-index.ts, by its
 * sender tally, counted once the box is big) and a cluster relay's (cluster/sender-quota.ts,
 * by the sender's hex).
 */

/** One sender's mail in one box. */
export interface Share {
  count: number;
  bytes: number;
}

/** Adds `count` and `bytes` (negative: takes) to `sender`'s share; a share at nothing goes. */
export function addTo<Sender>(
  shares: Map<Sender, Share>,
  sender: Sender,
  count: number,
  bytes: number,
): void {
  const share = shares.get(sender);
  if (share === undefined) {
    shares.set(sender, { count, bytes });
  } else if (share.count + count === 0) {
    shares.delete(sender);
  } else {
    share.count += count;
    share.bytes += bytes;
  }
}
