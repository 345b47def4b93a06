import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ChunkOpener } from '../../../src/crypto/chunk-opener.js';
import { newFileKey, sealChunk } from '../../../src/crypto/file-stream.js';

const CHUNK = 4096;

function stream(size: number) {
  const data = new Uint8Array(size).map((_, i) => (i * 13) & 0xff);
  const { key, noncePrefix } = newFileKey();
  const sha256 = new Uint8Array(createHash('sha256').update(data).digest());
  const params = { key, noncePrefix, size, chunkSize: CHUNK, sha256 };
  const count = Math.ceil(size / CHUNK);
  const chunk = (i: number) => data.subarray(i * CHUNK, (i + 1) * CHUNK);
  const sealed = (i: number) => sealChunk(key, noncePrefix, i, i === count - 1, chunk(i));
  return { params, count, chunk, sealed };
}

describe('ChunkOpener: resuming from plaintext already verified (adoptVerified)', () => {
  it('continues the position and the hash from adopted chunks, then opens the rest', () => {
    const s = stream(CHUNK * 5 + 10);
    const opener = new ChunkOpener(s.params);
    for (let i = 0; i < 3; i++) opener.adoptVerified(s.chunk(i));
    assert.equal(opener.nextIndex, 3);
    assert.equal(opener.receivedBytes, 3 * CHUNK);
    for (let i = 3; i < s.count; i++) opener.open(i, i === s.count - 1, s.sealed(i));
    opener.finish();
  });

  it('fails the hash at finish() when an adopted chunk was altered', () => {
    const s = stream(CHUNK * 3);
    const opener = new ChunkOpener(s.params);
    const bad = s.chunk(0).slice();
    bad[0] = (bad[0] ?? 0) ^ 1;
    opener.adoptVerified(bad);
    for (let i = 1; i < s.count; i++) opener.open(i, i === s.count - 1, s.sealed(i));
    assert.throws(() => opener.finish(), { code: 'E_FILE_HASH_MISMATCH' });
  });

  it('refuses a short chunk that is not the last, too much, and anything after the last', () => {
    const s = stream(CHUNK * 2);
    const opener = new ChunkOpener(s.params);
    assert.throws(() => opener.adoptVerified(new Uint8Array(CHUNK - 1)), {
      code: 'E_FILE_CHUNK_SHORT',
    });
    assert.throws(() => opener.adoptVerified(new Uint8Array(CHUNK + 1)), {
      code: 'E_FILE_SIZE_MISMATCH',
    });
    opener.adoptVerified(s.chunk(0));
    opener.adoptVerified(s.chunk(1));
    assert.equal(opener.sawLast, true);
    assert.throws(() => opener.adoptVerified(new Uint8Array(1)), { code: 'E_FILE_AFTER_LAST' });
    opener.finish();
  });
});
