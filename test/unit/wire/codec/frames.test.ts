import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  decodeFrame,
  encodeDeliver,
  encodeDeliverFrom,
  encodeFrame,
} from '../../../../src/wire/codec.js';
import type { Frame, FrameOf } from '../../../../src/wire/types.js';
import {
  alice,
  bytes,
  hex,
  moreFrames,
  plain,
  returnsOrThrowsCoded,
  samples,
  unhex,
} from './samples.js';

/** The oneof field names of `Frame` in the schema, in kebab case ('send_ack' -> 'send-ack'). */
function schemaFrameKinds(): string[] {
  const proto = readFileSync(new URL('../../../../proto/natter.proto', import.meta.url), 'utf8');
  const frame = /message Frame \{\s*oneof body \{([^}]*)\}/.exec(proto);
  assert.ok(frame?.[1], 'proto/natter.proto has no `message Frame { oneof body { ... } }`');
  return [...frame[1].matchAll(/^\s*\w+\s+(\w+)\s*=\s*\d+\s*;/gm)].map((m) =>
    (m[1] ?? '').replaceAll('_', '-'),
  );
}

describe('wire/codec: relay frames', () => {
  describe('round trips', () => {
    it('has a sample for every frame kind in the schema', () => {
      assert.deepEqual(Object.keys(samples).sort(), schemaFrameKinds().sort());
    });

    for (const sample of Object.values(samples)) {
      it(`decodes an encoded ${sample.type} frame to an equal value`, () => {
        assert.deepEqual(plain(decodeFrame(encodeFrame(sample))), sample);
      });
    }

    it('round-trips frame variants: optional cards, lookup by id, empty lists, every enum value', () => {
      for (const f of moreFrames) assert.deepEqual(plain(decodeFrame(encodeFrame(f))), f);
    });

    it('encodes a Deliver with a kept `from` field (the relay makes it once per card) to the same bytes', () => {
      const from = encodeDeliverFrom(samples.deliver.from);
      for (const seq of [0, 1, 2 ** 40]) {
        const f: FrameOf<'deliver'> = { ...samples.deliver, seq };
        assert.deepEqual(encodeDeliver(f, from), encodeFrame(f));
        assert.deepEqual(decodeFrame(encodeDeliver(f, from)), f);
      }
    });

    it('round-trips any safe integer in a uint64 field', () => {
      fc.assert(
        fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (seq, storedAtMs) => {
          const f: Frame = { ...samples.deliver, seq, storedAtMs };
          assert.deepEqual(decodeFrame(encodeFrame(f)), f);
        }),
      );
    });
  });

  describe('golden bytes', () => {
    // Computed once from the samples in samples.ts and committed. A changed field number,
    // wire type or enum order changes these bytes; that must be a deliberate,
    // protocol-versioned decision (STYLE.md §11), never an accident.
    const golden = JSON.parse(
      readFileSync(new URL('../../../fixtures/golden-frames.json', import.meta.url), 'utf8'),
    ) as { frames: Record<string, string> };
    const goldenTypes = [
      'hello',
      'send',
      'send-ack',
      'deliver',
      'deliver-ack',
      'set-status',
      'roster-update',
      'store-status',
      'group-resend',
      'group-resend-result',
    ] as const;

    it('holds exactly the expected golden frames', () => {
      assert.deepEqual(Object.keys(golden.frames).sort(), [...goldenTypes].sort());
    });

    for (const type of goldenTypes) {
      it(`encodes the sample ${type} frame to its committed bytes`, () => {
        assert.equal(hex(encodeFrame(samples[type])), golden.frames[type]);
      });

      it(`decodes the committed ${type} bytes to the sample`, () => {
        assert.deepEqual(plain(decodeFrame(unhex(golden.frames[type] ?? ''))), samples[type]);
      });
    }

    it('lays out hello as field 1 holding version (field 1) and client_nonce (field 2)', () => {
      // Spelled out by hand from proto/natter.proto, independently of the fixture
      // (version 2: the secure channel, issue 10).
      const expected = `0a24 0802 1220 ${hex(bytes(32, 0x00))}`.replaceAll(' ', '');
      assert.equal(hex(encodeFrame(samples.hello)), expected);
    });

    it('lays out set-status as field 17 holding status, text, seq (field 3) and sig (field 4)', () => {
      // By hand from proto/natter.proto (issue 10: the user's signature on a status).
      // 8a01: field 17, length-delimited; 0801: AWAY; 1209: 9 bytes of "lunch ☕";
      // 18 + varint 1_700_000_000_321; 2240: 64 signature bytes.
      const text = hex(new TextEncoder().encode('lunch ☕'));
      const expected = `8a01 56 0801 1209 ${text} 18 c1d295ffbc31 2240 ${hex(bytes(64, 0x72))}`;
      assert.equal(hex(encodeFrame(samples['set-status'])), expected.replaceAll(' ', ''));
    });

    it('lays out store-status as field 40 holding its code (field 1)', () => {
      // By hand from proto/natter.proto: c202 is field 40, length-delimited (a two-byte tag).
      const code = hex(new TextEncoder().encode('E_STORE_UNAVAILABLE'));
      assert.equal(
        hex(encodeFrame(samples['store-status'])),
        `c20215 0a13 ${code}`.replaceAll(' ', ''),
      );
    });

    it('lays out group-resend as field 41 holding group_id (field 1) and after_gseq (field 2)', () => {
      // By hand from proto/natter.proto: ca02 is field 41, length-delimited; 0a10: 16 bytes
      // of group id; 1006: after_gseq 6.
      assert.equal(
        hex(encodeFrame(samples['group-resend'])),
        `ca0214 0a10 ${hex(bytes(16, 0x31))} 1006`.replaceAll(' ', ''),
      );
    });

    it('keeps the card signature in field 4 of Card, where the box-key signature was', () => {
      const encoded = hex(encodeFrame(samples.register));
      assert.ok(encoded.includes(`2240${hex(alice.cardSig)}`));
    });
  });

  describe('decoded bytes are copies', () => {
    const clobber = (input: Uint8Array) => input.fill(0xee);

    it('keeps frame byte fields intact when the input buffer is overwritten', () => {
      for (const sample of [samples.register, samples.deliver, samples.challenge]) {
        const input = Buffer.from(encodeFrame(sample));
        const decoded = decodeFrame(input);
        clobber(input);
        assert.deepEqual(decoded, sample);
      }
    });

    it('returns byte fields that do not share memory with the input', () => {
      const input = Buffer.from(encodeFrame(samples.register));
      const decoded = decodeFrame(input) as FrameOf<'register'>;
      for (const field of [
        decoded.sig,
        decoded.card.userId,
        decoded.card.boxPk,
        decoded.card.cardSig,
      ]) {
        assert.notEqual(field.buffer, input.buffer);
      }
    });

    it("but a Send's recipient, nonce and ciphertext are views, read in its turn; its id is a copy", () => {
      // codec/hot.ts: the relay builds the Deliver record from them before the next read.
      const input = Buffer.from(encodeFrame(samples.send));
      const decoded = decodeFrame(input) as FrameOf<'send'>;
      assert.notEqual(decoded.msgId.buffer, input.buffer);
      for (const field of [decoded.to, decoded.nonce, decoded.ciphertext]) {
        assert.equal(field.buffer, input.buffer);
      }
      clobber(input);
      assert.deepEqual(decoded.msgId, samples.send.msgId);
    });
  });

  describe('hostile input', () => {
    it('returns a value or throws a coded ProtocolError for arbitrary bytes, never anything else', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 512 }), (input) => {
          returnsOrThrowsCoded(decodeFrame, input);
        }),
        { numRuns: 2000 },
      );
    });

    it('returns a value or throws a coded ProtocolError for valid encodings with bytes changed or cut', () => {
      const valid = [...Object.values(samples), ...moreFrames].map((f) => encodeFrame(f));
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
              decodeFrame,
              cut === undefined ? input : input.subarray(0, cut % (input.length + 1)),
            );
          },
        ),
        { numRuns: 3000 },
      );
    });
  });
});
