/** A sender's share of one recipient's box (mail-index.ts), counted once the box is big. */
import type { SenderTally } from './mail-index.js';

/** One sender's mail in one box. */
export interface Share {
  count: number;
  bytes: number;
}

/** Adds `count` and `bytes` (negative: takes) to `sender`'s share; a share at nothing goes. */
export function addTo(
  shares: Map<SenderTally, Share>,
  sender: SenderTally,
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
