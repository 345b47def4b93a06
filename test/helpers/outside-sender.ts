/**
 * A group member's sender chain made outside its client, for the group tests
 * (test/unit/peer/groups): its share goes only where a test hands it, and its
 * messages are the frames the relay would deliver, each `TEXT_CHARS` long.
 */
import { randomBytes } from '../../src/crypto/random.js';
import {
  newSenderChain,
  type SenderChain,
  sealGroupMessage,
  senderChainShare,
} from '../../src/crypto/sender-keys.js';
import { encodeSenderChainShare } from '../../src/crypto/sender-keys-codec.js';
import { heldCost } from '../../src/peer/groups/held.js';
import { fromHex } from '../../src/util/bytes.js';
import { systemClock } from '../../src/util/clock.js';
import { encodeGroupPlain } from '../../src/wire/codec.js';
import type { FrameOf } from '../../src/wire/types.js';
import type { Person } from './peer-fixtures.js';

/** Every message text is this long, so a bound is a whole number of messages. */
export const TEXT_CHARS = 100;

export function senderOf(who: Person, gid: string) {
  const chain: SenderChain = newSenderChain();
  const share = encodeSenderChainShare(senderChainShare(chain));
  let n = 0;
  // Now, in the window a group message's send time must be in (envelope.ts sendTimeRefusal).
  const sentAt = systemClock.now();
  return {
    share: { from: who.id.signPk, groupId: fromHex(gid), epoch: 0, share },
    /** The next message, as the relay delivers it at `gseq`: "NAME N mmm…". */
    frame(gseq: number): FrameOf<'group-deliver'> {
      const messageId = randomBytes(16);
      const header = { groupId: fromHex(gid), epoch: 0, sender: who.id.signPk, messageId };
      const text = `${who.name} ${++n} ${'m'.repeat(TEXT_CHARS)}`.slice(0, TEXT_CHARS);
      const plain = encodeGroupPlain({
        sentAtMs: sentAt + n,
        senderName: who.name,
        text,
        fileOffer: null,
      });
      return {
        type: 'group-deliver',
        groupId: fromHex(gid),
        gseq,
        storedAtMs: 1,
        item: {
          kind: 'message',
          from: who.id.signPk,
          msgId: messageId,
          body: sealGroupMessage(chain, header, plain),
        },
      };
    },
  };
}

/** What a frame's message counts against the held bound (held.ts heldCost). */
export const costOf = (f: FrameOf<'group-deliver'>) =>
  f.item.kind === 'message' ? heldCost({ body: f.item.body }) : 0;
