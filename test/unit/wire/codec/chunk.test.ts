import assert from 'node:assert/strict';
import { decodeFileChunkFast } from '../../../../src/wire/codec/chunk.js';
import {
  chunkFrame,
  decodeFrame,
  encodeFrame,
  encodeFrameReference,
} from '../../../../src/wire/codec.js';
import { ProtocolCode } from '../../../../src/wire/errors.js';
import { FrameDecoder, frame as framed } from '../../../../src/wire/framing.js';
// Tests may use the generated code to craft hostile input.
import { natter as pb } from '../../../../src/wire/gen/natter.js';
import {
  MAX_FILE_BYTES,
  MAX_FILE_CHUNK_DATA_BYTES,
  MAX_FRAME_BYTES,
  MIN_FILE_CHUNK_BYTES,
} from '../../../../src/wire/limits.js';
import type { FrameOf } from '../../../../src/wire/types.js';
import { bytes, hex, protocolError } from './samples.js';

const MAX_INDEX = MAX_FILE_BYTES / MIN_FILE_CHUNK_BYTES;
const chunk = (index: number, dataBytes: number): FrameOf<'file-chunk'> => ({
  type: 'file-chunk',
  transferId: bytes(16, 0xa1),
  index,
  data: bytes(dataBytes, index & 0xff),
});

describe('wire/codec: FileChunk by hand (chunk.ts)', () => {
  const indexes = [0, 1, 127, 128, 16_383, 16_384, 262_143, MAX_INDEX];
  const sizes = [16, 17, 127, 128, 4096 + 16, 65_536 + 16, MAX_FILE_CHUNK_DATA_BYTES];

  it('encodes the same bytes as protobufjs, and chunkFrame lays out the same frame with the data left to fill', () => {
    for (const index of indexes) {
      for (const size of sizes) {
        const f = chunk(index, size);
        const reference = encodeFrameReference(f);
        assert.equal(hex(encodeFrame(f)), hex(reference), `${index} ${size}`);
        const { bytes: out, dataAt } = chunkFrame(f.transferId, index, size);
        out.set(f.data, dataAt);
        assert.equal(dataAt + size, out.byteLength, 'the data ends the frame');
        assert.equal(hex(out), hex(framed(reference)), `chunkFrame ${index} ${size}`);
      }
    }
  });

  it('decodes its own and protobufjs layouts to the same frame, the data a view of the body', () => {
    for (const index of indexes) {
      for (const size of [16, 4096 + 16, MAX_FILE_CHUNK_DATA_BYTES]) {
        const f = chunk(index, size);
        const body = encodeFrameReference(f);
        const fast = decodeFileChunkFast(body);
        assert.ok(fast, `${index} ${size}`);
        assert.deepEqual({ ...fast, data: new Uint8Array(fast.data) }, f);
        assert.equal(fast.data.buffer, body.buffer, 'no copy of the data');
        assert.deepEqual(decodeFrame(body), fast);
      }
    }
  });

  it('comes whole out of the frame decoder fed byte by byte', () => {
    const f = chunk(300, 4096 + 16);
    const wire = framed(encodeFrame(f));
    const decoder = new FrameDecoder(MAX_FRAME_BYTES);
    const out: Uint8Array[] = [];
    for (const b of wire) out.push(...decoder.push(Uint8Array.of(b)));
    assert.equal(out.length, 1);
    const got = decodeFrame(out[0]!) as FrameOf<'file-chunk'>;
    assert.equal(got.index, 300);
    assert.equal(hex(got.transferId), hex(f.transferId));
    assert.equal(hex(got.data), hex(f.data));
  });

  it('leaves other layouts and other frames to the generic decoder', () => {
    // Fields out of order (data before the id): valid protobuf, not the fast layout.
    const reordered = Buffer.concat([
      Buffer.from([0xda, 0x01, 16 + 2 + 2 + 16]),
      Buffer.from([0x1a, 16]),
      Buffer.from(bytes(16, 7)),
      Buffer.from([0x0a, 16]),
      Buffer.from(bytes(16, 0xa1)),
    ]);
    assert.equal(decodeFileChunkFast(reordered), null);
    assert.deepEqual(decodeFrame(reordered), {
      type: 'file-chunk',
      transferId: bytes(16, 0xa1),
      index: 0,
      data: bytes(16, 7),
    });
    assert.equal(decodeFileChunkFast(encodeFrame({ type: 'ping', nonce: 5 })), null);
    assert.equal(decodeFileChunkFast(new Uint8Array([0xda])), null);
  });

  it('refuses a chunk whose data is shorter than a tag or longer than the largest chunk, or whose index is out of range', () => {
    const craft = (index: number, data: Uint8Array) =>
      pb.Frame.encode({ fileChunk: { transferId: bytes(16, 1), index, data } }).finish();
    assert.throws(() => decodeFrame(craft(1, bytes(15, 1))), protocolError(ProtocolCode.BadLength));
    assert.throws(
      () => decodeFrame(craft(1, bytes(MAX_FILE_CHUNK_DATA_BYTES + 1, 1))),
      protocolError(ProtocolCode.BadLength),
    );
    assert.throws(
      () => decodeFrame(craft(MAX_INDEX + 1, bytes(16, 1))),
      protocolError(ProtocolCode.BadValue),
    );
    assert.throws(() => chunkFrame(bytes(15, 1), 0, 16), protocolError(ProtocolCode.BadLength));
    assert.throws(() => chunkFrame(bytes(16, 1), -1, 16), protocolError(ProtocolCode.BadValue));
    assert.throws(() => chunkFrame(bytes(16, 1), 0, 15), protocolError(ProtocolCode.BadLength));
  });
});
