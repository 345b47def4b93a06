import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generateIdentity, identityFromSecrets } from '../../../src/crypto/keys.js';
import { domainMessage, sign, TAG_PRESENCE } from '../../../src/crypto/sign.js';
import { signStatus, statusMessage, TAG_STATUS, verifyStatus } from '../../../src/crypto/status.js';
import { fromHex, toHex, utf8 } from '../../../src/util/bytes.js';
import { isNatterError } from '../../../src/util/errors.js';

const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/crypto-vectors.json', import.meta.url), 'utf8'),
) as {
  status: {
    seed: string;
    userId: string;
    status: string;
    statusText: string;
    seq: number;
    message: string;
    sig: string;
  };
};

describe('crypto/status: a status signed by its user', () => {
  const alice = generateIdentity();
  const bob = generateIdentity();
  const claim = { status: 'busy', statusText: 'in a meeting', seq: 1_700_000_000_000 };

  it('matches the known-answer vector (layout and signature from an independent implementation)', () => {
    const v = vectors.status;
    const id = identityFromSecrets(fromHex(v.seed), new Uint8Array(32).fill(9));
    assert.equal(toHex(id.signPk), v.userId);
    const c = { status: v.status, statusText: v.statusText, seq: v.seq };
    assert.equal(toHex(statusMessage(id.signPk, c)), v.message);
    assert.equal(toHex(signStatus(id, c)), v.sig);
    assert.equal(verifyStatus(id.signPk, c, fromHex(v.sig)), true);
  });

  it('lays out tag, zero, user id, length-prefixed status and text, then the seq as 8 bytes big-endian', () => {
    const userId = new Uint8Array(32).fill(3);
    const built = statusMessage(userId, { status: 'away', statusText: 'ab', seq: 0x0102030405 });
    const expected = `${toHex(utf8(TAG_STATUS))}00${'03'.repeat(32)}00000004${toHex(utf8('away'))}00000002${toHex(utf8('ab'))}0000000102030405`;
    assert.equal(toHex(built), expected);
  });

  it('verifies exactly the claim that was signed, by its own user', () => {
    const sig = signStatus(alice, claim);
    assert.equal(verifyStatus(alice.signPk, claim, sig), true);
    for (const changed of [
      { ...claim, status: 'away' },
      { ...claim, statusText: 'resigned today' },
      { ...claim, statusText: '' },
      { ...claim, seq: claim.seq + 1 },
      { ...claim, seq: claim.seq - 1 },
    ]) {
      assert.equal(verifyStatus(alice.signPk, changed, sig), false, JSON.stringify(changed));
    }
    assert.equal(verifyStatus(bob.signPk, claim, sig), false, "not bob's");
  });

  it('keeps the status and text apart: moving bytes between them changes the message', () => {
    const a = statusMessage(alice.signPk, { status: 'busy', statusText: 'x', seq: 1 });
    const b = statusMessage(alice.signPk, { status: 'busyx', statusText: '', seq: 1 });
    assert.notEqual(toHex(a), toHex(b));
  });

  it('is not a presence signature over the same bytes, nor the reverse', () => {
    const message = statusMessage(alice.signPk, claim);
    const body = message.subarray(utf8(TAG_STATUS).byteLength + 1);
    const presenceSig = sign(alice.signSk, domainMessage(TAG_PRESENCE, body));
    assert.equal(verifyStatus(alice.signPk, claim, presenceSig), false);
  });

  it('refuses, without throwing, wrong lengths and impossible seqs', () => {
    const sig = signStatus(alice, claim);
    assert.equal(verifyStatus(new Uint8Array(31), claim, sig), false);
    assert.equal(verifyStatus(alice.signPk, claim, sig.subarray(0, 63)), false);
    assert.equal(verifyStatus(alice.signPk, { ...claim, seq: -1 }, sig), false);
    assert.equal(verifyStatus(alice.signPk, { ...claim, seq: 2 ** 53 }, sig), false);
    assert.throws(
      () => signStatus(alice, { ...claim, seq: 1.5 }),
      (e) => isNatterError(e, 'E_BAD_ARGUMENT'),
    );
  });
});
