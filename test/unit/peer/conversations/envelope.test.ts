import assert from 'node:assert/strict';
import { signCard } from '../../../../src/crypto/card.js';
import { directAudience } from '../../../../src/peer/conversations/direct.js';
import {
  type Audience,
  MAIL_LIFETIME_MS,
  MAX_FUTURE_SKEW_MS,
  MAX_MESSAGE_AGE_MS,
  type OpenResult,
  openDeliver,
} from '../../../../src/peer/conversations/envelope.js';
import { groupConversation } from '../../../../src/peer/conversations/ids.js';
import { DEFAULT_RELAY_LIMITS } from '../../../../src/relay/limits.js';
import { bytesEqual, toHex } from '../../../../src/util/bytes.js';
import { deliverOf, person, textInner } from '../../../helpers/peer-fixtures.js';

const nothingSeen = { has: () => false };
/** Our clock: just after the fixtures' send time. */
const NOW = 1_700_000_000_100;

function reason(r: OpenResult): string {
  return r.ok ? 'ok' : r.reason;
}

describe('envelope: opening a delivered message', () => {
  const alice = person('alice');
  const bob = person('bob');
  const carol = person('carol');

  it('accepts a message sealed by the sender for me and returns the authenticated inner', async () => {
    const inner = textInner(alice, bob, 'hello');
    const r = await openDeliver(
      bob.keyring,
      directAudience(bob.id.signPk),
      deliverOf(inner, alice, bob),
      nothingSeen,
      NOW,
    );
    assert.ok(r.ok);
    assert.deepEqual(r.inner.content, { kind: 'text', body: 'hello' });
    assert.ok(bytesEqual(r.inner.sender, alice.id.signPk));
    assert.equal(r.conversation, '@alice', 'the conversation with the authenticated sender');
  });

  it('rejects a ciphertext with one flipped bit as open-failed', async () => {
    const d = deliverOf(textInner(alice, bob), alice, bob);
    d.ciphertext[d.ciphertext.length - 1]! ^= 1;
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen, NOW)),
      'open-failed',
    );
  });

  it('rejects a tampered nonce as open-failed', async () => {
    const d = deliverOf(textInner(alice, bob), alice, bob);
    d.nonce[0]! ^= 0x80;
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen, NOW)),
      'open-failed',
    );
  });

  it('rejects my own message reflected back to me as if from the recipient', async () => {
    // A box from alice to bob also opens on alice's side with bob's public key.
    const inner = textInner(alice, bob);
    const reflected = deliverOf(inner, alice, bob, { fromCard: bob.card });
    assert.equal(
      reason(
        await openDeliver(
          alice.keyring,
          directAudience(alice.id.signPk),
          reflected,
          nothingSeen,
          NOW,
        ),
      ),
      'reflected',
    );
  });

  it('rejects a message whose inner recipient is someone else (misrouted)', async () => {
    const forBob = textInner(alice, bob);
    const d = deliverOf(forBob, alice, carol);
    assert.equal(
      reason(
        await openDeliver(carol.keyring, directAudience(carol.id.signPk), d, nothingSeen, NOW),
      ),
      'misrouted',
    );
  });

  it('accepts a message addressed to any conversation the audience is in, and only those', async () => {
    // The recipient field is 32 bytes today; a group's id rides in it here only to
    // show that the envelope asks the audience, not "recipient == me".
    const groupRecipient = new Uint8Array(32).fill(0x5a);
    const inGroup: Audience = {
      me: bob.id.signPk,
      conversationOf: (inner) =>
        bytesEqual(inner.recipient, groupRecipient)
          ? groupConversation(toHex(groupRecipient.subarray(0, 16)))
          : null,
    };
    const toGroup = deliverOf(
      textInner(alice, bob, 'all', { recipient: groupRecipient }),
      alice,
      bob,
    );
    const r = await openDeliver(bob.keyring, inGroup, toGroup, nothingSeen, NOW);
    assert.ok(r.ok);
    assert.equal(r.conversation, `#${'5a'.repeat(16)}`);
    const toBob = deliverOf(textInner(alice, bob), alice, bob);
    assert.equal(
      reason(await openDeliver(bob.keyring, inGroup, toBob, nothingSeen, NOW)),
      'misrouted',
    );
  });

  it('rejects a message whose inner sender is not the key that sealed it', async () => {
    const forged = textInner(alice, bob, 'I am alice', { senderName: 'carol' });
    const d = deliverOf({ ...forged }, carol, bob);
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen, NOW)),
      'sender-mismatch',
    );
  });

  it('rejects a relay card whose pseudonym differs from the authenticated sender name', async () => {
    // A card alice did sign, for another name: valid as a card, not for this message.
    const inner = textInner(alice, bob);
    const d = deliverOf(inner, alice, bob, { fromCard: signCard(alice.id, 'admin') });
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen, NOW)),
      'sender-mismatch',
    );
  });

  it('rejects an outer message id that differs from the sealed one', async () => {
    const inner = textInner(alice, bob);
    const other = new Uint8Array(16).fill(7);
    const d = deliverOf(inner, alice, bob, { msgId: other });
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen, NOW)),
      'msg-id-mismatch',
    );
  });

  it('rejects a message id that was already accepted from the same sender (replay)', async () => {
    const inner = textInner(alice, bob);
    const d = deliverOf(inner, alice, bob);
    const seen = {
      has: (sender: Uint8Array, id: Uint8Array) =>
        bytesEqual(sender, alice.id.signPk) && bytesEqual(id, inner.msgId),
    };
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, seen, NOW)),
      'replay',
    );
  });

  it("asks about the authenticated sender's id: carol's message with alice's id is no replay", async () => {
    const fromAlice = textInner(alice, bob);
    const fromCarol = textInner(carol, bob, 'same id', { msgId: fromAlice.msgId });
    const seen = {
      has: (sender: Uint8Array, id: Uint8Array) =>
        bytesEqual(sender, alice.id.signPk) && bytesEqual(id, fromAlice.msgId),
    };
    const audience = directAudience(bob.id.signPk);
    const r = await openDeliver(bob.keyring, audience, deliverOf(fromCarol, carol, bob), seen, NOW);
    assert.equal(reason(r), 'ok');
  });

  it('holds the mail lifetime to the relay TTL', () => {
    assert.equal(MAIL_LIFETIME_MS, DEFAULT_RELAY_LIMITS.mailTtlMs);
    assert.ok(MAX_MESSAGE_AGE_MS > MAIL_LIFETIME_MS, 'with slack for the outbox and clock drift');
  });

  it('rejects a send time older than the mail lifetime plus slack as expired, and accepts one at the limit', async () => {
    const audience = directAudience(bob.id.signPk);
    const at = (sentAtMs: number) =>
      openDeliver(
        bob.keyring,
        audience,
        deliverOf(textInner(alice, bob, 'old', { sentAtMs }), alice, bob),
        nothingSeen,
        NOW,
      );
    assert.equal(reason(await at(NOW - MAX_MESSAGE_AGE_MS - 1)), 'expired');
    assert.equal(reason(await at(0)), 'expired');
    assert.equal(reason(await at(NOW - MAX_MESSAGE_AGE_MS)), 'ok');
  });

  it('rejects a send time further ahead than the skew bound as future-dated, and accepts one at it', async () => {
    const audience = directAudience(bob.id.signPk);
    const at = (sentAtMs: number) =>
      openDeliver(
        bob.keyring,
        audience,
        deliverOf(textInner(alice, bob, 'later', { sentAtMs }), alice, bob),
        nothingSeen,
        NOW,
      );
    assert.equal(reason(await at(NOW + MAX_FUTURE_SKEW_MS + 1)), 'future-dated');
    assert.equal(reason(await at(Number.MAX_SAFE_INTEGER)), 'future-dated');
    assert.equal(reason(await at(NOW + MAX_FUTURE_SKEW_MS)), 'ok');
  });

  it('treats a copy still in the seen-set as a quiet duplicate, whatever its age', async () => {
    const inner = textInner(alice, bob, 'old', { sentAtMs: NOW - MAX_MESSAGE_AGE_MS - 1 });
    const seen = { has: () => true };
    const audience = directAudience(bob.id.signPk);
    const r = await openDeliver(bob.keyring, audience, deliverOf(inner, alice, bob), seen, NOW);
    assert.equal(reason(r), 'replay');
  });

  it('rejects a card whose box key is not signed by its user id', async () => {
    const d = deliverOf(textInner(alice, bob), alice, bob, {
      fromCard: { ...alice.card, cardSig: carol.card.cardSig },
    });
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen, NOW)),
      'bad-card',
    );
  });

  it('rejects a sender card whose pseudonym was changed after signing, before opening the box', async () => {
    // Alice's genuine card and box, re-labelled 'mallory' on the way (the inner name too,
    // as if alice had written it): only the card signature says the name is not hers.
    const inner = textInner(alice, bob, 'hi', { senderName: 'mallory' });
    const d = deliverOf(inner, alice, bob, { fromCard: { ...alice.card, pseudonym: 'mallory' } });
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen, NOW)),
      'bad-card',
    );
  });

  it('rejects a sender card signed the old way (over the box key alone)', async () => {
    const legacy = { ...alice.card, cardSig: alice.id.boxSig };
    const d = deliverOf(textInner(alice, bob), alice, bob, { fromCard: legacy });
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen, NOW)),
      'bad-card',
    );
  });

  it('rejects a box that opens but holds no valid inner envelope as malformed', async () => {
    const d = deliverOf(textInner(alice, bob), alice, bob);
    const garbage = alice.keyring.seal(bob.card.boxPk, new Uint8Array([0xff, 0xff, 0xff]));
    d.nonce = garbage.nonce;
    d.ciphertext = garbage.ciphertext;
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen, NOW)),
      'malformed',
    );
  });

  it('rejects a counter of zero as malformed', async () => {
    const inner = textInner(alice, bob, 'x', { counter: 0 });
    const d = deliverOf(inner, alice, bob);
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen, NOW)),
      'malformed',
    );
  });

  it('never throws, even for a seen-set that does', async () => {
    const d = deliverOf(textInner(alice, bob), alice, bob);
    const broken = {
      has: (): boolean => {
        throw new Error('disk on fire');
      },
    };
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, broken, NOW)),
      'malformed',
    );
  });
});
