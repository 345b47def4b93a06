import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { decodeInner, encodeInner } from '../../../../src/wire/codec.js';
import { ProtocolCode } from '../../../../src/wire/errors.js';
import type { natter as pb } from '../../../../src/wire/gen/natter.js';
import { MAX_RECEIPT_IDS, MAX_TEXT_BYTES } from '../../../../src/wire/limits.js';
import type { Inner } from '../../../../src/wire/types.js';
import {
  alice,
  bob,
  bytes,
  type Case,
  hex,
  innerSamples,
  many,
  protocolError,
  rawInner,
  returnsOrThrowsCoded,
} from './samples.js';

/** The field names of the `Inner.content` oneof in the schema. */
function schemaContentFields(): string[] {
  const proto = readFileSync(new URL('../../../../proto/natter.proto', import.meta.url), 'utf8');
  const inner = /message Inner \{[^}]*?oneof content \{([^}]*)\}/.exec(proto);
  assert.ok(inner?.[1], 'proto/natter.proto has no `message Inner { ... oneof content { ... } }`');
  return [...inner[1].matchAll(/^\s*\w+\s+(\w+)\s*=\s*\d+\s*;/gm)].map((m) => m[1] ?? '');
}

describe('wire/codec: inner envelope', () => {
  describe('round trips', () => {
    it('has a sample for every content kind in the schema', () => {
      // Kinds are the oneof's field names, written with '-' (sender_key: 'sender-key').
      assert.deepEqual(
        Object.keys(innerSamples)
          .map((k) => k.replace(/-/g, '_'))
          .sort(),
        schemaContentFields().sort(),
      );
    });

    for (const inner of Object.values(innerSamples)) {
      it(`decodes an encoded inner envelope with ${inner.content.kind} content to an equal value`, () => {
        assert.deepEqual(decodeInner(encodeInner(inner)), inner);
      });
    }

    it('round-trips any well-formed text body through the inner envelope', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (body) => {
          const inner: Inner = { ...innerSamples.text, content: { kind: 'text', body } };
          assert.deepEqual(decodeInner(encodeInner(inner)), inner);
        }),
      );
    });

    it('encodes the same bytes as protobufjs given the schema fields directly', () => {
      // Holds the content table to a plain encoding of the schema, kind by kind.
      const direct = ({ content, ...head }: Inner): pb.Inner.$Properties => {
        switch (content.kind) {
          case 'text':
            return { ...head, text: { body: content.body } };
          case 'receipt':
            return { ...head, receipt: { msgIds: content.msgIds } };
          case 'sender-key':
            return {
              ...head,
              senderKey: { groupId: content.groupId, epoch: content.epoch, share: content.share },
            };
          case 'file-offer': {
            const o = content.offer;
            return {
              ...head,
              fileOffer: {
                transferId: o.transferId,
                name: o.name,
                size: o.size,
                sha256: o.sha256,
                chunkBytes: o.chunkBytes,
                mime: o.mime,
                fileKey: o.fileKey,
                noncePrefix: o.noncePrefix,
                entries: o.entries.map((e) => ({ path: e.path, size: e.size })),
              },
            };
          }
          case 'file-reply':
            return {
              ...head,
              fileReply: {
                transferId: content.transferId,
                outcome: content.outcome === 'received' ? 0 : 1,
              },
            };
          case 'file-cancel':
            return { ...head, fileCancel: { transferId: content.transferId } };
        }
      };
      for (const inner of Object.values(innerSamples)) {
        assert.equal(hex(encodeInner(inner)), hex(rawInner(direct(inner))), inner.content.kind);
      }
    });

    it('lays out the sample envelopes field by field, content in fields 10 and 11', () => {
      // Spelled out by hand from proto/natter.proto: a changed field number or
      // wire type is a wire-format change (STYLE.md §11).
      const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('hex');
      const { text, receipt } = innerSamples;
      const body = 'hello Bob\nsecond line, tab\there, émoji 🦊';
      assert.equal(
        hex(encodeInner(text)),
        [
          `0a20${hex(alice.userId)}`,
          `1220${hex(bob.userId)}`,
          `1a10${hex(bytes(16, 0x60))}`,
          '2001', // counter 1
          '2895d695ffbc31', // sent_at_ms 1_700_000_000_789
          `3205${utf8('alice')}`,
          `522e0a2c${utf8(body)}`, // text (10) { body (1) }
        ].join(''),
      );
      assert.equal(
        hex(encodeInner(receipt)),
        [
          `0a20${hex(bob.userId)}`,
          `1220${hex(alice.userId)}`,
          `1a10${hex(bytes(16, 0x80))}`,
          '208080808020', // counter 2^33
          '28e7d795ffbc31', // sent_at_ms 1_700_000_000_999
          `3205${utf8('Bob_2')}`,
          `5a240a10${hex(bytes(16, 0x60))}0a10${hex(bytes(16, 0x61))}`, // receipt (11) { msg_ids (1) x2 }
        ].join(''),
      );
    });
  });

  describe('decoded bytes are copies', () => {
    const clobber = (input: Uint8Array) => input.fill(0xee);

    it('keeps inner envelope byte fields intact when the input buffer is overwritten', () => {
      const input = Buffer.from(encodeInner(innerSamples.receipt));
      const decoded = decodeInner(input);
      clobber(input);
      assert.deepEqual(decoded, innerSamples.receipt);
    });
  });

  describe('validation', () => {
    const cases: Case[] = [
      // Absent fields
      {
        what: 'an inner envelope without a sender',
        code: ProtocolCode.MissingField,
        input: () => encodeInner({ ...innerSamples.text, sender: bytes(0) }),
        decode: decodeInner,
      },

      // Wrong lengths
      {
        what: 'a receipt holding a 15-byte msg id',
        code: ProtocolCode.BadLength,
        input: () =>
          encodeInner({
            ...innerSamples.receipt,
            content: { kind: 'receipt', msgIds: [bytes(16), bytes(15)] },
          }),
        decode: decodeInner,
      },

      // File replies: a recipient says received or declined, never cancelled
      {
        what: "a file reply saying 'cancelled' (the uploader's outcome, not a recipient's)",
        code: ProtocolCode.BadValue,
        input: () => {
          const { content: _, ...head } = innerSamples['file-reply'];
          return rawInner({ ...head, fileReply: { transferId: bytes(16, 0x93), outcome: 2 } });
        },
        decode: decodeInner,
      },
      {
        what: 'a file reply naming a 15-byte transfer id',
        code: ProtocolCode.BadLength,
        input: () =>
          encodeInner({
            ...innerSamples['file-reply'],
            content: { kind: 'file-reply', transferId: bytes(15), outcome: 'received' },
          }),
        decode: decodeInner,
      },
      {
        what: 'a file cancel naming a 15-byte transfer id',
        code: ProtocolCode.BadLength,
        input: () =>
          encodeInner({
            ...innerSamples['file-cancel'],
            content: { kind: 'file-cancel', transferId: bytes(15) },
          }),
        decode: decodeInner,
      },
      {
        what: 'a file cancel naming no transfer',
        code: ProtocolCode.MissingField,
        input: () => {
          const { content: _, ...head } = innerSamples['file-cancel'];
          return rawInner({ ...head, fileCancel: {} });
        },
        decode: decodeInner,
      },

      // Texts: length, control characters
      {
        what: `a text body of MAX_TEXT_BYTES + 1 ASCII characters`,
        code: ProtocolCode.BadLength,
        input: () =>
          encodeInner({
            ...innerSamples.text,
            content: { kind: 'text', body: 'a'.repeat(MAX_TEXT_BYTES + 1) },
          }),
        decode: decodeInner,
      },
      {
        what: 'a text body of few characters but MAX_TEXT_BYTES + 2 UTF-8 bytes',
        code: ProtocolCode.BadLength,
        input: () =>
          encodeInner({
            ...innerSamples.text,
            content: { kind: 'text', body: 'é'.repeat(MAX_TEXT_BYTES / 2 + 1) },
          }),
        decode: decodeInner,
      },

      // Pseudonyms
      {
        what: 'an inner envelope whose sender name is not NFKC',
        code: ProtocolCode.BadPseudonym,
        input: () => encodeInner({ ...innerSamples.text, senderName: 'ﬁona' }),
        decode: decodeInner,
      },

      // Counts
      {
        what: 'a receipt with MAX_RECEIPT_IDS + 1 msg ids',
        code: ProtocolCode.TooMany,
        input: () =>
          encodeInner({
            ...innerSamples.receipt,
            content: {
              kind: 'receipt',
              msgIds: many(MAX_RECEIPT_IDS + 1).map(() => bytes(16)),
            },
          }),
        decode: decodeInner,
      },

      // Unknown kinds and garbage
      {
        what: 'an inner envelope with no content',
        code: ProtocolCode.UnknownKind,
        input: () =>
          rawInner({
            sender: alice.userId,
            recipient: bob.userId,
            msgId: bytes(16),
            counter: 1,
            senderName: 'alice',
          }),
        decode: decodeInner,
      },
    ];

    for (const c of cases) {
      it(`rejects ${c.what} with ${c.code}`, () => {
        const input = c.input();
        assert.throws(() => (c.decode ?? decodeInner)(input), protocolError(c.code));
      });
    }

    it('accepts values exactly at each limit', () => {
      for (const body of ['a'.repeat(MAX_TEXT_BYTES), 'é'.repeat(MAX_TEXT_BYTES / 2)]) {
        const inner: Inner = { ...innerSamples.text, content: { kind: 'text', body } };
        assert.deepEqual(decodeInner(encodeInner(inner)), inner);
      }
      const receipt: Inner = {
        ...innerSamples.receipt,
        content: { kind: 'receipt', msgIds: many(MAX_RECEIPT_IDS).map((i) => bytes(16, i)) },
      };
      assert.deepEqual(decodeInner(encodeInner(receipt)), receipt);
    });
  });

  describe('hostile input', () => {
    it('returns a value or throws a coded ProtocolError for arbitrary bytes, never anything else', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 512 }), (input) => {
          returnsOrThrowsCoded(decodeInner, input);
        }),
        { numRuns: 2000 },
      );
    });

    it('returns a value or throws a coded ProtocolError for valid encodings with bytes changed or cut', () => {
      const valid = Object.values(innerSamples).map((inner) => encodeInner(inner));
      fc.assert(
        fc.property(
          fc.nat({ max: valid.length - 1 }),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
          fc.option(fc.nat(), { nil: undefined }),
          (which, edits, cut) => {
            const input = Uint8Array.from(valid[which]!);
            for (const [pos, value] of edits) {
              if (input.length > 0) input[pos % input.length] = value;
            }
            returnsOrThrowsCoded(
              decodeInner,
              cut === undefined ? input : input.subarray(0, cut % (input.length + 1)),
            );
          },
        ),
        { numRuns: 3000 },
      );
    });
  });
});
