import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  cardMessage,
  cardSignatureChecks,
  signCard,
  TAG_CARD,
  verifyCard,
} from '../../../src/crypto/card.js';
import { generateIdentity, identityFromSecrets } from '../../../src/crypto/keys.js';
import { domainMessage, sign, TAG_BOXKEY } from '../../../src/crypto/sign.js';
import { fromHex, toHex, utf8 } from '../../../src/util/bytes.js';
import { isNatterError } from '../../../src/util/errors.js';

const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/crypto-vectors.json', import.meta.url), 'utf8'),
) as {
  card: {
    seed: string;
    boxSk: string;
    userId: string;
    boxPk: string;
    pseudonym: string;
    message: string;
    cardSig: string;
  };
};

describe('crypto/card: the card signature binds user id, pseudonym and box key', () => {
  const alice = generateIdentity();
  const bob = generateIdentity();

  it('matches the known-answer vector (layout and signature from an independent implementation)', () => {
    const v = vectors.card;
    const id = identityFromSecrets(fromHex(v.seed), fromHex(v.boxSk));
    assert.equal(toHex(id.signPk), v.userId);
    assert.equal(toHex(id.boxPk), v.boxPk);
    assert.equal(toHex(cardMessage(id.signPk, v.pseudonym, id.boxPk)), v.message);
    const card = signCard(id, v.pseudonym);
    assert.equal(toHex(card.cardSig), v.cardSig);
    assert.equal(verifyCard({ ...card, cardSig: fromHex(v.cardSig) }), true);
  });

  it("lays out the tag, a zero byte, the user id, the name's UTF-8 length and bytes, then the box key", () => {
    const userId = new Uint8Array(32).fill(1);
    const boxPk = new Uint8Array(32).fill(2);
    // 'Zoé' (NFC) is 4 UTF-8 bytes: 5a 6f c3 a9.
    const expected = `${toHex(utf8(TAG_CARD))}00${'01'.repeat(32)}000000045a6fc3a9${'02'.repeat(32)}`;
    assert.equal(toHex(cardMessage(userId, 'Zoé'.normalize('NFC'), boxPk)), expected);
  });

  it('verifies the card it signs, for the name it was signed for', () => {
    const card = signCard(alice, 'alice');
    assert.deepEqual(
      [card.userId, card.pseudonym, card.boxPk],
      [alice.signPk, 'alice', alice.boxPk],
    );
    assert.equal(verifyCard(card), true);
  });

  it('refuses the card under any other pseudonym: another name, another case, other bytes for the same text', () => {
    const card = signCard(alice, 'Zoé'.normalize('NFC'));
    for (const pseudonym of [
      'mallory',
      'zoé'.normalize('NFC'),
      'Zoé'.normalize('NFD'),
      'Zoé ',
      '',
    ]) {
      assert.equal(verifyCard({ ...card, pseudonym }), false, JSON.stringify(pseudonym));
    }
  });

  it("refuses a swapped box key or user id, another user's signature, and a flipped bit", () => {
    const card = signCard(alice, 'alice');
    const other = signCard(bob, 'alice');
    assert.equal(verifyCard({ ...card, boxPk: bob.boxPk }), false);
    assert.equal(verifyCard({ ...card, userId: bob.signPk }), false);
    assert.equal(verifyCard({ ...card, cardSig: other.cardSig }), false);
    const flipped = new Uint8Array(card.cardSig);
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    assert.equal(verifyCard({ ...card, cardSig: flipped }), false);
  });

  it('refuses the box-key-only signature of earlier versions, and a card signature is no box-key one', () => {
    const card = signCard(alice, 'alice');
    assert.equal(verifyCard({ ...card, cardSig: alice.boxSig }), false);
    const boxKeyOnly = sign(alice.signSk, domainMessage(TAG_BOXKEY, alice.boxPk));
    assert.equal(verifyCard({ ...card, cardSig: boxKeyOnly }), false);
  });

  it('refuses wrong lengths and low-order box keys without throwing', () => {
    const card = signCard(alice, 'alice');
    assert.equal(verifyCard({ ...card, userId: new Uint8Array(31) }), false);
    assert.equal(verifyCard({ ...card, boxPk: new Uint8Array(33) }), false);
    assert.equal(verifyCard({ ...card, cardSig: new Uint8Array(63) }), false);
    const zero = new Uint8Array(32);
    const signedZero = {
      ...card,
      boxPk: zero,
      cardSig: sign(alice.signSk, cardMessage(alice.signPk, 'alice', zero)),
    };
    assert.equal(verifyCard(signedZero), false, 'a signed low-order box key is still refused');
  });

  it('verifies a card once and remembers it; a re-labelled or forged card is checked every time', () => {
    const card = signCard(generateIdentity(), 'remembered');
    const before = cardSignatureChecks();
    for (let i = 0; i < 5; i++) assert.ok(verifyCard(card));
    assert.equal(cardSignatureChecks() - before, 1);
    const relabelled = { ...card, pseudonym: 'Remembered' };
    assert.ok(!verifyCard(relabelled));
    assert.ok(!verifyCard(relabelled));
    assert.equal(cardSignatureChecks() - before, 3, 'a failure is never remembered');
    const forged = { ...card, cardSig: card.cardSig.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    assert.ok(!verifyCard(forged));
    assert.equal(cardSignatureChecks() - before, 4);
  });

  it('refuses to build a message from keys of the wrong size (E_BAD_ARGUMENT)', () => {
    assert.throws(
      () => cardMessage(new Uint8Array(31), 'a', alice.boxPk),
      (e) => isNatterError(e, 'E_BAD_ARGUMENT'),
    );
    assert.throws(
      () => cardMessage(alice.signPk, 'a', new Uint8Array(0)),
      (e) => isNatterError(e, 'E_BAD_ARGUMENT'),
    );
  });
});
