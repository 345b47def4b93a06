import assert from 'node:assert/strict';
import {
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { TAG_CARD } from '../../../src/crypto/card.js';
import {
  authMessage,
  domainMessage,
  generateSigningKeyPair,
  isValidSignPublicKey,
  SIGN_SECRET_KEY_BYTES,
  sign,
  signingKeyPairFromSeed,
  TAG_BOXKEY,
  TAG_LOGIN_V2,
  TAG_PRESENCE,
  TAG_REGISTER_V2,
  TAG_RELAY,
  VERIFY_KEY_CACHE_ENTRIES,
  verify,
} from '../../../src/crypto/sign.js';
import { TAG_STATUS } from '../../../src/crypto/status.js';
import { concatBytes, fromHex, toHex, utf8 } from '../../../src/util/bytes.js';
import { codeOf } from '../../helpers/codes.js';

interface Ed25519Vector {
  name: string;
  seed: string;
  publicKey: string;
  message: string;
  signature: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/crypto-vectors.json', import.meta.url), 'utf8'),
) as { ed25519: Ed25519Vector[] };

const L = 2n ** 252n + 27742317777372353535851937790883648493n;

// The 8 small-order points, canonically encoded (y with the sign of x in the top bit).
const SMALL_ORDER_KEYS = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
].map(fromHex);

function nodeAccepts(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const spki = concatBytes(fromHex('302a300506032b6570032100'), publicKey);
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  return nodeVerify(null, message, key, signature);
}

describe('crypto/sign', () => {
  describe('RFC 8032 known answers', () => {
    for (const v of vectors.ed25519) {
      it(`reproduces the public key and signature of ${v.name}`, () => {
        const pair = signingKeyPairFromSeed(fromHex(v.seed));
        assert.equal(toHex(pair.publicKey), v.publicKey);
        assert.equal(toHex(pair.secretKey), v.seed + v.publicKey, "tweetnacl's layout");
        assert.equal(toHex(sign(pair.secretKey, fromHex(v.message))), v.signature);
        assert.equal(verify(fromHex(v.publicKey), fromHex(v.message), fromHex(v.signature)), true);
      });
    }
  });

  it('derives the key pair of a seed as tweetnacl does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const ours = signingKeyPairFromSeed(seed);
        const theirs = nacl.sign.keyPair.fromSeed(seed);
        assert.equal(toHex(ours.publicKey), toHex(theirs.publicKey));
        assert.equal(toHex(ours.secretKey), toHex(theirs.secretKey));
      }),
      { numRuns: 50 },
    );
    assert.throws(() => signingKeyPairFromSeed(new Uint8Array(31)), /E_BAD_KEY|seed is 32/);
  });

  it('produces the same signatures as tweetnacl, and each side verifies the other', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array(), (seed, msg) => {
        const pair = nacl.sign.keyPair.fromSeed(seed);
        const ours = sign(pair.secretKey, msg);
        assert.equal(toHex(ours), toHex(nacl.sign.detached(msg, pair.secretKey)));
        assert.equal(nacl.sign.detached.verify(msg, ours, pair.publicKey), true);
        assert.equal(verify(pair.publicKey, msg, ours), true);
      }),
      { numRuns: 30 },
    );
  });

  it('rejects a signature when any single bit of the message or signature flips', () => {
    const pair = generateSigningKeyPair();
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.nat(),
        fc.boolean(),
        (msg, bit, inSig) => {
          const signature = sign(pair.secretKey, msg);
          const target = inSig ? signature : msg;
          const index = bit % (target.length * 8);
          target[index >> 3] = (target[index >> 3] ?? 0) ^ (1 << (index & 7));
          assert.equal(verify(pair.publicKey, msg, signature), false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects a signature made by a different key', () => {
    const a = generateSigningKeyPair();
    const b = generateSigningKeyPair();
    const msg = utf8('hello');
    assert.equal(verify(b.publicKey, msg, sign(a.secretKey, msg)), false);
  });

  it('rejects a malleated signature whose scalar is s + L, which tweetnacl would accept', () => {
    const pair = generateSigningKeyPair();
    const msg = utf8('pay bob 5');
    const signature = sign(pair.secretKey, msg);
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i] ?? 0);
    s += L;
    const malleated = new Uint8Array(signature);
    for (let i = 32; i < 64; i++) {
      malleated[i] = Number(s & 0xffn);
      s >>= 8n;
    }
    assert.equal(nacl.sign.detached.verify(msg, malleated, pair.publicKey), true);
    assert.equal(verify(pair.publicKey, msg, malleated), false);
  });

  it('refuses every small-order key even when node:crypto alone accepts a forgery for it', () => {
    for (const key of SMALL_ORDER_KEYS) {
      // With s = 0, R = -[k]A lies in the same small subgroup as A: one of the 8 candidates
      // satisfies the verification equation for about 1 message in 8.
      let forged: { msg: Uint8Array; sig: Uint8Array } | undefined;
      for (let m = 0; m < 64 && forged === undefined; m++) {
        const msg = utf8(`forged ${m}`);
        for (const r of SMALL_ORDER_KEYS) {
          const sig = concatBytes(r, new Uint8Array(32));
          if (nodeAccepts(key, msg, sig)) forged = { msg, sig };
        }
      }
      assert.ok(forged, `expected a forgery for small-order key ${toHex(key)}`);
      assert.equal(isValidSignPublicKey(key), false);
      assert.equal(verify(key, forged.msg, forged.sig), false);
    }
  });

  it('returns false instead of throwing for wrong lengths and non-byte inputs', () => {
    const pair = generateSigningKeyPair();
    const msg = utf8('x');
    const sig = sign(pair.secretKey, msg);
    assert.equal(verify(pair.publicKey.subarray(0, 31), msg, sig), false);
    assert.equal(verify(concatBytes(pair.publicKey, new Uint8Array(1)), msg, sig), false);
    assert.equal(verify(pair.publicKey, msg, sig.subarray(0, 63)), false);
    assert.equal(verify(pair.publicKey, msg, concatBytes(sig, new Uint8Array(1))), false);
    assert.equal(verify(new Uint8Array(0), msg, new Uint8Array(0)), false);
    assert.equal(verify('key' as unknown as Uint8Array, msg, sig), false);
    assert.equal(verify(pair.publicKey, null as unknown as Uint8Array, sig), false);
  });

  it('keeps verifying correctly after more distinct keys than its cache holds', () => {
    const msg = utf8('cache');
    // node:crypto key generation: tweetnacl's takes milliseconds per key.
    const signers = Array.from({ length: VERIFY_KEY_CACHE_ENTRIES + 8 }, () => {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
      return { publicKey: raw, signature: new Uint8Array(nodeSign(null, msg, privateKey)) };
    });
    for (const s of signers) assert.equal(verify(s.publicKey, msg, s.signature), true);
    assert.equal(verify(signers[0]!.publicKey, msg, signers[0]!.signature), true);
    assert.equal(verify(signers[0]!.publicKey, msg, signers[1]!.signature), false);
  });

  it('refuses to sign with a secret key of the wrong size or with mismatched halves', () => {
    const msg = utf8('x');
    assert.equal(
      codeOf(() => sign(new Uint8Array(32), msg)),
      'E_BAD_KEY',
    );
    assert.equal(
      codeOf(() => sign(new Uint8Array(SIGN_SECRET_KEY_BYTES + 1), msg)),
      'E_BAD_KEY',
    );
    const a = generateSigningKeyPair();
    const b = generateSigningKeyPair();
    const spliced = concatBytes(a.secretKey.subarray(0, 32), b.publicKey);
    assert.equal(
      codeOf(() => sign(spliced, msg)),
      'E_BAD_KEY',
    );
  });

  it('generates key pairs in the tweetnacl layout (seed || public key)', () => {
    const pair = generateSigningKeyPair();
    assert.equal(pair.publicKey.length, 32);
    assert.equal(pair.secretKey.length, 64);
    assert.equal(toHex(pair.secretKey.subarray(32)), toHex(pair.publicKey));
    assert.notEqual(toHex(pair.publicKey), toHex(generateSigningKeyPair().publicKey));
  });

  describe('domainMessage', () => {
    it('lays out the tag, a zero byte, then the parts', () => {
      const built = domainMessage('t', new Uint8Array([1, 2]), new Uint8Array([3]));
      assert.equal(toHex(built), '7400010203');
    });

    it('uses distinct tags, so a signature for one purpose never verifies for another', () => {
      const tags = [
        TAG_BOXKEY,
        TAG_CARD,
        TAG_RELAY,
        TAG_REGISTER_V2,
        TAG_LOGIN_V2,
        TAG_PRESENCE,
        TAG_STATUS,
      ];
      assert.equal(new Set(tags).size, tags.length);
      const pair = generateSigningKeyPair();
      const payload = utf8('same bytes');
      const sig = sign(pair.secretKey, domainMessage(TAG_LOGIN_V2, payload));
      assert.equal(verify(pair.publicKey, domainMessage(TAG_LOGIN_V2, payload), sig), true);
      assert.equal(verify(pair.publicKey, domainMessage(TAG_REGISTER_V2, payload), sig), false);
    });

    it('rejects an empty tag or a tag containing NUL', () => {
      assert.equal(
        codeOf(() => domainMessage('')),
        'E_BAD_TAG',
      );
      assert.equal(
        codeOf(() => domainMessage('a\0b')),
        'E_BAD_TAG',
      );
    });
  });

  describe('authMessage (Register and Login, protocol 2)', () => {
    const relayId = new Uint8Array(32).fill(0x11);
    const challenge = new Uint8Array(32).fill(0x22);
    const binding = new Uint8Array(32).fill(0x33);

    it('lays out the v2 tag, relay id, challenge, channel binding, then the pseudonym', () => {
      assert.equal(
        toHex(authMessage(TAG_LOGIN_V2, relayId, challenge, binding, 'bob')),
        toHex(
          concatBytes(
            utf8('natter-login-v2'),
            new Uint8Array([0]),
            relayId,
            challenge,
            binding,
            utf8('bob'),
          ),
        ),
      );
    });

    it('gives a signature that verifies on its own channel only', () => {
      const pair = generateSigningKeyPair();
      const sig = sign(
        pair.secretKey,
        authMessage(TAG_LOGIN_V2, relayId, challenge, binding, 'bob'),
      );
      const proxied = new Uint8Array(32).fill(0x44);
      assert.equal(
        verify(pair.publicKey, authMessage(TAG_LOGIN_V2, relayId, challenge, binding, 'bob'), sig),
        true,
      );
      assert.equal(
        verify(pair.publicKey, authMessage(TAG_LOGIN_V2, relayId, challenge, proxied, 'bob'), sig),
        false,
      );
      assert.equal(
        verify(
          pair.publicKey,
          authMessage(TAG_REGISTER_V2, relayId, challenge, binding, 'bob'),
          sig,
        ),
        false,
      );
    });

    it('refuses parts that are not 32 bytes (the layout is unambiguous only then)', () => {
      const short = new Uint8Array(31);
      assert.equal(
        codeOf(() => authMessage(TAG_LOGIN_V2, short, challenge, binding, 'b')),
        'E_BAD_ARGUMENT',
      );
      assert.equal(
        codeOf(() => authMessage(TAG_LOGIN_V2, relayId, short, binding, 'b')),
        'E_BAD_ARGUMENT',
      );
      assert.equal(
        codeOf(() => authMessage(TAG_LOGIN_V2, relayId, challenge, short, 'b')),
        'E_BAD_ARGUMENT',
      );
    });
  });
});
