import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import {
  FrameWriter,
  MAX_LINK_QUEUED_BYTES,
  WRITE_SLICE_BYTES,
} from '../../../../src/peer/link/writer.js';
import { isNatterError } from '../../../../src/util/errors.js';
import { decodeFrame, encodeFrame } from '../../../../src/wire/codec.js';
import { FrameDecoder, frame as lengthPrefix } from '../../../../src/wire/framing.js';
import { MAX_FRAME_BYTES } from '../../../../src/wire/limits.js';
import type { Frame } from '../../../../src/wire/types.js';
import { backpressuredPair, duplexPair } from '../../../helpers/duplex.js';

const KIB = 1024;

/** A Send frame of about `bytes` whose msg id carries `n`, so order can be checked. */
function numbered(n: number, bytes = 8 * KIB): Frame {
  const msgId = new Uint8Array(16);
  new DataView(msgId.buffer).setUint32(0, n);
  return {
    type: 'send',
    to: new Uint8Array(32).fill(1),
    msgId,
    nonce: new Uint8Array(24).fill(2),
    ciphertext: new Uint8Array(bytes).fill(n & 0xff),
  };
}

const numberOf = (f: Frame) =>
  f.type === 'send' ? new DataView(f.msgId.buffer, f.msgId.byteOffset).getUint32(0) : -1;

/** The reading end: decodes what arrives, in order. Starts paused: it reads nothing until resume(). */
function reader(socket: Duplex) {
  const decoder = new FrameDecoder(MAX_FRAME_BYTES);
  const got: number[] = [];
  const onData = (chunk: Buffer) => {
    for (const bytes of decoder.push(chunk)) got.push(numberOf(decodeFrame(bytes)));
  };
  return {
    got,
    resume: () => socket.on('data', onData),
    pause: () => socket.off('data', onData).pause(),
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(test: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!test()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await wait(2);
  }
}

describe('link writer: coalescing and backpressure', () => {
  it('sends every frame written in one turn as one socket write', async () => {
    const [client, relay] = duplexPair();
    const writes: number[] = [];
    const write = client.write.bind(client);
    client.write = ((chunk: Buffer, ...rest: never[]) => {
      writes.push(chunk.length);
      return write(chunk, ...rest);
    }) as typeof client.write;
    const r = reader(relay);
    r.resume();
    const writer = new FrameWriter(client);
    for (let i = 0; i < 5; i++) writer.write(numbered(i, 100));
    await turn();
    assert.equal(writes.length, 1);
    await until(() => r.got.length === 5, 'five frames');
    assert.deepEqual(r.got, [0, 1, 2, 3, 4]);
  });

  it('stops writing at a peer that does not read, stays bounded, and delivers everything in order once it reads', async () => {
    const [client, relay] = backpressuredPair(16 * KIB);
    const r = reader(relay);
    const highWaterBytes = 64 * KIB;
    const writer = new FrameWriter(client, { highWaterBytes });
    const total = 1000; // about 8 MiB, far beyond every buffer on the way
    let written = 0;
    let maxHeld = 0;
    let drains = 0;
    writer.on('drain', () => drains++);
    const producer = (async () => {
      while (written < total) {
        if (!writer.writable) await writer.whenWritable();
        writer.write(numbered(written++));
        maxHeld = Math.max(maxHeld, writer.queuedBytes + client.writableLength);
      }
      writer.flush();
    })();

    await wait(50);
    assert.ok(written < total / 4, `the producer waits for the reader (wrote ${written})`);
    assert.equal(writer.writable, false);
    const stalledAt = written;
    await wait(20);
    assert.equal(written, stalledAt, 'nothing more is written while the peer does not read');

    r.resume();
    await producer;
    await until(() => r.got.length === total, 'every frame');
    assert.deepEqual(
      r.got,
      Array.from({ length: total }, (_, i) => i),
    );
    // Held by the writer and the socket together: the high-water mark, one slice
    // the socket took past its own mark, and a frame or two of slack.
    const bound = highWaterBytes + WRITE_SLICE_BYTES + 16 * KIB + 2 * 9 * KIB;
    assert.ok(maxHeld <= bound, `held ${maxHeld} bytes, bound ${bound}`);
    assert.ok(drains > 0, "'drain' announced the link writable again");
    assert.equal(writer.queuedBytes, 0);
  });

  it('refuses with E_LINK_FULL a caller that ignores backpressure, at the bound and not beyond', async () => {
    const [client, relay] = backpressuredPair(16 * KIB);
    const r = reader(relay);
    const maxQueuedBytes = 256 * KIB;
    const writer = new FrameWriter(client, { highWaterBytes: 64 * KIB, maxQueuedBytes });
    let accepted = 0;
    let refusal: unknown;
    for (let i = 0; i < 200; i++) {
      try {
        writer.write(numbered(i));
        accepted++;
      } catch (err) {
        refusal = err;
        break;
      }
      if (i % 10 === 9) await turn();
    }
    assert.ok(isNatterError(refusal, 'E_LINK_FULL'), 'a coded refusal');
    assert.ok(writer.queuedBytes <= maxQueuedBytes);
    assert.ok(accepted < 200);
    r.resume();
    await until(() => r.got.length === accepted, 'the accepted frames');
    assert.deepEqual(
      r.got,
      Array.from({ length: accepted }, (_, i) => i),
    );
  });

  it('sends a frame framed already (writeFramed) as it is, in order, counted against the bound', async () => {
    const [client, relay] = backpressuredPair(16 * KIB);
    const r = reader(relay);
    const writer = new FrameWriter(client, { highWaterBytes: 64 * KIB, maxQueuedBytes: 256 * KIB });
    const framed = (n: number) => lengthPrefix(encodeFrame(numbered(n, 40 * KIB)));
    writer.write(numbered(0, 100));
    writer.writeFramed(framed(1));
    writer.write(numbered(2, 100));
    assert.ok(writer.queuedBytes > 40 * KIB, 'the framed bytes are queued like any frame');
    let sent = 3;
    let refusal: unknown;
    while (refusal === undefined && sent < 20) {
      try {
        writer.writeFramed(framed(sent));
        sent++;
      } catch (err) {
        refusal = err;
      }
    }
    assert.ok(isNatterError(refusal, 'E_LINK_FULL'), 'the bound holds for framed bytes too');
    assert.ok(writer.queuedBytes <= 256 * KIB);
    r.resume();
    await until(() => r.got.length === sent, 'every accepted frame');
    assert.deepEqual(
      r.got,
      Array.from({ length: sent }, (_, i) => i),
    );
  });

  it('has a default bound of sixteen largest frames', () => {
    assert.equal(MAX_LINK_QUEUED_BYTES, 16 * MAX_FRAME_BYTES);
  });

  it('fails whoever waits for writable when the socket closes', async () => {
    const [client] = backpressuredPair(1 * KIB);
    const writer = new FrameWriter(client, { highWaterBytes: 4 * KIB });
    writer.write(numbered(1));
    assert.equal(writer.writable, false);
    const waiting = writer.whenWritable();
    writer.close();
    await assert.rejects(waiting, (e) => isNatterError(e, 'E_OFFLINE'));
    await assert.rejects(writer.whenWritable(), (e) => isNatterError(e, 'E_OFFLINE'));
  });

  it('ends the socket only after everything queued has been written', async () => {
    const [client, relay] = backpressuredPair(4 * KIB);
    const r = reader(relay);
    const writer = new FrameWriter(client);
    for (let i = 0; i < 20; i++) writer.write(numbered(i, 4 * KIB));
    writer.end();
    let ended = false;
    relay.on('end', () => {
      ended = true;
    });
    await wait(20);
    assert.equal(ended, false, 'not ended while frames wait');
    r.resume();
    await until(() => ended, 'end');
    assert.equal(r.got.length, 20);
  });
});
