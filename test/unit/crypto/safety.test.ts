import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { safetyNumber } from '../../../src/crypto/safety.js';
import { fromHex } from '../../../src/util/bytes.js';
import { isNatterError } from '../../../src/util/errors.js';

const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/crypto-vectors.json', import.meta.url), 'utf8'),
) as { safetyNumber: { userIdA: string; userIdB: string; expected: string } };

// A deliberately naive transcription of Signal's NumericFingerprintGenerator, to check the
// optimised implementation against.
function referenceHalf(key: Uint8Array): string {
  let hash: Buffer = Buffer.concat([Buffer.from([0, 0]), key, key]);
  for (let i = 0; i < 5200; i++) hash = createHash('sha512').update(hash).update(key).digest();
  let digits = '';
  for (let i = 0; i < 30; i += 5) digits += String(hash.readUIntBE(i, 5) % 100000).padStart(5, '0');
  return digits;
}

describe('crypto/safety', () => {
  const { userIdA, userIdB, expected } = vectors.safetyNumber;

  it('matches the fixed vector', () => {
    assert.equal(safetyNumber(fromHex(userIdA), fromHex(userIdB)), expected);
  });

  it('is the same whichever side computes it', () => {
    assert.equal(safetyNumber(fromHex(userIdB), fromHex(userIdA)), expected);
    const a = generateIdentity().signPk;
    const b = generateIdentity().signPk;
    assert.equal(safetyNumber(a, b), safetyNumber(b, a));
  });

  it('is 60 digits in 12 groups of 5', () => {
    const number = safetyNumber(generateIdentity().signPk, generateIdentity().signPk);
    assert.match(number, /^\d{5}( \d{5}){11}$/);
  });

  it("agrees with a naive transcription of Signal's algorithm, halves in bytewise key order", () => {
    const keys = [generateIdentity().signPk, generateIdentity().signPk].sort(Buffer.compare);
    const digits = referenceHalf(keys[0]!) + referenceHalf(keys[1]!);
    assert.equal(safetyNumber(keys[1]!, keys[0]!).replaceAll(' ', ''), digits);
  });

  it('changes when either key changes', () => {
    const a = generateIdentity().signPk;
    const b = generateIdentity().signPk;
    const c = generateIdentity().signPk;
    assert.notEqual(safetyNumber(a, b), safetyNumber(a, c));
    assert.notEqual(safetyNumber(a, b), safetyNumber(c, b));
  });

  it('refuses user ids of the wrong length', () => {
    for (const [a, b] of [
      [new Uint8Array(31), new Uint8Array(32)],
      [new Uint8Array(32), new Uint8Array(33)],
    ] as const) {
      assert.throws(
        () => safetyNumber(a, b),
        (err) => isNatterError(err, 'E_BAD_KEY'),
      );
    }
  });
});
