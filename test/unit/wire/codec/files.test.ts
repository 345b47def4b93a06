import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as stream from '../../../../src/crypto/file-stream.js';
import { FILE_OUTCOME_TABLE } from '../../../../src/wire/codec/files.js';
import {
  decodeFileOfferRecord,
  decodeFrame,
  decodeGroupPlain,
  decodeInner,
  encodeFileOfferRecord,
  encodeFrame,
  encodeFrameReference,
  encodeGroupPlain,
  encodeInner,
} from '../../../../src/wire/codec.js';
import { ProtocolCode } from '../../../../src/wire/errors.js';
// Tests may use the generated code to craft hostile input; production code outside src/wire may not.
import { natter as pb } from '../../../../src/wire/gen/natter.js';
import * as limits from '../../../../src/wire/limits.js';
import {
  FILE_HASH_BYTES,
  FILE_KEY_BYTES,
  FILE_NONCE_PREFIX_BYTES,
  MAX_FILE_BYTES,
  MAX_FILE_CHUNK_BYTES,
  MAX_FILE_CHUNK_DATA_BYTES,
  MAX_FILE_CODE_CHARS,
  MAX_FILE_ENTRIES,
  MAX_FILE_MIME_CHARS,
  MAX_FILE_NAME_BYTES,
  MAX_FILE_PATH_BYTES,
  MAX_FILE_RECIPIENTS,
  MAX_FRAME_BYTES,
  MIN_FILE_CHUNK_BYTES,
  TRANSFER_ID_BYTES,
} from '../../../../src/wire/limits.js';
import type { FileOffer, Frame, FrameOf, GroupPlain, Inner } from '../../../../src/wire/types.js';
import {
  bob,
  bytes,
  type Case,
  folderOffer,
  innerSamples,
  many,
  moreFrames,
  protocolError,
  rawFrame,
  returnsOrThrowsCoded,
  samples,
  unknownEnum,
} from './samples.js';

/** A single file: no entries. */
const fileOffer: FileOffer = {
  ...folderOffer,
  name: 'report.pdf',
  size: 1_000_000,
  chunkBytes: 256 * 1024,
  mime: 'application/pdf',
  entries: [],
};

const fileFrameTypes = [
  'file-put',
  'file-put-result',
  'file-chunk',
  'file-chunk-ack',
  'file-get',
  'file-get-result',
  'file-done',
  'file-policy',
] as const;

/** The offer as the schema's message, with any field replaced: for hostile offers. */
const rawOffer = (patch: Partial<pb.IFileOffer> = {}): pb.IFileOffer => ({
  transferId: fileOffer.transferId,
  name: fileOffer.name,
  size: fileOffer.size,
  sha256: fileOffer.sha256,
  chunkBytes: fileOffer.chunkBytes,
  mime: fileOffer.mime,
  fileKey: fileOffer.fileKey,
  noncePrefix: fileOffer.noncePrefix,
  entries: [],
  ...patch,
});

const offerRecord = (patch: Partial<pb.IFileOffer>): Uint8Array =>
  pb.FileOffer.encode(rawOffer(patch)).finish();

/** The offer inside an end-to-end message and inside a group message, as a receiver gets it. */
const inInner = (offer: FileOffer): Inner => ({
  ...innerSamples['file-offer'],
  content: { kind: 'file-offer', offer },
});
const groupPlain = (offer: FileOffer | null): GroupPlain => ({
  sentAtMs: 1_700_000_003_000,
  senderName: 'alice',
  text: offer ? '' : 'hello team',
  fileOffer: offer,
});

/** A FilePut as the schema's message, with any field replaced. */
const rawPut = (patch: Partial<pb.IFilePut>): Uint8Array =>
  rawFrame({
    filePut: {
      requestId: 1,
      transferId: bytes(16, 0xa1),
      size: 1000,
      chunkBytes: 64 * 1024,
      to: [bob.userId],
      ...patch,
    },
  });

const entriesOf = (n: number, size = 1) =>
  many(n).map((i) => ({ path: `dir/file-${i}.txt`, size }));

describe('wire/codec: file frames and offers', () => {
  describe('round trips', () => {
    for (const type of fileFrameTypes) {
      it(`decodes an encoded ${type} frame to an equal value`, () => {
        assert.deepEqual(decodeFrame(encodeFrame(samples[type])), samples[type]);
      });
    }

    it('round-trips the file frame variants: group recipients, refusals, every outcome', () => {
      const variants = moreFrames.filter((f) => f.type.startsWith('file-'));
      assert.ok(variants.length >= 5, 'samples.ts has file frame variants');
      for (const f of variants) assert.deepEqual(decodeFrame(encodeFrame(f)), f);
    });

    it('round-trips a put naming every recipient a group may have', () => {
      const f: Frame = {
        ...samples['file-put'],
        recipients: { to: many(MAX_FILE_RECIPIENTS).map((i) => bytes(32, i)) },
      };
      assert.deepEqual(decodeFrame(encodeFrame(f)), f);
    });

    it('round-trips sizes and chunk indexes up to the largest file at the smallest chunk', () => {
      const maxIndex = MAX_FILE_BYTES / MIN_FILE_CHUNK_BYTES;
      const frames: Frame[] = [
        { ...samples['file-put'], size: MAX_FILE_BYTES, chunkBytes: MIN_FILE_CHUNK_BYTES },
        { ...samples['file-put'], size: 0, chunkBytes: MAX_FILE_CHUNK_BYTES },
        { ...samples['file-put-result'], haveChunks: maxIndex },
        { ...samples['file-chunk'], index: maxIndex },
        { ...samples['file-chunk-ack'], through: maxIndex },
        { ...samples['file-get'], fromIndex: maxIndex },
        { ...samples['file-get-result'], size: MAX_FILE_BYTES, haveChunks: maxIndex },
        { type: 'file-policy', maxIncomingBytes: MAX_FILE_BYTES },
        { type: 'file-policy', maxIncomingBytes: 0 },
      ];
      for (const f of frames) assert.deepEqual(decodeFrame(encodeFrame(f)), f);
    });

    it('round-trips any chunk index, size and chunk size in range', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: MAX_FILE_BYTES }),
          fc.integer({ min: MIN_FILE_CHUNK_BYTES, max: MAX_FILE_CHUNK_BYTES }),
          fc.integer({ min: 0, max: MAX_FILE_BYTES / MIN_FILE_CHUNK_BYTES }),
          (size, chunkBytes, index) => {
            const put: Frame = { ...samples['file-put'], size, chunkBytes };
            assert.deepEqual(decodeFrame(encodeFrame(put)), put);
            const chunk: Frame = { ...samples['file-chunk'], index };
            assert.deepEqual(decodeFrame(encodeFrame(chunk)), chunk);
          },
        ),
      );
    });

    it('carries an empty chunk (an empty file: the tag alone) and a full one', () => {
      for (const data of [bytes(16), bytes(MAX_FILE_CHUNK_DATA_BYTES)]) {
        const f: Frame = { ...samples['file-chunk'], data };
        assert.deepEqual(decodeFrame(encodeFrame(f)), f);
      }
    });

    it('fits the largest chunk, with the longest ids and index, in one frame of MAX_FRAME_BYTES', () => {
      const f: Frame = {
        type: 'file-chunk',
        transferId: bytes(TRANSFER_ID_BYTES),
        index: MAX_FILE_BYTES / MIN_FILE_CHUNK_BYTES,
        data: bytes(MAX_FILE_CHUNK_DATA_BYTES),
      };
      const encoded = encodeFrame(f);
      assert.ok(
        encoded.byteLength <= MAX_FRAME_BYTES,
        `${encoded.byteLength} > ${MAX_FRAME_BYTES}`,
      );
    });

    it('round-trips a single-file offer and a folder offer as stored records', () => {
      for (const offer of [fileOffer, folderOffer]) {
        assert.deepEqual(decodeFileOfferRecord(encodeFileOfferRecord(offer)), offer);
      }
    });

    it('round-trips several paths sent at once, and reads `several` on one file as false', () => {
      const several: FileOffer = { ...folderOffer, several: true };
      assert.deepEqual(decodeFileOfferRecord(encodeFileOfferRecord(several)), several);
      assert.deepEqual(decodeInner(encodeInner(inInner(several))), inInner(several));
      const one = decodeFileOfferRecord(encodeFileOfferRecord({ ...fileOffer, several: true }));
      assert.equal(one.several, false, 'one file is no set of items');
    });

    it('round-trips an empty file: size 0, no entries', () => {
      const empty: FileOffer = { ...fileOffer, name: 'empty', size: 0, mime: '' };
      assert.deepEqual(decodeFileOfferRecord(encodeFileOfferRecord(empty)), empty);
    });

    it('round-trips a folder of empty files (entries of size 0 adding up to 0)', () => {
      const offer: FileOffer = {
        ...folderOffer,
        size: 0,
        entries: [
          { path: 'a', size: 0 },
          { path: 'b/c', size: 0 },
        ],
      };
      assert.deepEqual(decodeFileOfferRecord(encodeFileOfferRecord(offer)), offer);
    });

    it('round-trips an offer inside an end-to-end message and inside a group message', () => {
      for (const offer of [fileOffer, folderOffer]) {
        assert.deepEqual(decodeInner(encodeInner(inInner(offer))), inInner(offer));
        assert.deepEqual(decodeGroupPlain(encodeGroupPlain(groupPlain(offer))), groupPlain(offer));
      }
    });

    it('decodes a group text message without an offer as fileOffer null', () => {
      assert.deepEqual(decodeGroupPlain(encodeGroupPlain(groupPlain(null))), groupPlain(null));
    });

    it('keeps names and paths as sent (controls, bidi, ".."): the receiver sanitises them', () => {
      const offer: FileOffer = {
        ...folderOffer,
        name: 'evil\u202Egpj.exe\n\u0007',
        entries: [
          { path: '../../etc/passwd', size: 100_000 },
          { path: '/abs\u0000path', size: 200_000 },
        ],
      };
      assert.deepEqual(decodeFileOfferRecord(encodeFileOfferRecord(offer)), offer);
    });

    it('accepts an offer exactly at each limit', () => {
      const offers: FileOffer[] = [
        { ...fileOffer, name: 'n'.repeat(MAX_FILE_NAME_BYTES) },
        // 341 × 3 bytes + 1 = 1024 bytes: the limit counts UTF-8 bytes, not characters.
        { ...fileOffer, name: `${'€'.repeat(341)}x` },
        { ...fileOffer, mime: 'm'.repeat(MAX_FILE_MIME_CHARS) },
        { ...fileOffer, size: MAX_FILE_BYTES },
        { ...fileOffer, chunkBytes: MIN_FILE_CHUNK_BYTES },
        { ...fileOffer, chunkBytes: MAX_FILE_CHUNK_BYTES },
        {
          ...folderOffer,
          size: 1 + MAX_FILE_PATH_BYTES,
          entries: [
            { path: 'p'.repeat(MAX_FILE_PATH_BYTES), size: MAX_FILE_PATH_BYTES },
            { path: 'q', size: 1 },
          ],
        },
        { ...folderOffer, size: MAX_FILE_ENTRIES, entries: entriesOf(MAX_FILE_ENTRIES) },
      ];
      for (const offer of offers) {
        assert.deepEqual(decodeFileOfferRecord(encodeFileOfferRecord(offer)), offer);
      }
    });
  });

  describe("decoded bytes: copies, except a chunk's data", () => {
    it("keeps offer secrets and a chunk's transfer id intact when the input buffer is overwritten", () => {
      const record = Buffer.from(encodeFileOfferRecord(folderOffer));
      const decodedOffer = decodeFileOfferRecord(record);
      record.fill(0xee);
      assert.deepEqual(decodedOffer, folderOffer);

      const chunk = Buffer.from(encodeFrame(samples['file-chunk']));
      const decodedChunk = decodeFrame(chunk) as FrameOf<'file-chunk'>;
      chunk.fill(0xee);
      assert.deepEqual(decodedChunk.transferId, samples['file-chunk'].transferId);
    });

    it('returns chunk data as a view of the input (frame bodies are never reused: codec/chunk.ts)', () => {
      const input = Buffer.from(encodeFrame(samples['file-chunk']));
      const decoded = decodeFrame(input) as FrameOf<'file-chunk'>;
      assert.equal(decoded.data.buffer, input.buffer);
      assert.deepEqual(new Uint8Array(decoded.data), samples['file-chunk'].data);
      assert.notEqual(decoded.transferId.buffer, input.buffer);
    });
  });

  describe('frame validation', () => {
    const cases: Case[] = [
      // Transfer ids: exactly TRANSFER_ID_BYTES in every frame that names one
      ...([15, 17] as const).flatMap((n): Case[] => [
        {
          what: `a put with a ${n}-byte transfer id`,
          code: ProtocolCode.BadLength,
          input: () => rawPut({ transferId: bytes(n) }),
        },
        {
          what: `a chunk with a ${n}-byte transfer id`,
          code: ProtocolCode.BadLength,
          input: () => encodeFrameReference({ ...samples['file-chunk'], transferId: bytes(n) }),
        },
        {
          what: `a chunk ack with a ${n}-byte transfer id`,
          code: ProtocolCode.BadLength,
          input: () => encodeFrameReference({ ...samples['file-chunk-ack'], transferId: bytes(n) }),
        },
        {
          what: `a get with a ${n}-byte transfer id`,
          code: ProtocolCode.BadLength,
          input: () => encodeFrameReference({ ...samples['file-get'], transferId: bytes(n) }),
        },
        {
          what: `a done with a ${n}-byte transfer id`,
          code: ProtocolCode.BadLength,
          input: () => encodeFrameReference({ ...samples['file-done'], transferId: bytes(n) }),
        },
      ]),
      {
        what: 'a put without a transfer id',
        code: ProtocolCode.MissingField,
        input: () => rawPut({ transferId: bytes(0) }),
      },
      {
        what: 'a chunk without a transfer id',
        code: ProtocolCode.MissingField,
        input: () => rawFrame({ fileChunk: { index: 0, data: bytes(16) } }),
      },
      {
        what: 'a done without a transfer id',
        code: ProtocolCode.MissingField,
        input: () => rawFrame({ fileDone: { outcome: pb.FileOutcome.FILE_RECEIVED } }),
      },

      // Chunk sizes: MIN_FILE_CHUNK_BYTES to MAX_FILE_CHUNK_BYTES
      ...[0, 1, MIN_FILE_CHUNK_BYTES - 1, MAX_FILE_CHUNK_BYTES + 1, 0xffff_ffff].map(
        (chunkBytes): Case => ({
          what: `a put with chunk_bytes ${chunkBytes}`,
          code: ProtocolCode.BadValue,
          input: () => rawPut({ chunkBytes }),
        }),
      ),
      {
        what: `a successful get result with chunk_bytes ${MAX_FILE_CHUNK_BYTES + 1}`,
        code: ProtocolCode.BadValue,
        input: () =>
          encodeFrameReference({
            ...samples['file-get-result'],
            chunkBytes: MAX_FILE_CHUNK_BYTES + 1,
          }),
      },
      {
        what: 'a successful get result with chunk_bytes 0',
        code: ProtocolCode.BadValue,
        input: () => encodeFrameReference({ ...samples['file-get-result'], chunkBytes: 0 }),
      },

      // Sizes and indexes
      {
        what: 'a put of MAX_FILE_BYTES + 1',
        code: ProtocolCode.BadValue,
        input: () => rawPut({ size: MAX_FILE_BYTES + 1 }),
      },
      {
        what: 'a get result of MAX_FILE_BYTES + 1',
        code: ProtocolCode.BadValue,
        input: () =>
          encodeFrameReference({ ...samples['file-get-result'], size: MAX_FILE_BYTES + 1 }),
      },
      {
        what: 'a policy of MAX_FILE_BYTES + 1',
        code: ProtocolCode.BadValue,
        input: () =>
          encodeFrameReference({ type: 'file-policy', maxIncomingBytes: MAX_FILE_BYTES + 1 }),
      },
      {
        what: 'a chunk whose index is past the last chunk of the largest file',
        code: ProtocolCode.BadValue,
        input: () =>
          encodeFrameReference({
            ...samples['file-chunk'],
            index: MAX_FILE_BYTES / MIN_FILE_CHUNK_BYTES + 1,
          }),
      },
      {
        what: 'a get from an index past the last chunk of the largest file',
        code: ProtocolCode.BadValue,
        input: () =>
          encodeFrameReference({
            ...samples['file-get'],
            fromIndex: MAX_FILE_BYTES / MIN_FILE_CHUNK_BYTES + 1,
          }),
      },
      {
        what: 'a chunk ack through an index past the last chunk of the largest file',
        code: ProtocolCode.BadValue,
        input: () =>
          encodeFrameReference({
            ...samples['file-chunk-ack'],
            through: MAX_FILE_BYTES / MIN_FILE_CHUNK_BYTES + 1,
          }),
      },
      {
        what: 'a put result with have_chunks past the last chunk of the largest file',
        code: ProtocolCode.BadValue,
        input: () =>
          encodeFrameReference({
            ...samples['file-put-result'],
            haveChunks: MAX_FILE_BYTES / MIN_FILE_CHUNK_BYTES + 1,
          }),
      },

      // Chunk data: the tag at least, a full chunk and its tag at most
      {
        what: 'a chunk without data',
        code: ProtocolCode.MissingField,
        input: () => encodeFrameReference({ ...samples['file-chunk'], data: bytes(0) }),
      },
      {
        what: 'a chunk shorter than its tag (15 bytes)',
        code: ProtocolCode.BadLength,
        input: () => encodeFrameReference({ ...samples['file-chunk'], data: bytes(15) }),
      },
      {
        what: 'a chunk of MAX_FILE_CHUNK_DATA_BYTES + 1',
        code: ProtocolCode.BadLength,
        input: () =>
          encodeFrameReference({
            ...samples['file-chunk'],
            data: bytes(MAX_FILE_CHUNK_DATA_BYTES + 1),
          }),
      },

      // Recipients: exactly one of to and group_id
      {
        what: 'a put naming both users and a group',
        code: ProtocolCode.BadValue,
        input: () => rawPut({ to: [bob.userId], groupId: bytes(16, 0x31) }),
      },
      {
        what: 'a put naming neither users nor a group',
        code: ProtocolCode.BadValue,
        input: () => rawPut({ to: [] }),
      },
      {
        what: 'a put naming a 31-byte user id',
        code: ProtocolCode.BadLength,
        input: () => rawPut({ to: [bob.userId, bytes(31)] }),
      },
      {
        what: 'a put naming an empty user id among others',
        code: ProtocolCode.MissingField,
        input: () => rawPut({ to: [bob.userId, bytes(0)] }),
      },
      {
        what: 'a put naming a 15-byte group id',
        code: ProtocolCode.BadLength,
        input: () => rawPut({ to: [], groupId: bytes(15) }),
      },
      {
        what: 'a put naming MAX_FILE_RECIPIENTS + 1 users',
        code: ProtocolCode.TooMany,
        input: () => rawPut({ to: many(MAX_FILE_RECIPIENTS + 1).map((i) => bytes(32, i)) }),
      },

      // Results: codes, and the uploader's id when the get succeeded
      {
        what: 'a successful get result without the uploader id',
        code: ProtocolCode.MissingField,
        input: () => encodeFrameReference({ ...samples['file-get-result'], from: bytes(0) }),
      },
      {
        what: 'a successful get result with a 31-byte uploader id',
        code: ProtocolCode.BadLength,
        input: () => encodeFrameReference({ ...samples['file-get-result'], from: bytes(31) }),
      },
      {
        what: `a put result with a code of MAX_FILE_CODE_CHARS + 1`,
        code: ProtocolCode.BadLength,
        input: () =>
          encodeFrameReference({
            ...samples['file-put-result'],
            code: `E_${'X'.repeat(MAX_FILE_CODE_CHARS - 1)}`,
          }),
      },
      {
        what: 'a chunk ack whose code holds a control character',
        code: ProtocolCode.BadValue,
        input: () =>
          encodeFrameReference({
            ...samples['file-chunk-ack'],
            code: 'E_FILE\u001b[2J',
            reason: 'x',
          }),
      },

      // Enums
      {
        what: 'a done with an unknown outcome (3)',
        code: ProtocolCode.BadValue,
        input: () => rawFrame({ fileDone: { transferId: bytes(16), outcome: unknownEnum(3) } }),
      },
      {
        what: 'a done with an unknown outcome (1000)',
        code: ProtocolCode.BadValue,
        input: () => rawFrame({ fileDone: { transferId: bytes(16), outcome: unknownEnum(1000) } }),
      },
    ];

    for (const c of cases) {
      it(`rejects ${c.what} with ${c.code}`, () => {
        const input = c.input();
        assert.throws(() => (c.decode ?? decodeFrame)(input), protocolError(c.code));
      });
    }

    it('accepts a failed get result without chunk size or uploader id', () => {
      const f: Frame = {
        ...samples['file-get-result'],
        code: 'E_FILE_UNKNOWN',
        reason: 'no such transfer',
        chunkBytes: 0,
        from: new Uint8Array(0),
      };
      assert.deepEqual(decodeFrame(encodeFrame(f)), f);
    });

    it('accepts a code of exactly MAX_FILE_CODE_CHARS', () => {
      const f: Frame = {
        ...samples['file-put-result'],
        code: `E_${'X'.repeat(MAX_FILE_CODE_CHARS - 2)}`,
      };
      assert.deepEqual(decodeFrame(encodeFrame(f)), f);
    });
  });

  describe('offer validation', () => {
    const cases: Case[] = [
      // Absent fields
      ...(['transferId', 'sha256', 'fileKey', 'noncePrefix'] as const).map(
        (field): Case => ({
          what: `an offer without ${field}`,
          code: ProtocolCode.MissingField,
          input: () => offerRecord({ [field]: bytes(0) }),
        }),
      ),
      {
        what: 'an offer without a name',
        code: ProtocolCode.MissingField,
        input: () => offerRecord({ name: '' }),
      },
      {
        what: 'a folder entry without a path',
        code: ProtocolCode.MissingField,
        input: () => offerRecord({ size: 2, entries: [{ path: 'a', size: 1 }, { size: 1 }] }),
      },

      // Wrong lengths
      ...(
        [
          ['transferId', TRANSFER_ID_BYTES],
          ['sha256', FILE_HASH_BYTES],
          ['fileKey', FILE_KEY_BYTES],
          ['noncePrefix', FILE_NONCE_PREFIX_BYTES],
        ] as const
      ).flatMap(([field, n]) =>
        [n - 1, n + 1].map(
          (len): Case => ({
            what: `an offer whose ${field} is ${len} bytes (not ${n})`,
            code: ProtocolCode.BadLength,
            input: () => offerRecord({ [field]: bytes(len) }),
          }),
        ),
      ),

      // Names, paths and mime types: bounded in bytes, however few the characters
      {
        what: 'an offer whose name is MAX_FILE_NAME_BYTES + 1 ASCII characters',
        code: ProtocolCode.BadLength,
        input: () => offerRecord({ name: 'n'.repeat(MAX_FILE_NAME_BYTES + 1) }),
      },
      {
        what: 'an offer whose name is 342 characters but MAX_FILE_NAME_BYTES + 2 UTF-8 bytes',
        code: ProtocolCode.BadLength,
        input: () => offerRecord({ name: '€'.repeat(342) }),
      },
      {
        what: 'an offer whose name is 257 emoji (1,028 UTF-8 bytes)',
        code: ProtocolCode.BadLength,
        input: () => offerRecord({ name: '🦊'.repeat(257) }),
      },
      {
        what: 'a folder entry whose path is MAX_FILE_PATH_BYTES + 1 bytes',
        code: ProtocolCode.BadLength,
        input: () =>
          offerRecord({
            size: 1,
            entries: [{ path: 'p'.repeat(MAX_FILE_PATH_BYTES + 1), size: 1 }],
          }),
      },
      {
        what: 'an offer whose mime is MAX_FILE_MIME_CHARS + 1 characters',
        code: ProtocolCode.BadLength,
        input: () => offerRecord({ mime: 'm'.repeat(MAX_FILE_MIME_CHARS + 1) }),
      },
      {
        what: 'an offer whose mime holds a control character',
        code: ProtocolCode.BadValue,
        input: () => offerRecord({ mime: 'text/plain\n' }),
      },

      // Chunk sizes and sizes
      ...[0, MIN_FILE_CHUNK_BYTES - 1, MAX_FILE_CHUNK_BYTES + 1].map(
        (chunkBytes): Case => ({
          what: `an offer with chunk_bytes ${chunkBytes}`,
          code: ProtocolCode.BadValue,
          input: () => offerRecord({ chunkBytes }),
        }),
      ),
      {
        what: 'an offer of MAX_FILE_BYTES + 1',
        code: ProtocolCode.BadValue,
        input: () => offerRecord({ size: MAX_FILE_BYTES + 1 }),
      },
      {
        what: 'a folder entry of MAX_FILE_BYTES + 1',
        code: ProtocolCode.BadValue,
        input: () =>
          offerRecord({ size: MAX_FILE_BYTES, entries: [{ path: 'a', size: MAX_FILE_BYTES + 1 }] }),
      },

      // A folder's entries must add up to the stream
      {
        what: 'a folder whose entries add up to less than its size',
        code: ProtocolCode.BadValue,
        input: () =>
          offerRecord({
            size: 300_001,
            entries: folderOffer.entries.map((e) => ({ path: e.path, size: e.size })),
          }),
      },
      {
        what: 'a folder whose entries add up to more than its size',
        code: ProtocolCode.BadValue,
        input: () =>
          offerRecord({
            size: 299_999,
            entries: folderOffer.entries.map((e) => ({ path: e.path, size: e.size })),
          }),
      },
      {
        what: 'a folder of empty entries that claims a non-empty stream',
        code: ProtocolCode.BadValue,
        input: () => offerRecord({ size: 1, entries: [{ path: 'a', size: 0 }] }),
      },

      // Counts
      {
        what: 'a folder with MAX_FILE_ENTRIES + 1 entries',
        code: ProtocolCode.TooMany,
        input: () =>
          offerRecord({ size: MAX_FILE_ENTRIES + 1, entries: entriesOf(MAX_FILE_ENTRIES + 1) }),
      },

      // Garbage
      {
        what: 'an offer record that is not protobuf',
        code: ProtocolCode.Malformed,
        input: () => Uint8Array.of(0x0a, 0x7f, 0x01),
      },
    ].map((c): Case => ({ ...c, decode: decodeFileOfferRecord }));

    for (const c of cases) {
      it(`rejects ${c.what} with ${c.code}`, () => {
        const input = c.input();
        assert.throws(() => (c.decode ?? decodeFileOfferRecord)(input), protocolError(c.code));
      });
    }

    const bad: FileOffer = { ...folderOffer, size: folderOffer.size + 1 };

    it('rejects an end-to-end message carrying an offer whose entries do not add up', () => {
      assert.throws(
        () => decodeInner(encodeInner(inInner(bad))),
        protocolError(ProtocolCode.BadValue),
      );
    });

    it('rejects an end-to-end message carrying an offer with a 17-byte transfer id', () => {
      const offer = { ...fileOffer, transferId: bytes(17) };
      assert.throws(
        () => decodeInner(encodeInner(inInner(offer))),
        protocolError(ProtocolCode.BadLength),
      );
    });

    it('rejects a group message carrying an offer whose entries do not add up', () => {
      assert.throws(
        () => decodeGroupPlain(encodeGroupPlain(groupPlain(bad))),
        protocolError(ProtocolCode.BadValue),
      );
    });

    it('rejects a group message carrying an offer with chunk_bytes out of range', () => {
      const offer = { ...fileOffer, chunkBytes: MAX_FILE_CHUNK_BYTES * 2 };
      assert.throws(
        () => decodeGroupPlain(encodeGroupPlain(groupPlain(offer))),
        protocolError(ProtocolCode.BadValue),
      );
    });
  });

  describe('FileOutcome', () => {
    it('holds every outcome at its wire number', () => {
      const byNumber: string[] = [];
      const generated: object = pb.FileOutcome;
      for (const [name, n] of Object.entries(generated)) {
        assert.ok(name.startsWith('FILE_'), name);
        assert.ok(Number.isInteger(n), `${name} is not a wire number`);
        byNumber[n] = name.slice('FILE_'.length).toLowerCase();
      }
      assert.deepEqual([...FILE_OUTCOME_TABLE], byNumber);
    });
  });

  describe('hostile input', () => {
    it('returns a value or throws a coded ProtocolError for offer records with bytes changed or cut', () => {
      const valid = [fileOffer, folderOffer].map((o) => encodeFileOfferRecord(o));
      fc.assert(
        fc.property(
          fc.nat({ max: valid.length - 1 }),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
          fc.option(fc.nat(), { nil: undefined }),
          (which, edits, cut) => {
            const input = Uint8Array.from(valid[which]!);
            for (const [pos, value] of edits) input[pos % input.length] = value;
            returnsOrThrowsCoded(
              decodeFileOfferRecord,
              cut === undefined ? input : input.subarray(0, cut % (input.length + 1)),
            );
          },
        ),
        { numRuns: 2000 },
      );
    });

    it('returns a value or throws a coded ProtocolError for file frames with bytes changed or cut', () => {
      const valid = [
        ...fileFrameTypes.map((t) => samples[t]),
        ...moreFrames.filter((f) => f.type.startsWith('file-')),
      ].map((f) => encodeFrame(f));
      fc.assert(
        fc.property(
          fc.nat({ max: valid.length - 1 }),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
          fc.option(fc.nat(), { nil: undefined }),
          (which, edits, cut) => {
            const input = Uint8Array.from(valid[which]!);
            for (const [pos, value] of edits) input[pos % input.length] = value;
            returnsOrThrowsCoded(
              decodeFrame,
              cut === undefined ? input : input.subarray(0, cut % (input.length + 1)),
            );
          },
        ),
        { numRuns: 2000 },
      );
    });
  });
});

describe('wire/limits: file limits are the crypto layer’s', () => {
  // The codec bounds what the crypto layer will seal and open: if the two drifted apart,
  // a frame the codec accepts could hold a chunk sealChunk refuses, or the reverse.
  const pairs = [
    ['MAX_FILE_CHUNK_BYTES', limits.MAX_FILE_CHUNK_BYTES, stream.MAX_FILE_CHUNK_BYTES],
    ['MIN_FILE_CHUNK_BYTES', limits.MIN_FILE_CHUNK_BYTES, stream.MIN_FILE_CHUNK_BYTES],
    ['MAX_FILE_BYTES', limits.MAX_FILE_BYTES, stream.MAX_FILE_BYTES],
    ['FILE_KEY_BYTES', limits.FILE_KEY_BYTES, stream.FILE_KEY_BYTES],
    ['FILE_NONCE_PREFIX_BYTES', limits.FILE_NONCE_PREFIX_BYTES, stream.FILE_NONCE_PREFIX_BYTES],
    ['FILE_HASH_BYTES', limits.FILE_HASH_BYTES, stream.FILE_HASH_BYTES],
  ] as const;

  for (const [name, wire, crypto] of pairs) {
    it(`holds src/wire/limits.ts ${name} equal to src/crypto/file-stream.ts's`, () => {
      assert.equal(wire, crypto);
    });
  }

  it('sizes a chunk on the wire as the largest plaintext chunk plus the secretbox tag', () => {
    assert.equal(
      limits.MAX_FILE_CHUNK_DATA_BYTES,
      stream.MAX_FILE_CHUNK_BYTES + stream.FILE_CHUNK_TAG_BYTES,
    );
  });

  it('offers a default chunk size within the limits', () => {
    assert.ok(stream.DEFAULT_FILE_CHUNK_BYTES >= limits.MIN_FILE_CHUNK_BYTES);
    assert.ok(stream.DEFAULT_FILE_CHUNK_BYTES <= limits.MAX_FILE_CHUNK_BYTES);
  });
});
