import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodePresence,
  decodeSignedDatagram,
  encodePresence,
  encodeSignedDatagram,
} from '../../../../src/wire/codec.js';
import { ProtocolCode } from '../../../../src/wire/errors.js';
import { natter as pb } from '../../../../src/wire/gen/natter.js';
import { MAX_DATAGRAM_BYTES } from '../../../../src/wire/limits.js';
import {
  anonymousQuery,
  bytes,
  type Case,
  datagramSample,
  presenceSamples,
  protocolError,
  rawPresence,
  returnsOrThrowsCoded,
  unknownEnum,
} from './samples.js';

describe('wire/codec: presence datagrams', () => {
  describe('round trips', () => {
    for (const p of [...Object.values(presenceSamples), anonymousQuery]) {
      const label = p.kind === 'query' && p.card === null ? 'anonymous query' : p.kind;
      it(`decodes an encoded ${label} presence body to an equal value`, () => {
        assert.deepEqual(decodePresence(encodePresence(p)), p);
      });
    }

    it('decodes an encoded signed datagram to an equal value', () => {
      const decoded = decodeSignedDatagram(encodeSignedDatagram(datagramSample));
      assert.deepEqual(decoded, datagramSample);
      assert.deepEqual(decodePresence(decoded.body), presenceSamples.heartbeat);
    });
  });

  describe('decoded bytes are copies', () => {
    const clobber = (input: Uint8Array) => input.fill(0xee);

    it('keeps presence and datagram byte fields intact when the input buffer is overwritten', () => {
      for (const p of [presenceSamples.query, presenceSamples.relay, presenceSamples.heartbeat]) {
        const input = Buffer.from(encodePresence(p));
        const decoded = decodePresence(input);
        clobber(input);
        assert.deepEqual(decoded, p);
      }
      const input = Buffer.from(encodeSignedDatagram(datagramSample));
      const decoded = decodeSignedDatagram(input);
      clobber(input);
      assert.deepEqual(decoded, datagramSample);
    });
  });

  describe('validation', () => {
    const cases: Case[] = [
      // Absent fields
      {
        what: 'a heartbeat without a card',
        code: ProtocolCode.MissingField,
        input: () => rawPresence({ kind: 0, seq: 1 }),
        decode: decodePresence,
      },
      {
        what: 'a relay beacon without a port',
        code: ProtocolCode.MissingField,
        input: () => encodePresence({ ...presenceSamples.relay, relayPort: 0 }),
        decode: decodePresence,
      },
      {
        what: 'a signed datagram without a body',
        code: ProtocolCode.MissingField,
        input: () => encodeSignedDatagram({ ...datagramSample, body: bytes(0) }),
        decode: decodeSignedDatagram,
      },
      {
        what: 'a signed datagram without a signature',
        code: ProtocolCode.MissingField,
        input: () => encodeSignedDatagram({ ...datagramSample, signature: bytes(0) }),
        decode: decodeSignedDatagram,
      },

      // Wrong lengths
      {
        what: 'an anonymous query whose nonce is 15 bytes',
        code: ProtocolCode.BadLength,
        input: () => encodePresence({ ...anonymousQuery, queryNonce: bytes(15) }),
        decode: decodePresence,
      },
      {
        what: 'a signed datagram whose signature is 63 bytes',
        code: ProtocolCode.BadLength,
        input: () => encodeSignedDatagram({ ...datagramSample, signature: bytes(63) }),
        decode: decodeSignedDatagram,
      },

      // Texts: length, control characters
      {
        what: 'a heartbeat status text holding a right-to-left override',
        code: ProtocolCode.BadValue,
        input: () =>
          encodePresence({ ...presenceSamples.heartbeat, statusText: 'evil\u202etxt.exe' }),
        decode: decodePresence,
      },

      // Enums and ranges
      {
        what: 'a presence body of kind 5',
        code: ProtocolCode.BadValue,
        input: () => rawPresence({ kind: unknownEnum(5), seq: 1 }),
        decode: decodePresence,
      },
      {
        what: 'a heartbeat with status 3',
        code: ProtocolCode.BadValue,
        input: () => {
          const m = pb.PresenceBody.decode(encodePresence(presenceSamples.heartbeat));
          m.status = unknownEnum(3);
          return pb.PresenceBody.encode(m).finish();
        },
        decode: decodePresence,
      },
      {
        what: 'a relay beacon whose port is 65536',
        code: ProtocolCode.BadValue,
        input: () => encodePresence({ ...presenceSamples.relay, relayPort: 65_536 }),
        decode: decodePresence,
      },

      // Unknown kinds and garbage
      {
        what: 'a datagram of MAX_DATAGRAM_BYTES + 1 bytes',
        code: ProtocolCode.FrameTooLarge,
        // A well-formed datagram, so only its size is wrong.
        input: () => datagramOfSize(MAX_DATAGRAM_BYTES + 1),
        decode: decodeSignedDatagram,
      },
    ];

    for (const c of cases) {
      it(`rejects ${c.what} with ${c.code}`, () => {
        const input = c.input();
        assert.throws(() => (c.decode ?? decodePresence)(input), protocolError(c.code));
      });
    }

    it('accepts values exactly at each limit', () => {
      const datagram = datagramOfSize(MAX_DATAGRAM_BYTES);
      assert.equal(datagram.length, MAX_DATAGRAM_BYTES);
      assert.equal(decodeSignedDatagram(datagram).signature.length, 64);
    });
  });

  describe('hostile input', () => {
    const decoders = [decodePresence, decodeSignedDatagram];

    it('returns a value or throws a coded ProtocolError for arbitrary bytes, never anything else', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 512 }), (input) => {
          for (const decode of decoders) returnsOrThrowsCoded(decode, input);
        }),
        { numRuns: 2000 },
      );
    });

    it('returns a value or throws a coded ProtocolError for valid encodings with bytes changed or cut', () => {
      const valid: Array<[(b: Uint8Array) => unknown, Uint8Array]> = [
        ...Object.values(presenceSamples).map((p): [(b: Uint8Array) => unknown, Uint8Array] => [
          decodePresence,
          encodePresence(p),
        ]),
        [decodeSignedDatagram, encodeSignedDatagram(datagramSample)],
      ];
      fc.assert(
        fc.property(
          fc.nat({ max: valid.length - 1 }),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
          fc.option(fc.nat(), { nil: undefined }),
          (which, edits, cut) => {
            const [decode, encoded] = valid[which]!;
            const input = Uint8Array.from(encoded);
            for (const [pos, value] of edits) {
              if (input.length > 0) input[pos % input.length] = value;
            }
            returnsOrThrowsCoded(
              decode,
              cut === undefined ? input : input.subarray(0, cut % (input.length + 1)),
            );
          },
        ),
        { numRuns: 3000 },
      );
    });
  });
});

/** A well-formed signed datagram of exactly `size` bytes (size >= 200). */
function datagramOfSize(size: number): Uint8Array {
  // body: tag + 2-byte varint length + n bytes; signature: tag + length + 64 bytes.
  const n = size - 3 - 66;
  const out = encodeSignedDatagram({ body: bytes(n, 1), signature: bytes(64, 0xe0) });
  assert.equal(out.length, size);
  return out;
}
