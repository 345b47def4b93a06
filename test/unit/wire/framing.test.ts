import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtocolCode, type ProtocolCodeValue, ProtocolError } from '../../../src/wire/errors.js';
import { FrameDecoder, frame, varintLength } from '../../../src/wire/framing.js';
import { MAX_FRAME_BYTES, MAX_PRELOGIN_FRAME_BYTES } from '../../../src/wire/limits.js';

const GIB = 1024 * 1024 * 1024;

/** assert.throws validator: a ProtocolError with exactly this code. */
function protocolError(code: ProtocolCodeValue) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** A payload whose bytes are recognisable (and differ between payloads). */
function payload(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + 1) & 0xff;
  return out;
}

/** The protobuf varint encoding of n, written independently of framing.ts. */
function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

/** Feeds every chunk and returns owned copies of all frames produced. */
function feed(decoder: FrameDecoder, chunks: Iterable<Uint8Array>): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const chunk of chunks) {
    for (const f of decoder.push(chunk)) out.push(Uint8Array.from(f));
  }
  return out;
}

function bytesOneByOne(stream: Uint8Array): Uint8Array[] {
  return Array.from(stream, (b) => Uint8Array.of(b));
}

/** Cuts `stream` at the given offsets (any order, duplicates allowed) into Uint8Array copies. */
function splitAt(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const p of [...points, stream.length]) {
    chunks.push(stream.slice(start, p));
    start = p;
  }
  return chunks;
}

const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

describe('wire/framing', () => {
  describe('frame()', () => {
    it('writes a zero-length payload as the single byte 0x00', () => {
      assert.equal(hex(frame(new Uint8Array(0))), '00');
    });

    it('prefixes the payload with its protobuf varint length', () => {
      for (const [length, header] of [
        [1, '01'],
        [127, '7f'],
        [128, '8001'],
        [300, 'ac02'],
        [16_383, 'ff7f'],
        [16_384, '808001'],
      ] as const) {
        const body = payload(length);
        const framed = frame(body);
        assert.equal(hex(framed.subarray(0, header.length / 2)), header, `length ${length}`);
        assert.equal(varintLength(length), header.length / 2, `varintLength(${length})`);
        assert.equal(framed.length, header.length / 2 + length);
        assert.equal(hex(framed.subarray(header.length / 2)), hex(body));
      }
    });

    it('round-trips any payload through FrameDecoder', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 20_000 }), (body) => {
          const decoder = new FrameDecoder(MAX_FRAME_BYTES);
          const frames = feed(decoder, [frame(body)]);
          assert.deepEqual(frames.map(hex), [hex(body)]);
          assert.equal(decoder.bufferedBytes, 0);
        }),
      );
    });

    it('computes varintLength as the length of the varint encoding', () => {
      fc.assert(
        fc.property(fc.nat({ max: 2 ** 32 - 1 }), (n) => {
          assert.equal(varintLength(n), varint(n).length);
        }),
      );
    });
  });

  describe('FrameDecoder', () => {
    const sample = [payload(0), payload(1, 1), payload(127, 2), payload(128, 3), payload(700, 4)];
    const stream = concat(sample.map((p) => frame(p)));

    it('returns every frame of a chunk that holds several whole frames', () => {
      const decoder = new FrameDecoder(MAX_FRAME_BYTES);
      assert.deepEqual(feed(decoder, [stream]).map(hex), sample.map(hex));
      assert.equal(decoder.bufferedBytes, 0);
    });

    it('returns the same frames when fed one byte at a time', () => {
      const decoder = new FrameDecoder(MAX_FRAME_BYTES);
      assert.deepEqual(feed(decoder, bytesOneByOne(stream)).map(hex), sample.map(hex));
      assert.equal(decoder.bufferedBytes, 0);
    });

    it('returns each frame from the push that completes it, and nothing earlier', () => {
      const decoder = new FrameDecoder(MAX_FRAME_BYTES);
      const body = payload(300, 9);
      const framed = frame(body);
      for (let i = 0; i < framed.length - 1; i++) {
        assert.deepEqual(decoder.push(framed.subarray(i, i + 1)), [], `byte ${i}`);
        assert.equal(decoder.bufferedBytes, i + 1);
      }
      const last = decoder.push(framed.subarray(framed.length - 1));
      assert.deepEqual(last.map(hex), [hex(body)]);
      assert.equal(decoder.bufferedBytes, 0);
    });

    it('keeps a trailing partial frame until the rest of it arrives', () => {
      const decoder = new FrameDecoder(MAX_FRAME_BYTES);
      const third = frame(payload(50, 3));
      const chunk = concat([frame(payload(10, 1)), frame(payload(20, 2)), third.subarray(0, 7)]);
      assert.deepEqual(feed(decoder, [chunk]).map(hex), [payload(10, 1), payload(20, 2)].map(hex));
      assert.equal(decoder.bufferedBytes, 7);
      assert.deepEqual(feed(decoder, [third.subarray(7)]).map(hex), [hex(payload(50, 3))]);
      assert.equal(decoder.bufferedBytes, 0);
    });

    it('returns any sequence of frames unchanged however the stream is split', () => {
      fc.assert(
        fc.property(
          fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 12 }),
          fc.array(fc.nat(), { maxLength: 40 }),
          (frames, cuts) => {
            const all = concat(frames.map((p) => frame(p)));
            const decoder = new FrameDecoder(MAX_FRAME_BYTES);
            assert.deepEqual(feed(decoder, splitAt(all, cuts)).map(hex), frames.map(hex));
            assert.equal(decoder.bufferedBytes, 0);
          },
        ),
      );
    });

    it('returns the same frames whether chunks are Buffers or Uint8Array views at an offset', () => {
      fc.assert(
        fc.property(
          fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }),
          fc.array(fc.nat(), { maxLength: 20 }),
          fc.nat({ max: 16 }),
          (frames, cuts, pad) => {
            const all = concat(frames.map((p) => frame(p)));
            const views = splitAt(all, cuts).map((c) => {
              // The chunk lives at a nonzero offset inside a bigger ArrayBuffer.
              const backing = new Uint8Array(c.length + pad * 2).fill(0xee);
              backing.set(c, pad);
              return backing.subarray(pad, pad + c.length);
            });
            const buffers = splitAt(all, cuts).map((c) => Buffer.from(c));
            const fromViews = feed(new FrameDecoder(MAX_FRAME_BYTES), views);
            const fromBuffers = feed(new FrameDecoder(MAX_FRAME_BYTES), buffers);
            assert.deepEqual(fromViews.map(hex), frames.map(hex));
            assert.deepEqual(fromBuffers.map(hex), frames.map(hex));
          },
        ),
      );
    });

    it('returns zero-length frames as empty payloads', () => {
      const decoder = new FrameDecoder(MAX_PRELOGIN_FRAME_BYTES);
      assert.deepEqual(
        decoder.push(Uint8Array.of(0, 0, 0)).map((f) => f.length),
        [0, 0, 0],
      );
      const mixed = concat([frame(new Uint8Array(0)), frame(payload(3)), frame(new Uint8Array(0))]);
      assert.deepEqual(feed(decoder, bytesOneByOne(mixed)).map(hex), ['', hex(payload(3)), '']);
      assert.equal(decoder.bufferedBytes, 0);
    });

    it('returns nothing for an empty chunk', () => {
      const decoder = new FrameDecoder(MAX_FRAME_BYTES);
      assert.deepEqual(decoder.push(new Uint8Array(0)), []);
      const framed = frame(payload(10));
      decoder.push(framed.subarray(0, 4));
      assert.deepEqual(decoder.push(new Uint8Array(0)), []);
      assert.equal(decoder.bufferedBytes, 4);
      assert.deepEqual(feed(decoder, [framed.subarray(4)]).map(hex), [hex(payload(10))]);
    });

    describe('limits', () => {
      it('accepts a frame of exactly the limit and refuses one byte more', () => {
        for (const limit of [MAX_PRELOGIN_FRAME_BYTES, MAX_FRAME_BYTES]) {
          const atLimit = feed(new FrameDecoder(limit), [frame(payload(limit))]);
          assert.equal(atLimit.length, 1);
          assert.equal(atLimit[0]?.length, limit);
          assert.throws(
            () => new FrameDecoder(limit).push(frame(payload(limit + 1))),
            protocolError(ProtocolCode.FrameTooLarge),
          );
        }
      });

      it('refuses a frame claiming 1 GiB from its length prefix alone, buffering nothing', () => {
        const header = varint(GIB);
        assert.equal(header.length, 5);
        for (const limit of [MAX_PRELOGIN_FRAME_BYTES, MAX_FRAME_BYTES]) {
          const decoder = new FrameDecoder(limit);
          assert.throws(() => decoder.push(header), protocolError(ProtocolCode.FrameTooLarge));
          assert.ok(decoder.bufferedBytes <= header.length, `buffered ${decoder.bufferedBytes}`);
        }
      });

      it('refuses an oversize length while its varint is still arriving, before the body', () => {
        // 1 GiB - 1 = ff ff ff ff 03: the partial value passes each limit after a few bytes.
        const header = varint(GIB - 1);
        assert.equal(hex(header), 'ffffffff03');
        for (const [limit, throwsAtByte] of [
          [MAX_PRELOGIN_FRAME_BYTES, 1], // 0x3fff > 2 KiB after two bytes
          [MAX_FRAME_BYTES, 2], // 0x1fffff > 256 KiB after three bytes
        ] as const) {
          const decoder = new FrameDecoder(limit);
          for (let i = 0; i < throwsAtByte; i++) {
            assert.deepEqual(decoder.push(header.subarray(i, i + 1)), []);
          }
          assert.throws(
            () => decoder.push(header.subarray(throwsAtByte, throwsAtByte + 1)),
            protocolError(ProtocolCode.FrameTooLarge),
          );
          assert.ok(decoder.bufferedBytes < header.length, `buffered ${decoder.bufferedBytes}`);
        }
      });

      it('refuses an oversize frame that follows valid frames in the same chunk', () => {
        const decoder = new FrameDecoder(MAX_PRELOGIN_FRAME_BYTES);
        const chunk = concat([frame(payload(10)), varint(GIB)]);
        assert.throws(() => decoder.push(chunk), protocolError(ProtocolCode.FrameTooLarge));
      });

      it('refuses a length prefix longer than five bytes with E_BAD_VARINT', () => {
        // Value 0, padded with continuation bytes: never over any limit, only too long.
        const padded = Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
        assert.throws(
          () => new FrameDecoder(MAX_FRAME_BYTES).push(padded),
          protocolError(ProtocolCode.BadVarint),
        );
        const decoder = new FrameDecoder(MAX_FRAME_BYTES);
        assert.throws(
          () => feed(decoder, bytesOneByOne(padded)),
          protocolError(ProtocolCode.BadVarint),
        );
      });

      it('accepts a non-minimal length prefix of five bytes', () => {
        // 3 written as 83 80 80 80 00: legal protobuf, within the five-byte budget.
        const decoder = new FrameDecoder(MAX_PRELOGIN_FRAME_BYTES);
        const chunk = concat([Uint8Array.of(0x83, 0x80, 0x80, 0x80, 0x00), payload(3)]);
        assert.deepEqual(feed(decoder, [chunk]).map(hex), [hex(payload(3))]);
      });

      it('refuses a frame one byte over the pre-login limit until the limit is raised', () => {
        const big = frame(payload(MAX_PRELOGIN_FRAME_BYTES + 1));
        assert.throws(
          () => new FrameDecoder(MAX_PRELOGIN_FRAME_BYTES).push(big),
          protocolError(ProtocolCode.FrameTooLarge),
        );

        const decoder = new FrameDecoder(MAX_PRELOGIN_FRAME_BYTES);
        assert.deepEqual(feed(decoder, [frame(payload(100))]).length, 1);
        decoder.setMaxFrameBytes(MAX_FRAME_BYTES);
        const frames = feed(decoder, [big]);
        assert.deepEqual(frames.map(hex), [hex(payload(MAX_PRELOGIN_FRAME_BYTES + 1))]);
        // The raised limit still holds.
        assert.throws(
          () => decoder.push(frame(payload(MAX_FRAME_BYTES + 1))),
          protocolError(ProtocolCode.FrameTooLarge),
        );
      });

      it('applies a raised limit to a frame whose length prefix is still incomplete', () => {
        const decoder = new FrameDecoder(MAX_PRELOGIN_FRAME_BYTES);
        const body = payload(MAX_FRAME_BYTES);
        const framed = frame(body);
        // The first varint byte alone (0x80) says nothing yet about the size.
        assert.deepEqual(decoder.push(framed.subarray(0, 1)), []);
        decoder.setMaxFrameBytes(MAX_FRAME_BYTES);
        assert.deepEqual(feed(decoder, [framed.subarray(1)]).map(hex), [hex(body)]);
      });
    });
  });
});
