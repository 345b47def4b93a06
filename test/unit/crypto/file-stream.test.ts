import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { ChunkOpener } from '../../../src/crypto/chunk-opener.js';
import { fileCipherName, sodiumCipher, tweetnaclCipher } from '../../../src/crypto/file-cipher.js';
import { FileCode } from '../../../src/crypto/file-errors.js';
import {
  checkFileStreamParams,
  DEFAULT_FILE_CHUNK_BYTES,
  FILE_KEY_BYTES,
  FILE_NONCE_PREFIX_BYTES,
  type FileKey,
  type FileStreamParams,
  fileChunkCount,
  MAX_FILE_BYTES,
  MAX_FILE_CHUNK_BYTES,
  MIN_FILE_CHUNK_BYTES,
  newFileKey,
  sealChunk,
  sealChunkInto,
} from '../../../src/crypto/file-stream.js';
import { randomBytes } from '../../../src/crypto/random.js';
import { fromHex, toHex, utf8 } from '../../../src/util/bytes.js';
import { codeOf } from '../../helpers/codes.js';

interface ChunkVector {
  index: number;
  last: boolean;
  plaintextUtf8: string;
  nonce: string;
  sealed: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/file-vectors.json', import.meta.url), 'utf8'),
) as { key: string; noncePrefix: string; chunks: ChunkVector[] };

/** The STREAM nonce built independently of src/: prefix ‖ u64be(index) ‖ last. */
function nonceOf(prefix: Uint8Array, index: number, last: boolean): Uint8Array {
  const nonce = Buffer.alloc(24);
  nonce.set(prefix, 0);
  nonce.writeBigUInt64BE(BigInt(index), 15);
  nonce[23] = last ? 1 : 0;
  return new Uint8Array(nonce);
}

interface Chunk {
  index: number;
  last: boolean;
  sealed: Uint8Array;
}

/** `file` cut into chunks of `chunkSize` and sealed as a sender does. */
function sealFile(file: Uint8Array, chunkSize: number, fk: FileKey): Chunk[] {
  const count = fileChunkCount(file.byteLength, chunkSize);
  return Array.from({ length: count }, (_, index) => {
    const last = index === count - 1;
    const part = file.subarray(index * chunkSize, (index + 1) * chunkSize);
    return { index, last, sealed: sealChunk(fk.key, fk.noncePrefix, index, last, part) };
  });
}

function paramsOf(file: Uint8Array, chunkSize: number, fk: FileKey): FileStreamParams {
  const sha256 = new Uint8Array(createHash('sha256').update(file).digest());
  return { ...fk, size: file.byteLength, chunkSize, sha256 };
}

/** A transfer of `size` random bytes: the file, its offer and its sealed chunks. */
function transfer(size: number, chunkSize = MIN_FILE_CHUNK_BYTES) {
  const file = randomBytes(size);
  const fk = newFileKey();
  return { file, params: paramsOf(file, chunkSize, fk), chunks: sealFile(file, chunkSize, fk) };
}

/** Opens `chunks` in the order given; the concatenated plaintext after finish(). */
function receive(params: FileStreamParams, chunks: Chunk[]): Uint8Array {
  const opener = new ChunkOpener(params);
  const parts = chunks.map((c) => opener.open(c.index, c.last, c.sealed));
  opener.finish();
  return new Uint8Array(Buffer.concat(parts));
}

describe('file chunks (STREAM over secretbox)', () => {
  const key = fromHex(vectors.key);
  const prefix = fromHex(vectors.noncePrefix);

  it('seals each known-answer chunk to the pinned bytes, which nacl.secretbox gives on the constructed nonce', () => {
    for (const v of vectors.chunks) {
      const nonce = nonceOf(prefix, v.index, v.last);
      assert.equal(toHex(nonce), v.nonce);
      assert.equal(toHex(nacl.secretbox(utf8(v.plaintextUtf8), nonce, key)), v.sealed);
      assert.equal(toHex(sealChunk(key, prefix, v.index, v.last, utf8(v.plaintextUtf8))), v.sealed);
    }
  });

  it('opens a known-answer chunk with nacl.secretbox.open only at its own index and end mark', () => {
    const v = vectors.chunks[0]!;
    const sealed = fromHex(v.sealed);
    const opened = nacl.secretbox.open(sealed, nonceOf(prefix, v.index, v.last), key);
    assert.equal(Buffer.from(opened!).toString('utf8'), v.plaintextUtf8);
    assert.equal(nacl.secretbox.open(sealed, nonceOf(prefix, v.index + 1, v.last), key), null);
    assert.equal(nacl.secretbox.open(sealed, nonceOf(prefix, v.index, !v.last), key), null);
  });

  it('sodium-native and tweetnacl each open what the other seals', function () {
    const sodium = sodiumCipher();
    if (sodium === null) {
      console.warn('      skipped: sodium-native does not load here (tweetnacl is in use)');
      this.skip();
    }
    for (const size of [0, 1, 15, 16, 17, 4096, DEFAULT_FILE_CHUNK_BYTES, MAX_FILE_CHUNK_BYTES]) {
      const fk = newFileKey();
      const nonce = nonceOf(fk.noncePrefix, size, false);
      const plaintext = randomBytes(size);
      const byNative = sodium.seal(fk.key, nonce, plaintext);
      const byJs = tweetnaclCipher.seal(fk.key, nonce, plaintext);
      assert.equal(toHex(byNative), toHex(byJs), `same bytes for ${size}`);
      assert.equal(toHex(tweetnaclCipher.open(fk.key, nonce, byNative)!), toHex(plaintext));
      assert.equal(toHex(sodium.open(fk.key, nonce, byJs)!), toHex(plaintext));
      byJs[byJs.length - 1]! ^= 1;
      assert.equal(sodium.open(fk.key, nonce, byJs), null);
      assert.equal(tweetnaclCipher.open(fk.key, nonce, byJs), null);
    }
    assert.equal(sodium.open(fk0().key, new Uint8Array(24), new Uint8Array(15)), null);
  });

  it('the into-variants give the same bytes: sealInto as seal and openInto as open, each build opening what the other sealed', function () {
    const sodium = sodiumCipher();
    if (sodium === null) {
      console.warn('      skipped: sodium-native does not load here (tweetnacl is in use)');
      this.skip();
    }
    for (const size of [0, 1, 15, 16, 17, 4096, DEFAULT_FILE_CHUNK_BYTES, MAX_FILE_CHUNK_BYTES]) {
      const fk = newFileKey();
      const nonce = nonceOf(fk.noncePrefix, size, true);
      const plaintext = randomBytes(size);
      const expected = toHex(nacl.secretbox(plaintext, nonce, fk.key));
      // Into views at an offset of a larger buffer, as the sender's frame is.
      const frame = new Uint8Array(size + 16 + 40).fill(0xee);
      for (const cipher of [sodium, tweetnaclCipher]) {
        const out = frame.subarray(33, 33 + size + 16);
        cipher.sealInto(fk.key, nonce, plaintext, out);
        assert.equal(toHex(out), expected, `${cipher.name} sealInto, ${size} bytes`);
        assert.ok(
          frame.subarray(0, 33).every((b) => b === 0xee),
          'nothing written before',
        );
        assert.ok(
          frame.subarray(33 + size + 16).every((b) => b === 0xee),
          'nothing after',
        );
      }
      const sealed = fromHex(expected);
      for (const [by, other] of [
        [sodium, tweetnaclCipher],
        [tweetnaclCipher, sodium],
      ] as const) {
        const into = new Uint8Array(size + 16);
        by.sealInto(fk.key, nonce, plaintext, into);
        const opened = new Uint8Array(size + 7).subarray(7);
        assert.equal(other.openInto(fk.key, nonce, into, opened), true);
        assert.equal(toHex(opened), toHex(plaintext), `${other.name} opens ${by.name}'s`);
      }
      const tampered = new Uint8Array(sealed);
      tampered[tampered.length - 1]! ^= 1;
      for (const cipher of [sodium, tweetnaclCipher]) {
        assert.equal(cipher.openInto(fk.key, nonce, tampered, new Uint8Array(size)), false);
      }
    }
    const nothing = new Uint8Array(0);
    assert.equal(
      sodium.openInto(fk0().key, new Uint8Array(24), new Uint8Array(15), nothing),
      false,
    );
  });

  it("sealChunkInto writes sealChunk's bytes, and ChunkOpener.openInto opens like open()", () => {
    for (const size of [0, 1, MIN_FILE_CHUNK_BYTES, 3 * MIN_FILE_CHUNK_BYTES + 5]) {
      const file = randomBytes(size);
      const fk = newFileKey();
      const chunks = sealFile(file, MIN_FILE_CHUNK_BYTES, fk);
      const plain = new Uint8Array(MIN_FILE_CHUNK_BYTES);
      const into = new ChunkOpener(paramsOf(file, MIN_FILE_CHUNK_BYTES, fk));
      const parts: Uint8Array[] = [];
      for (const c of chunks) {
        const part = file.subarray(
          c.index * MIN_FILE_CHUNK_BYTES,
          (c.index + 1) * MIN_FILE_CHUNK_BYTES,
        );
        const frame = new Uint8Array(part.byteLength + 16 + 3);
        const out = frame.subarray(3);
        sealChunkInto(fk.key, fk.noncePrefix, c.index, c.last, part, out);
        assert.equal(toHex(out), toHex(c.sealed), `chunk ${c.index} of ${size}`);
        const opened = into.openInto(c.index, c.last, out, plain);
        assert.equal(opened.buffer, plain.buffer, 'a view of the buffer given');
        parts.push(new Uint8Array(opened));
      }
      into.finish();
      assert.equal(toHex(Buffer.concat(parts)), toHex(file));
      assert.equal(into.receivedBytes, size);
    }
  });

  it('openInto refuses as open() does, changing nothing, and refuses a short or overlapping output', () => {
    const { file, params, chunks } = transfer(3 * MIN_FILE_CHUNK_BYTES);
    const opener = new ChunkOpener(params);
    const out = new Uint8Array(MIN_FILE_CHUNK_BYTES);
    const [c0, c1] = chunks as [Chunk, Chunk];
    const forged = new Uint8Array(c0.sealed);
    forged[20]! ^= 1;
    assert.equal(
      codeOf(() => opener.openInto(0, false, forged, out)),
      FileCode.ChunkForged,
    );
    assert.equal(
      codeOf(() => opener.openInto(1, false, c1.sealed, out)),
      FileCode.ChunkOrder,
    );
    assert.equal(
      codeOf(() => opener.openInto(0, true, c0.sealed, out)),
      FileCode.ChunkForged,
    );
    assert.equal(
      codeOf(() => opener.openInto(0, false, c0.sealed, out.subarray(1))),
      'E_BAD_ARGUMENT',
    );
    const shared = new Uint8Array(2 * MIN_FILE_CHUNK_BYTES + 16);
    shared.set(c0.sealed, 0);
    const overlapping = shared.subarray(MIN_FILE_CHUNK_BYTES);
    assert.equal(
      codeOf(() =>
        opener.openInto(0, false, shared.subarray(0, c0.sealed.byteLength), overlapping),
      ),
      'E_BAD_ARGUMENT',
    );
    assert.equal(opener.nextIndex, 0, 'nothing moved');
    const opened = opener.openInto(0, false, c0.sealed, out);
    assert.equal(toHex(opened), toHex(file.subarray(0, MIN_FILE_CHUNK_BYTES)));
    assert.equal(opener.nextIndex, 1);
    assert.equal(opener.receivedBytes, MIN_FILE_CHUNK_BYTES);
  });

  it('names the build in use: sodium-native when it loads, tweetnacl otherwise', () => {
    assert.equal(fileCipherName(), sodiumCipher() === null ? 'tweetnacl' : 'sodium-native');
  });

  it('draws a fresh 32-byte key and 15-byte nonce prefix for every transfer', () => {
    const a = newFileKey();
    const b = newFileKey();
    assert.equal(a.key.byteLength, FILE_KEY_BYTES);
    assert.equal(a.noncePrefix.byteLength, FILE_NONCE_PREFIX_BYTES);
    assert.notEqual(toHex(a.key), toHex(b.key));
    assert.notEqual(toHex(a.noncePrefix), toHex(b.noncePrefix));
  });

  it('counts one chunk for an empty file and a partial chunk at the end', () => {
    assert.equal(fileChunkCount(0, 4096), 1);
    assert.equal(fileChunkCount(1, 4096), 1);
    assert.equal(fileChunkCount(4096, 4096), 1);
    assert.equal(fileChunkCount(4097, 4096), 2);
    assert.equal(fileChunkCount(MAX_FILE_BYTES, DEFAULT_FILE_CHUNK_BYTES), 262_144);
  });

  it('round-trips files of many shapes, byte for byte', () => {
    const chunk = MIN_FILE_CHUNK_BYTES;
    for (const size of [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk, 3 * chunk + 17]) {
      const t = transfer(size);
      assert.equal(toHex(receive(t.params, t.chunks)), toHex(t.file), `size ${size}`);
    }
    const big = transfer(2 * DEFAULT_FILE_CHUNK_BYTES + 1000, DEFAULT_FILE_CHUNK_BYTES);
    assert.equal(big.chunks.length, 3);
    assert.equal(toHex(receive(big.params, big.chunks)), toHex(big.file));
  });

  it('round-trips random sizes and chunk sizes (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40_000 }),
        fc.integer({ min: MIN_FILE_CHUNK_BYTES, max: 3 * MIN_FILE_CHUNK_BYTES }),
        (size, chunkSize) => {
          const t = transfer(size, chunkSize);
          assert.equal(toHex(receive(t.params, t.chunks)), toHex(t.file));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('tracks the next index and the bytes received, the offset where the next chunk goes', () => {
    const t = transfer(2 * MIN_FILE_CHUNK_BYTES + 5);
    const opener = new ChunkOpener(t.params);
    opener.open(0, false, t.chunks[0]!.sealed);
    assert.equal(opener.nextIndex, 1);
    assert.equal(opener.receivedBytes, MIN_FILE_CHUNK_BYTES);
    assert.equal(opener.sawLast, false);
  });

  describe('rejects, with its code', () => {
    const t = transfer(4 * MIN_FILE_CHUNK_BYTES + 100);
    const c = t.chunks;

    it('a truncated stream: finish() before the last chunk is E_FILE_TRUNCATED', () => {
      assert.equal(
        codeOf(() => receive(t.params, c.slice(0, -1))),
        FileCode.Truncated,
      );
      assert.equal(
        codeOf(() => new ChunkOpener(t.params).finish()),
        FileCode.Truncated,
      );
    });

    it('a reordered or skipped chunk: E_FILE_CHUNK_ORDER', () => {
      assert.equal(
        codeOf(() => receive(t.params, [c[0]!, c[2]!, c[1]!])),
        FileCode.ChunkOrder,
      );
      assert.equal(
        codeOf(() => receive(t.params, [c[0]!, c[1]!, c[3]!])),
        FileCode.ChunkOrder,
      );
    });

    it('a duplicated chunk: E_FILE_CHUNK_ORDER, and the stream goes on unchanged after it', () => {
      const opener = new ChunkOpener(t.params);
      opener.open(0, false, c[0]!.sealed);
      opener.open(1, false, c[1]!.sealed);
      assert.equal(
        codeOf(() => opener.open(1, false, c[1]!.sealed)),
        FileCode.ChunkOrder,
      );
      for (const x of c.slice(2)) opener.open(x.index, x.last, x.sealed);
      opener.finish();
    });

    it('a chunk after the last one: E_FILE_AFTER_LAST', () => {
      const opener = new ChunkOpener(t.params);
      for (const x of c) opener.open(x.index, x.last, x.sealed);
      const extra = sealChunk(t.params.key, t.params.noncePrefix, c.length, true, utf8('more'));
      assert.equal(
        codeOf(() => opener.open(c.length, true, extra)),
        FileCode.AfterLast,
      );
      assert.equal(
        codeOf(() => opener.open(0, false, c[0]!.sealed)),
        FileCode.AfterLast,
      );
      opener.finish();
    });

    it('a stream whose last chunk is not marked last: E_FILE_TRUNCATED at finish, or E_FILE_CHUNK_SHORT if partial', () => {
      const unmark = (x: ReturnType<typeof transfer>) =>
        x.chunks.map((chunk, i) => {
          const part = x.file.subarray(i * MIN_FILE_CHUNK_BYTES, (i + 1) * MIN_FILE_CHUNK_BYTES);
          const { key, noncePrefix } = x.params;
          return { ...chunk, last: false, sealed: sealChunk(key, noncePrefix, i, false, part) };
        });
      const whole = transfer(3 * MIN_FILE_CHUNK_BYTES);
      assert.equal(
        codeOf(() => receive(whole.params, unmark(whole))),
        FileCode.Truncated,
      );
      assert.equal(
        codeOf(() => receive(t.params, unmark(t))),
        FileCode.ChunkShort,
      );
    });

    it('a false index or end mark from the transport: E_FILE_CHUNK_FORGED', () => {
      const opener = new ChunkOpener(t.params);
      assert.equal(
        codeOf(() => opener.open(0, true, c[0]!.sealed)),
        FileCode.ChunkForged,
      );
      assert.equal(
        codeOf(() => opener.open(0, false, c[1]!.sealed)),
        FileCode.ChunkForged,
      );
      assert.equal(opener.nextIndex, 0);
    });

    it('a tampered chunk, a wrong key or a chunk shorter than its tag: E_FILE_CHUNK_FORGED', () => {
      const tampered = new Uint8Array(c[0]!.sealed);
      tampered[40]! ^= 0x80;
      assert.equal(
        codeOf(() => receive(t.params, [{ ...c[0]!, sealed: tampered }])),
        'E_FILE_CHUNK_FORGED',
      );
      const wrongKey = { ...t.params, key: randomBytes(32) };
      assert.equal(
        codeOf(() => receive(wrongKey, c)),
        FileCode.ChunkForged,
      );
      const opener = new ChunkOpener(t.params);
      assert.equal(
        codeOf(() => opener.open(0, false, new Uint8Array(15))),
        FileCode.ChunkForged,
      );
      opener.open(0, false, c[0]!.sealed);
    });

    it('more bytes than offered, as soon as they arrive: E_FILE_SIZE_MISMATCH', () => {
      const lie = { ...t.params, size: 2 * MIN_FILE_CHUNK_BYTES - 1 };
      const opener = new ChunkOpener(lie);
      opener.open(0, false, c[0]!.sealed);
      assert.equal(
        codeOf(() => opener.open(1, false, c[1]!.sealed)),
        FileCode.SizeMismatch,
      );
    });

    it('fewer bytes than offered by the last chunk: E_FILE_SIZE_MISMATCH, then E_FILE_TRUNCATED', () => {
      const lie = { ...t.params, size: t.params.size + 1 };
      const opener = new ChunkOpener(lie);
      for (const x of c.slice(0, -1)) opener.open(x.index, x.last, x.sealed);
      const lastChunk = c[c.length - 1]!;
      assert.equal(
        codeOf(() => opener.open(lastChunk.index, true, lastChunk.sealed)),
        FileCode.SizeMismatch,
      );
      assert.equal(
        codeOf(() => opener.finish()),
        FileCode.Truncated,
      );
    });

    it('a chunk larger than the chunk size: E_FILE_CHUNK_TOO_LARGE, before it is opened', () => {
      const fat = sealChunk(
        t.params.key,
        t.params.noncePrefix,
        0,
        false,
        randomBytes(MIN_FILE_CHUNK_BYTES + 1),
      );
      assert.equal(
        codeOf(() => new ChunkOpener(t.params).open(0, false, fat)),
        FileCode.ChunkTooLarge,
      );
      const junk = new Uint8Array(MIN_FILE_CHUNK_BYTES + 17);
      assert.equal(
        codeOf(() => new ChunkOpener(t.params).open(0, false, junk)),
        FileCode.ChunkTooLarge,
      );
    });

    it('a short chunk that is not the last, or an empty last chunk of a non-empty file: E_FILE_CHUNK_SHORT', () => {
      const { key, noncePrefix } = t.params;
      const short = sealChunk(key, noncePrefix, 0, false, t.file.subarray(0, 100));
      assert.equal(
        codeOf(() => new ChunkOpener(t.params).open(0, false, short)),
        FileCode.ChunkShort,
      );
      const exact = transfer(2 * MIN_FILE_CHUNK_BYTES);
      const unmarked = sealChunk(
        exact.params.key,
        exact.params.noncePrefix,
        1,
        false,
        exact.file.subarray(MIN_FILE_CHUNK_BYTES),
      );
      const emptyLast = sealChunk(
        exact.params.key,
        exact.params.noncePrefix,
        2,
        true,
        new Uint8Array(0),
      );
      const opener = new ChunkOpener(exact.params);
      opener.open(0, false, exact.chunks[0]!.sealed);
      opener.open(1, false, unmarked);
      assert.equal(
        codeOf(() => opener.open(2, true, emptyLast)),
        FileCode.ChunkShort,
      );
    });

    it("a file whose SHA-256 is not the offer's: E_FILE_HASH_MISMATCH, on every finish()", () => {
      const lie = { ...t.params, sha256: new Uint8Array(32) };
      const opener = new ChunkOpener(lie);
      for (const x of c) opener.open(x.index, x.last, x.sealed);
      assert.equal(
        codeOf(() => opener.finish()),
        FileCode.HashMismatch,
      );
      assert.equal(
        codeOf(() => opener.finish()),
        FileCode.HashMismatch,
      );
    });

    it('any reordering, duplication or dropping of chunks (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.nat(c.length - 1), { minLength: 1, maxLength: 8 }), (order) => {
          fc.pre(order.join() !== c.map((x) => x.index).join());
          const code = codeOf(() =>
            receive(
              t.params,
              order.map((i) => c[i]!),
            ),
          );
          assert.ok(
            [FileCode.ChunkOrder, FileCode.Truncated, FileCode.AfterLast].some((x) => x === code),
            String(code),
          );
        }),
        { numRuns: 100 },
      );
    });
  });

  describe('limits', () => {
    const good = paramsOf(new Uint8Array(0), DEFAULT_FILE_CHUNK_BYTES, fk0());
    const badOffer = (change: Partial<FileStreamParams>) =>
      codeOf(() => checkFileStreamParams({ ...good, ...change }));

    it('accepts the default chunk size and files up to MAX_FILE_BYTES', () => {
      assert.equal(badOffer({}), undefined);
      assert.equal(badOffer({ size: MAX_FILE_BYTES }), undefined);
      assert.equal(badOffer({ chunkSize: MIN_FILE_CHUNK_BYTES }), undefined);
      assert.equal(badOffer({ chunkSize: MAX_FILE_CHUNK_BYTES }), undefined);
    });

    it('refuses offers past MAX_FILE_BYTES, outside the chunk size range or with bad lengths: E_FILE_BAD_OFFER', () => {
      for (const change of [
        { size: MAX_FILE_BYTES + 1 },
        { size: -1 },
        { size: 1.5 },
        { chunkSize: MIN_FILE_CHUNK_BYTES - 1 },
        { chunkSize: MAX_FILE_CHUNK_BYTES + 1 },
        { key: new Uint8Array(31) },
        { noncePrefix: new Uint8Array(16) },
        { sha256: new Uint8Array(31) },
      ]) {
        assert.equal(badOffer(change), FileCode.BadOffer, JSON.stringify(Object.keys(change)));
        assert.equal(
          codeOf(() => new ChunkOpener({ ...good, ...change })),
          FileCode.BadOffer,
        );
      }
    });

    it('refuses to seal past MAX_FILE_CHUNK_BYTES or with a wrong key, prefix or index', () => {
      const { key, noncePrefix } = fk0();
      const seal = (k: Uint8Array, p: Uint8Array, i: number, size: number) =>
        codeOf(() => sealChunk(k, p, i, false, new Uint8Array(size)));
      assert.equal(seal(key, noncePrefix, 0, MAX_FILE_CHUNK_BYTES), undefined);
      assert.equal(seal(key, noncePrefix, 0, MAX_FILE_CHUNK_BYTES + 1), FileCode.ChunkTooLarge);
      assert.equal(seal(key.subarray(1), noncePrefix, 0, 1), 'E_BAD_KEY');
      assert.equal(seal(key, noncePrefix.subarray(1), 0, 1), 'E_BAD_NONCE');
      assert.equal(seal(key, noncePrefix, -1, 1), 'E_BAD_ARGUMENT');
      assert.equal(seal(key, noncePrefix, 0.5, 1), 'E_BAD_ARGUMENT');
      const into = (size: number, out: Uint8Array) =>
        codeOf(() => sealChunkInto(key, noncePrefix, 0, false, new Uint8Array(size), out));
      assert.equal(into(1, new Uint8Array(17)), undefined);
      assert.equal(into(1, new Uint8Array(18)), 'E_BAD_ARGUMENT');
      assert.equal(into(1, new Uint8Array(16)), 'E_BAD_ARGUMENT');
      assert.equal(
        into(MAX_FILE_CHUNK_BYTES + 1, new Uint8Array(MAX_FILE_CHUNK_BYTES + 17)),
        FileCode.ChunkTooLarge,
      );
      const buf = new Uint8Array(64);
      assert.equal(
        codeOf(() =>
          sealChunkInto(key, noncePrefix, 0, false, buf.subarray(0, 8), buf.subarray(4, 28)),
        ),
        'E_BAD_ARGUMENT',
      );
    });
  });
});

function fk0(): FileKey {
  return { key: new Uint8Array(32), noncePrefix: new Uint8Array(15) };
}
