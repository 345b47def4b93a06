/**
 * A group message's send time is held to the 1:1 window (conversations/envelope.ts
 * sendTimeRefusal): sent before the oldest mail a relay may hold is dropped as
 * 'expired', further ahead than a sender's clock may run as 'future-dated'; both are
 * reported like any damaged delivery, and the messages inside the window still show.
 */
import assert from 'node:assert/strict';
import { randomBytes } from '../../../../src/crypto/random.js';
import {
  newSenderChain,
  sealGroupMessage,
  senderChainShare,
} from '../../../../src/crypto/sender-keys.js';
import { encodeSenderChainShare } from '../../../../src/crypto/sender-keys-codec.js';
import {
  MAX_FUTURE_SKEW_MS,
  MAX_MESSAGE_AGE_MS,
  sendTimeRefusal,
} from '../../../../src/peer/conversations/envelope.js';
import { fromHex } from '../../../../src/util/bytes.js';
import { systemClock } from '../../../../src/util/clock.js';
import { encodeGroupPlain } from '../../../../src/wire/codec.js';
import { collect, teamOfTwo } from '../../../helpers/group-hub.js';

const HOUR_MS = 60 * 60 * 1000;

describe('a group message’s send time', () => {
  it('has the 1:1 window (sendTimeRefusal)', () => {
    const now = 1_800_000_000_000;
    assert.equal(sendTimeRefusal(now, now), null);
    assert.equal(sendTimeRefusal(now - MAX_MESSAGE_AGE_MS, now), null);
    assert.equal(sendTimeRefusal(now - MAX_MESSAGE_AGE_MS - 1, now), 'expired');
    assert.equal(sendTimeRefusal(now + MAX_FUTURE_SKEW_MS, now), null);
    assert.equal(sendTimeRefusal(now + MAX_FUTURE_SKEW_MS + 1, now), 'future-dated');
    assert.equal(sendTimeRefusal(1, now), 'expired');
  });

  it('drops one dated 1970 or 2100 as expired / future-dated, and shows the ones in the window', async () => {
    const { hub, alice, bob, info } = await teamOfTwo();
    const groupId = fromHex(info.groupId);
    const chain = newSenderChain();
    const share = encodeSenderChainShare(senderChainShare(chain));
    await bob.groups.acceptShares([{ from: alice.who.id.signPk, groupId, epoch: 0, share }]);
    const damaged = collect(bob, 'message:damaged');
    const now = systemClock.now();
    const cases: [string, number][] = [
      ['in 1970', 1],
      ['in 2100', 4_102_444_800_000],
      ['a month ago', now - 30 * 24 * HOUR_MS],
      ['an hour ahead', now + HOUR_MS],
      ['just past the window', now - MAX_MESSAGE_AGE_MS - HOUR_MS],
      ['two days ahead', now + 2 * 24 * HOUR_MS],
    ];
    let gseq = 100;
    for (const [text, sentAtMs] of cases) {
      const body = sealGroupMessage(
        chain,
        { groupId, epoch: 0, sender: alice.who.id.signPk, messageId: randomBytes(16) },
        encodeGroupPlain({ sentAtMs, senderName: 'alice', text, fileOffer: null }),
      );
      bob.groups.push({
        type: 'group-deliver',
        groupId,
        gseq: gseq++,
        storedAtMs: now,
        item: { kind: 'message', from: alice.who.id.signPk, msgId: body.slice(53, 69), body },
      });
    }
    await hub.settle();
    assert.deepEqual(
      damaged.map((d) => [d.reason, d.seq]),
      [
        ['expired', 100],
        ['future-dated', 101],
        ['expired', 104],
        ['future-dated', 105],
      ],
    );
    assert.equal(bob.groups.damagedMessages(), 4);
    const shown = (await bob.history.takeUnread()).map((e) => `${e.peer.pseudonym}: ${e.text}`);
    assert.deepEqual(shown, ['alice: a month ago', 'alice: an hour ahead']);
  });
});
