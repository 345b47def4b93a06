import assert from 'node:assert/strict';
import { directAudience } from '../../../../src/peer/conversations/direct.js';
import {
  type Audience,
  type OpenResult,
  openDeliver,
} from '../../../../src/peer/conversations/envelope.js';
import { groupConversation } from '../../../../src/peer/conversations/ids.js';
import { bytesEqual, toHex } from '../../../../src/util/bytes.js';
import { deliverOf, person, textInner } from '../../../helpers/peer-fixtures.js';

const nothingSeen = { has: () => false };

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
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen)),
      'open-failed',
    );
  });

  it('rejects a tampered nonce as open-failed', async () => {
    const d = deliverOf(textInner(alice, bob), alice, bob);
    d.nonce[0]! ^= 0x80;
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen)),
      'open-failed',
    );
  });

  it('rejects my own message reflected back to me as if from the recipient', async () => {
    // A box from alice to bob also opens on alice's side with bob's public key.
    const inner = textInner(alice, bob);
    const reflected = deliverOf(inner, alice, bob, { fromCard: bob.card });
    assert.equal(
      reason(
        await openDeliver(alice.keyring, directAudience(alice.id.signPk), reflected, nothingSeen),
      ),
      'reflected',
    );
  });

  it('rejects a message whose inner recipient is someone else (misrouted)', async () => {
    const forBob = textInner(alice, bob);
    const d = deliverOf(forBob, alice, carol);
    assert.equal(
      reason(await openDeliver(carol.keyring, directAudience(carol.id.signPk), d, nothingSeen)),
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
    const r = await openDeliver(bob.keyring, inGroup, toGroup, nothingSeen);
    assert.ok(r.ok);
    assert.equal(r.conversation, `#${'5a'.repeat(16)}`);
    const toBob = deliverOf(textInner(alice, bob), alice, bob);
    assert.equal(reason(await openDeliver(bob.keyring, inGroup, toBob, nothingSeen)), 'misrouted');
  });

  it('rejects a message whose inner sender is not the key that sealed it', async () => {
    const forged = textInner(alice, bob, 'I am alice', { senderName: 'carol' });
    const d = deliverOf({ ...forged }, carol, bob);
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen)),
      'sender-mismatch',
    );
  });

  it('rejects a relay card whose pseudonym differs from the authenticated sender name', async () => {
    const inner = textInner(alice, bob);
    const d = deliverOf(inner, alice, bob, { fromCard: { ...alice.card, pseudonym: 'admin' } });
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen)),
      'sender-mismatch',
    );
  });

  it('rejects an outer message id that differs from the sealed one', async () => {
    const inner = textInner(alice, bob);
    const other = new Uint8Array(16).fill(7);
    const d = deliverOf(inner, alice, bob, { msgId: other });
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen)),
      'msg-id-mismatch',
    );
  });

  it('rejects a message id that was already accepted (replay)', async () => {
    const inner = textInner(alice, bob);
    const d = deliverOf(inner, alice, bob);
    const seen = { has: (id: Uint8Array) => bytesEqual(id, inner.msgId) };
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, seen)),
      'replay',
    );
  });

  it('rejects a card whose box key is not signed by its user id', async () => {
    const d = deliverOf(textInner(alice, bob), alice, bob, {
      fromCard: { ...alice.card, boxSig: carol.card.boxSig },
    });
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen)),
      'bad-card',
    );
  });

  it('rejects a box that opens but holds no valid inner envelope as malformed', async () => {
    const d = deliverOf(textInner(alice, bob), alice, bob);
    const garbage = alice.keyring.seal(bob.card.boxPk, new Uint8Array([0xff, 0xff, 0xff]));
    d.nonce = garbage.nonce;
    d.ciphertext = garbage.ciphertext;
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen)),
      'malformed',
    );
  });

  it('rejects a counter of zero as malformed', async () => {
    const inner = textInner(alice, bob, 'x', { counter: 0 });
    const d = deliverOf(inner, alice, bob);
    assert.equal(
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, nothingSeen)),
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
      reason(await openDeliver(bob.keyring, directAudience(bob.id.signPk), d, broken)),
      'malformed',
    );
  });
});
