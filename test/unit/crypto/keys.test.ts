import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nacl from 'tweetnacl';
import {
  assertValidBoxPublicKey,
  assertValidSignPublicKey,
  fingerprint,
  generateIdentity,
  identityFromSecrets,
  isValidBoxPublicKey,
  isValidSignPublicKey,
  verifyBoxKey,
} from '../../../src/crypto/keys.js';
import { domainMessage, eulerPower, sign, TAG_BOXKEY, verify } from '../../../src/crypto/sign.js';
import { fromHex, toHex } from '../../../src/util/bytes.js';
import { codeOf } from '../../helpers/codes.js';

const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/crypto-vectors.json', import.meta.url), 'utf8'),
) as { fingerprint: { name: string; userId: string; expected: string }[] };

// Sign-bit-masked y of the small-order Ed25519 points, plus the non-canonical p and p+1.
const ED25519_SMALL_ORDER_Y = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(fromHex);

const X25519_LOW_ORDER_U = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(fromHex);

function withHighBit(key: Uint8Array): Uint8Array {
  const copy = new Uint8Array(key);
  copy[31] = (copy[31] ?? 0) | 0x80;
  return copy;
}

describe('crypto/keys', () => {
  describe('identities', () => {
    it('generates an identity whose box key is signed by its signing key', () => {
      const id = generateIdentity();
      assert.deepEqual(
        [id.signPk.length, id.signSk.length, id.boxPk.length, id.boxSk.length, id.boxSig.length],
        [32, 64, 32, 32, 64],
      );
      assert.equal(verifyBoxKey(id.signPk, id.boxPk, id.boxSig), true);
      assert.equal(verify(id.signPk, domainMessage(TAG_BOXKEY, id.boxPk), id.boxSig), true);
      assert.notEqual(toHex(generateIdentity().signPk), toHex(id.signPk));
    });

    it('derives the same identity from the same secrets, sharing no memory with them', () => {
      const seed = new Uint8Array(32).fill(7);
      const boxSk = new Uint8Array(32).fill(9);
      const a = identityFromSecrets(seed, boxSk);
      const b = identityFromSecrets(seed, boxSk);
      assert.deepEqual(a, b);
      assert.equal(toHex(a.boxPk), toHex(nacl.box.keyPair.fromSecretKey(boxSk).publicKey));
      const snapshot = [toHex(a.signSk), toHex(a.boxSk)];
      seed.fill(0);
      boxSk.fill(0);
      assert.deepEqual([toHex(a.signSk), toHex(a.boxSk)], snapshot);
    });

    it('refuses secrets of the wrong length', () => {
      assert.equal(
        codeOf(() => identityFromSecrets(new Uint8Array(31), new Uint8Array(32))),
        'E_BAD_KEY',
      );
      assert.equal(
        codeOf(() => identityFromSecrets(new Uint8Array(32), new Uint8Array(64))),
        'E_BAD_KEY',
      );
    });

    it('rejects a box key signed by someone else or swapped for another box key', () => {
      const alice = generateIdentity();
      const mallory = generateIdentity();
      assert.equal(verifyBoxKey(alice.signPk, mallory.boxPk, mallory.boxSig), false);
      assert.equal(verifyBoxKey(alice.signPk, mallory.boxPk, alice.boxSig), false);
      // A signature under the wrong domain tag does not count either.
      const wrongTag = sign(alice.signSk, domainMessage('natter-other-v1', alice.boxPk));
      assert.equal(verifyBoxKey(alice.signPk, alice.boxPk, wrongTag), false);
    });

    it('rejects a properly signed box key that is low-order', () => {
      const alice = generateIdentity();
      const zero = new Uint8Array(32);
      const sig = sign(alice.signSk, domainMessage(TAG_BOXKEY, zero));
      assert.equal(verifyBoxKey(alice.signPk, zero, sig), false);
    });
  });

  describe('signing public keys', () => {
    it('accepts freshly generated keys and the RFC 8032 keys', () => {
      assert.equal(isValidSignPublicKey(generateIdentity().signPk), true);
      for (const v of vectors.fingerprint)
        assert.equal(isValidSignPublicKey(fromHex(v.userId)), true);
    });

    it('rejects every small-order encoding, with either sign bit', () => {
      for (const y of ED25519_SMALL_ORDER_Y) {
        assert.equal(isValidSignPublicKey(y), false, toHex(y));
        assert.equal(isValidSignPublicKey(withHighBit(y)), false, toHex(withHighBit(y)));
      }
    });

    it('rejects a non-canonical encoding (y >= p) of a point that is otherwise fine', () => {
      // p + 3 encodes the same point as y = 3, which is on the curve.
      const canonical = fromHex('0300000000000000000000000000000000000000000000000000000000000000');
      const nonCanonical = fromHex(
        'f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      );
      assert.equal(isValidSignPublicKey(canonical), true);
      assert.equal(isValidSignPublicKey(nonCanonical), false);
    });

    it('rejects 32 bytes that do not decode to a curve point', () => {
      const y2 = fromHex('0200000000000000000000000000000000000000000000000000000000000000');
      assert.equal(isValidSignPublicKey(y2), false);
      assert.equal(isValidSignPublicKey(new Uint8Array(32).fill(0xff)), false);
    });

    it('computes the point check by an addition chain that agrees with square-and-multiply', () => {
      // Euler's criterion, z^((p-1)/2), as first written: the faster chain must agree on any z.
      const P = 2n ** 255n - 19n;
      const pow = (base: bigint, e: bigint): bigint => {
        let r = 1n;
        let b = base % P;
        for (let x = e; x > 0n; x >>= 1n) {
          if (x & 1n) r = (r * b) % P;
          b = (b * b) % P;
        }
        return r;
      };
      const zs = [0n, 1n, 2n, P - 1n, P - 2n];
      for (let i = 0; i < 400; i++) zs.push(BigInt(`0x${randomBytes(32).toString('hex')}`) % P);
      let squares = 0;
      for (const z of zs) {
        const want = pow(z, (P - 1n) / 2n);
        if (want === 1n) squares++;
        assert.equal(eulerPower(z), want, z.toString(16));
      }
      assert.ok(squares > 150 && squares < 260, `${squares} of ${zs.length} squares, about half`);
    });

    it('rejects wrong lengths without throwing', () => {
      const pk = generateIdentity().signPk;
      assert.equal(isValidSignPublicKey(pk.subarray(0, 31)), false);
      assert.equal(isValidSignPublicKey(new Uint8Array(33)), false);
      assert.equal(isValidSignPublicKey('pk' as unknown as Uint8Array), false);
    });

    it('throws E_BAD_KEY from the assert variant', () => {
      assert.equal(
        codeOf(() => assertValidSignPublicKey(new Uint8Array(32))),
        'E_BAD_KEY',
      );
      assert.equal(
        codeOf(() => assertValidSignPublicKey(generateIdentity().signPk)),
        undefined,
      );
    });
  });

  describe('box public keys', () => {
    it('accepts freshly generated keys', () => {
      assert.equal(isValidBoxPublicKey(generateIdentity().boxPk), true);
    });

    it('blocklists only points that really are low-order (any scalar gives a zero shared secret)', () => {
      const scalar = generateIdentity().boxSk;
      for (const u of X25519_LOW_ORDER_U) {
        for (const key of [u, withHighBit(u)]) {
          assert.equal(toHex(nacl.scalarMult(scalar, key)), '00'.repeat(32), toHex(key));
        }
      }
    });

    it('rejects every low-order point, including its high-bit variant', () => {
      for (const u of X25519_LOW_ORDER_U) {
        assert.equal(isValidBoxPublicKey(u), false, toHex(u));
        assert.equal(isValidBoxPublicKey(withHighBit(u)), false, toHex(withHighBit(u)));
      }
    });

    it('rejects wrong lengths without throwing and throws E_BAD_KEY from the assert variant', () => {
      assert.equal(isValidBoxPublicKey(new Uint8Array(31).fill(9)), false);
      assert.equal(isValidBoxPublicKey(new Uint8Array(33).fill(9)), false);
      assert.equal(isValidBoxPublicKey(undefined as unknown as Uint8Array), false);
      assert.equal(
        codeOf(() => assertValidBoxPublicKey(new Uint8Array(32))),
        'E_BAD_KEY',
      );
      assert.equal(
        codeOf(() => assertValidBoxPublicKey(generateIdentity().boxPk)),
        undefined,
      );
    });
  });

  describe('fingerprint', () => {
    for (const v of vectors.fingerprint) {
      it(`matches the fixed vector for the ${v.name}`, () => {
        assert.equal(fingerprint(fromHex(v.userId)), v.expected);
      });
    }

    it('is four groups of four lowercase base32 characters', () => {
      assert.match(fingerprint(generateIdentity().signPk), /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    });

    it('refuses a user id of the wrong length', () => {
      assert.equal(
        codeOf(() => fingerprint(new Uint8Array(31))),
        'E_BAD_KEY',
      );
    });
  });
});
