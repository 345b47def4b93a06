import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import {
  BoxKeyring,
  type OpenResult,
  randomSecretKey,
  secretOpen,
  secretSeal,
  secretSealWithNonce,
} from '../../../src/crypto/box.js';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { concatBytes, fromHex, toHex, utf8 } from '../../../src/util/bytes.js';
import { codeOf } from '../../helpers/codes.js';

interface BoxVector {
  aliceSk: string;
  alicePk: string;
  bobSk: string;
  bobPk: string;
  nonce: string;
  message: string;
  ciphertext: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/crypto-vectors.json', import.meta.url), 'utf8'),
) as { box: BoxVector };

function plaintextOf(result: OpenResult): string {
  assert.equal(result.ok, true, result.ok ? '' : `open failed: ${result.reason}`);
  return result.ok ? toHex(result.plaintext) : '';
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  const index = bit % (copy.length * 8);
  copy[index >> 3] = (copy[index >> 3] ?? 0) ^ (1 << (index & 7));
  return copy;
}

const alice = generateIdentity();
const bob = generateIdentity();
const aliceRing = new BoxKeyring(alice.boxSk);
const bobRing = new BoxKeyring(bob.boxSk);

describe('crypto/box', () => {
  describe('NaCl known answer', () => {
    const v = vectors.box;

    it('tweetnacl reproduces the ciphertext of the NaCl paper', () => {
      const bobPk = nacl.box.keyPair.fromSecretKey(fromHex(v.bobSk)).publicKey;
      assert.equal(toHex(nacl.box.keyPair.fromSecretKey(fromHex(v.aliceSk)).publicKey), v.alicePk);
      assert.equal(toHex(bobPk), v.bobPk);
      const box = nacl.box(fromHex(v.message), fromHex(v.nonce), bobPk, fromHex(v.aliceSk));
      assert.equal(toHex(box), v.ciphertext);
    });

    it("opens the paper's ciphertext with Bob's keyring", () => {
      const ring = new BoxKeyring(fromHex(v.bobSk));
      const opened = ring.open(fromHex(v.alicePk), fromHex(v.nonce), fromHex(v.ciphertext));
      assert.equal(plaintextOf(opened), v.message);
    });
  });

  it('round-trips a message between two keyrings under a fresh nonce each time', () => {
    const msg = utf8('hello bob');
    const first = aliceRing.seal(bob.boxPk, msg);
    const second = aliceRing.seal(bob.boxPk, msg);
    assert.equal(first.nonce.length, 24);
    assert.notEqual(toHex(first.nonce), toHex(second.nonce));
    assert.notEqual(toHex(first.ciphertext), toHex(second.ciphertext));
    assert.equal(plaintextOf(bobRing.open(alice.boxPk, first.nonce, first.ciphertext)), toHex(msg));
    assert.equal(
      plaintextOf(bobRing.open(alice.boxPk, second.nonce, second.ciphertext)),
      toHex(msg),
    );
  });

  it('seals and opens an empty message', () => {
    const sealed = aliceRing.seal(bob.boxPk, new Uint8Array(0));
    assert.equal(sealed.ciphertext.length, 16);
    assert.equal(plaintextOf(bobRing.open(alice.boxPk, sealed.nonce, sealed.ciphertext)), '');
  });

  it('reports forged for a tampered ciphertext, a wrong nonce or the wrong sender key', () => {
    const { nonce, ciphertext } = aliceRing.seal(bob.boxPk, utf8('attack at dawn'));
    const mallory = generateIdentity();
    assert.deepEqual(bobRing.open(alice.boxPk, nonce, flipBit(ciphertext, 20)), {
      ok: false,
      reason: 'forged',
    });
    assert.deepEqual(bobRing.open(alice.boxPk, flipBit(nonce, 3), ciphertext), {
      ok: false,
      reason: 'forged',
    });
    assert.deepEqual(bobRing.open(mallory.boxPk, nonce, ciphertext), {
      ok: false,
      reason: 'forged',
    });
  });

  it("opens a box from A to B on A's own side too: the envelope's sender/recipient ids must be checked (src/peer)", () => {
    // A and B derive the same shared key, so a relay can bounce A's message back to A as if B
    // sent it. This layer cannot tell; the authenticated Inner envelope carries both ids.
    const msg = utf8('to bob');
    const { nonce, ciphertext } = aliceRing.seal(bob.boxPk, msg);
    assert.equal(plaintextOf(aliceRing.open(bob.boxPk, nonce, ciphertext)), toHex(msg));
  });

  it('refuses all-zero and low-order sender keys with bad-key', () => {
    const { nonce, ciphertext } = aliceRing.seal(bob.boxPk, utf8('x'));
    const zero = new Uint8Array(32);
    const one = fromHex('0100000000000000000000000000000000000000000000000000000000000000');
    const order8 = fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800');
    for (const key of [zero, one, order8]) {
      assert.deepEqual(bobRing.open(key, nonce, ciphertext), { ok: false, reason: 'bad-key' });
    }
  });

  it('returns a typed failure and never throws for wrong lengths and non-byte inputs', () => {
    const { nonce, ciphertext } = aliceRing.seal(bob.boxPk, utf8('x'));
    const cases: [Uint8Array, Uint8Array, Uint8Array, string][] = [
      [alice.boxPk.subarray(0, 31), nonce, ciphertext, 'bad-key'],
      [concatBytes(alice.boxPk, new Uint8Array(1)), nonce, ciphertext, 'bad-key'],
      [alice.boxPk, nonce.subarray(0, 23), ciphertext, 'bad-length'],
      [alice.boxPk, concatBytes(nonce, new Uint8Array(1)), ciphertext, 'bad-length'],
      [alice.boxPk, nonce, ciphertext.subarray(0, 15), 'bad-length'],
      [alice.boxPk, nonce, new Uint8Array(0), 'bad-length'],
      [alice.boxPk, 'nonce' as unknown as Uint8Array, ciphertext, 'bad-length'],
      [alice.boxPk, nonce, null as unknown as Uint8Array, 'bad-length'],
      [42 as unknown as Uint8Array, nonce, ciphertext, 'bad-key'],
    ];
    for (const [pk, n, c, reason] of cases) {
      assert.deepEqual(bobRing.open(pk, n, c), { ok: false, reason });
    }
  });

  it('refuses to seal to an invalid key, or to build a keyring from a bad secret or cache size', () => {
    assert.equal(
      codeOf(() => aliceRing.seal(new Uint8Array(32), utf8('x'))),
      'E_BAD_KEY',
    );
    assert.equal(
      codeOf(() => aliceRing.seal(new Uint8Array(31).fill(9), utf8('x'))),
      'E_BAD_KEY',
    );
    assert.equal(
      codeOf(() => new BoxKeyring(new Uint8Array(31))),
      'E_BAD_KEY',
    );
    assert.equal(
      codeOf(() => new BoxKeyring(alice.boxSk, { cacheSize: 0 })),
      'E_BAD_ARGUMENT',
    );
  });

  it('keeps working after shared keys are evicted from a small cache or cleared', () => {
    const ring = new BoxKeyring(alice.boxSk, { cacheSize: 2 });
    const peers = [generateIdentity(), generateIdentity(), generateIdentity()];
    for (let round = 0; round < 2; round++) {
      for (const peer of peers) {
        const { nonce, ciphertext } = ring.seal(peer.boxPk, utf8('hi'));
        const opened = new BoxKeyring(peer.boxSk).open(alice.boxPk, nonce, ciphertext);
        assert.equal(plaintextOf(opened), toHex(utf8('hi')));
      }
      ring.clear();
    }
  });

  it('round-trips any message, and any single flipped bit in nonce or ciphertext is forged', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.nat(),
        fc.boolean(),
        (msg, bit, inNonce) => {
          const { nonce, ciphertext } = aliceRing.seal(bob.boxPk, msg);
          assert.equal(plaintextOf(bobRing.open(alice.boxPk, nonce, ciphertext)), toHex(msg));
          const tampered = inNonce
            ? bobRing.open(alice.boxPk, flipBit(nonce, bit), ciphertext)
            : bobRing.open(alice.boxPk, nonce, flipBit(ciphertext, bit));
          assert.deepEqual(tampered, { ok: false, reason: 'forged' });
        },
      ),
      { numRuns: 300 },
    );
  });

  describe('secret-key helpers', () => {
    it('round-trips with a fresh key and nonce, and any single flipped bit is forged', () => {
      const key = randomSecretKey();
      assert.equal(key.length, 32);
      assert.notEqual(toHex(key), toHex(randomSecretKey()));
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 512 }),
          fc.nat(),
          fc.boolean(),
          (msg, bit, inNonce) => {
            const { nonce, ciphertext } = secretSeal(key, msg);
            assert.equal(plaintextOf(secretOpen(key, nonce, ciphertext)), toHex(msg));
            const tampered = inNonce
              ? secretOpen(key, flipBit(nonce, bit), ciphertext)
              : secretOpen(key, nonce, flipBit(ciphertext, bit));
            assert.deepEqual(tampered, { ok: false, reason: 'forged' });
          },
        ),
        { numRuns: 300 },
      );
    });

    it('seals file chunks under caller nonces (prefix || index) that bind each chunk to its index', () => {
      const key = randomSecretKey();
      const prefix = new Uint8Array(16).fill(0xab);
      const nonceFor = (index: number) => {
        const n = new Uint8Array(24);
        n.set(prefix);
        new DataView(n.buffer).setBigUint64(16, BigInt(index));
        return n;
      };
      const chunk0 = secretSealWithNonce(key, nonceFor(0), utf8('chunk 0'));
      assert.equal(plaintextOf(secretOpen(key, nonceFor(0), chunk0)), toHex(utf8('chunk 0')));
      assert.deepEqual(secretOpen(key, nonceFor(1), chunk0), { ok: false, reason: 'forged' });
    });

    it('rejects a wrong key with forged and bad sizes with a typed failure', () => {
      const { nonce, ciphertext } = secretSeal(randomSecretKey(), utf8('x'));
      assert.deepEqual(secretOpen(randomSecretKey(), nonce, ciphertext), {
        ok: false,
        reason: 'forged',
      });
      assert.deepEqual(secretOpen(new Uint8Array(31), nonce, ciphertext), {
        ok: false,
        reason: 'bad-key',
      });
      const key = randomSecretKey();
      assert.deepEqual(secretOpen(key, nonce.subarray(1), ciphertext), {
        ok: false,
        reason: 'bad-length',
      });
      assert.deepEqual(secretOpen(key, nonce, ciphertext.subarray(0, 15)), {
        ok: false,
        reason: 'bad-length',
      });
      assert.equal(
        codeOf(() => secretSeal(new Uint8Array(16), utf8('x'))),
        'E_BAD_KEY',
      );
      assert.equal(
        codeOf(() => secretSealWithNonce(key, new Uint8Array(23), utf8('x'))),
        'E_BAD_NONCE',
      );
    });
  });
});
