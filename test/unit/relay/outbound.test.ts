/**
 * A connection's outgoing side on its own (outbound.ts), over a stream that records
 * each write: frames of one turn leave in one write, and a delayed frame (a durable
 * SendAck) waits for the next frame of its connection or for its delay, never reordered.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { setImmediate as turn } from 'node:timers/promises';
import {
  OUTBOUND_DELAYED_MAX_FRAMES,
  OUTBOUND_JOIN_MAX_BYTES,
  OUTBOUND_PIECE_BYTES,
  Outbound,
} from '../../../src/relay/outbound.js';
import { DelayedFlush, LOAD_SAMPLE_MS } from '../../../src/util/delayed-flush.js';
import { decodeFrame, encodeFrame } from '../../../src/wire/codec.js';
import { FrameDecoder, frame as framed } from '../../../src/wire/framing.js';

class Recorder extends Writable {
  writes: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.writes.push(chunk);
    done();
  }
  /**
   * The frame bodies written, in order, as their first byte (the tests' frame names), a
   * SendAck as its message id's first byte (checked as the codec reads it).
   */
  frames(): number[] {
    const decoder = new FrameDecoder(1 << 20);
    return this.writes
      .flatMap((w) => decoder.push(w))
      .map((f) => {
        if (f[0] !== SEND_ACK_TAG) return f[0]!;
        const ack = decodeFrame(f);
        assert.equal(ack.type, 'send-ack');
        return ack.type === 'send-ack' ? ack.msgId[0]! : -1;
      });
  }
}

/** A stream that takes each write only when the test says so: a client not reading yet. */
class SlowRecorder extends Recorder {
  private pending: (() => void)[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.writes.push(chunk);
    this.pending.push(done);
  }
  /** The kernel took what was written. */
  take(): void {
    for (const done of this.pending.splice(0)) done();
  }
}

const frame = (name: number) => Uint8Array.of(name, 0, 0);
/** A durable SendAck for a message id named `name` (its first byte), as the session queues it. */
const SEND_ACK_TAG = (7 << 3) | 2;
/** The SendAck's bytes as the codec writes them. */
const ackBody = ([msgId, code]: readonly [Uint8Array, 'stored' | 'delivered']) =>
  encodeFrame({ type: 'send-ack', msgId, code, reason: '' });
const ackOf = (name: number, code: 'stored' | 'delivered' = 'stored') => {
  const msgId = new Uint8Array(16).fill(name);
  return [msgId, code] as const;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The relay counts as busy (frames wait only then). */
const busy = () => true;

describe('relay/outbound: one write per turn, and frames that may wait', () => {
  it('writes every frame of one turn in one write, in order', async () => {
    const stream = new Recorder();
    const out = new Outbound(stream as never, () => {});
    for (const n of [1, 2, 3]) out.queue(frame(n));
    assert.equal(out.bufferedBytes, 3 * 4);
    await turn();
    assert.equal(stream.writes.length, 1);
    assert.deepEqual(stream.frames(), [1, 2, 3]);
  });

  it('holds a delayed frame past the turn and sends it with the next frame, first', async () => {
    const stream = new Recorder();
    const out = new Outbound(stream as never, () => {}, new DelayedFlush(10_000, { busy }));
    out.queueKeptAck(...ackOf(7));
    await turn();
    assert.equal(stream.writes.length, 0, 'nothing else to send: it waits');
    assert.equal(out.bufferedBytes, ackBody(ackOf(7)).length + 1, 'and the budgets see it');
    out.queue(frame(8));
    await turn();
    assert.equal(stream.writes.length, 1, 'one write for both');
    assert.deepEqual(stream.frames(), [7, 8]);
  });

  it('sends a delayed frame alone once its delay has passed', async () => {
    const stream = new Recorder();
    const out = new Outbound(stream as never, () => {}, new DelayedFlush(20, { busy }));
    out.queueKeptAck(...ackOf(7));
    out.queueKeptAck(...ackOf(9, 'delivered'));
    await turn();
    assert.equal(stream.writes.length, 0);
    await sleep(60);
    assert.equal(stream.writes.length, 1);
    assert.deepEqual(stream.frames(), [7, 9]);
  });

  it('does not hold more than OUTBOUND_DELAYED_MAX_FRAMES delayed frames past the turn', async () => {
    const stream = new Recorder();
    const out = new Outbound(stream as never, () => {}, new DelayedFlush(10_000, { busy }));
    for (let i = 0; i < OUTBOUND_DELAYED_MAX_FRAMES; i++) out.queueKeptAck(...ackOf(i));
    await turn();
    assert.equal(stream.writes.length, 1);
    assert.equal(stream.frames().length, OUTBOUND_DELAYED_MAX_FRAMES);
  });

  it('sends a delayed frame in the turn when the delay is 0 or there is no delayed flush', async () => {
    for (const delayed of [new DelayedFlush(0, { busy }), null]) {
      const stream = new Recorder();
      const out = new Outbound(stream as never, () => {}, delayed);
      out.queueKeptAck(...ackOf(7));
      await turn();
      assert.deepEqual(stream.frames(), [7]);
    }
  });

  it('sends a delayed frame in the turn while the relay is not busy', async () => {
    const stream = new Recorder();
    const out = new Outbound(
      stream as never,
      () => {},
      new DelayedFlush(10_000, { busy: () => false }),
    );
    out.queueKeptAck(...ackOf(7));
    await turn();
    assert.deepEqual(stream.frames(), [7]);
  });

  it('writes a frame at once while the relay and the connection are quiet; `flushed` runs after the turn', async () => {
    const stream = new Recorder();
    let flushed = 0;
    const quiet = new DelayedFlush(25, { busy: () => false });
    const out = new Outbound(stream as never, () => flushed++, quiet);
    out.queue(frame(1));
    assert.equal(stream.writes.length, 1, 'written before the end of the turn');
    assert.equal(flushed, 0, 'not from inside the caller');
    out.queue(frame(2));
    out.queue(frame(3));
    assert.equal(stream.writes.length, 1, 'a second frame in the turn waits for its end');
    await turn();
    assert.equal(stream.writes.length, 2);
    assert.deepEqual(stream.frames(), [1, 2, 3], 'in order');
    assert.equal(flushed, 2, 'after each write, at the end of the turn');
    out.queue(frame(4));
    assert.equal(flushed, 2);
    await turn();
    assert.equal(flushed, 3);
    assert.deepEqual(stream.frames(), [1, 2, 3, 4]);
  });

  it('keeps frames to the end of the turn while the relay is busy, or the stream has unsent bytes', async () => {
    const busyStream = new Recorder();
    const busyOut = new Outbound(busyStream as never, () => {}, new DelayedFlush(0, { busy }));
    busyOut.queue(frame(1));
    assert.equal(busyStream.writes.length, 0, 'busy, even with no delay set');
    await turn();
    assert.deepEqual(busyStream.frames(), [1]);

    const stuck: Buffer[] = [];
    const slow = new Writable({ write: (chunk: Buffer) => void stuck.push(chunk) }); // never done
    const quiet = new DelayedFlush(25, { busy: () => false });
    const out = new Outbound(slow as never, () => {}, quiet);
    out.queue(frame(1));
    assert.equal(stuck.length, 1, 'quiet: written at once');
    out.queue(frame(2));
    await turn();
    assert.equal(out.bufferedBytes, 8, 'the second waited for the turn and is counted');
    assert.equal(stuck.length, 1, 'the stream holds it behind the first');
  });

  it('counts the process busy after a turn that ran most of the last sample, idle after a quiet one', async () => {
    const delayed = new DelayedFlush(25);
    delayed.start();
    try {
      assert.equal(delayed.delaying, false, 'idle at start');
      const until = performance.now() + 3 * LOAD_SAMPLE_MS;
      while (performance.now() < until) {
        // a turn that keeps the event loop running past a whole sample
      }
      await sleep(LOAD_SAMPLE_MS / 2);
      assert.equal(delayed.delaying, true);
      await sleep(3 * LOAD_SAMPLE_MS);
      assert.equal(delayed.delaying, false);
    } finally {
      delayed.stop();
    }
  });

  it('writes one joined buffer to every connection that queued the same shared frames in a turn', async () => {
    const items = [1, 2, 3].map((n) => framed(frame(n)));
    const streams = [new Recorder(), new Recorder(), new Recorder()];
    const outs = streams.map((s) => new Outbound(s as never, () => {}));
    for (const out of outs.slice(0, 2)) for (const item of items) out.queueFramed(item);
    // The third connection also has a frame of its own: its bytes differ.
    for (const item of items) outs[2]!.queueFramed(item);
    outs[2]!.queue(frame(9));
    await turn();
    assert.deepEqual(
      streams.map((s) => s.frames()),
      [
        [1, 2, 3],
        [1, 2, 3],
        [1, 2, 3, 9],
      ],
    );
    assert.equal(streams[0]!.writes[0], streams[1]!.writes[0], 'one buffer for both');
    // The next turn's frames are new buffers: joined afresh.
    for (const out of outs.slice(0, 2)) out.queueFramed(framed(frame(4)));
    outs[0]!.queueFramed(framed(frame(5)));
    outs[1]!.queueFramed(framed(frame(5)));
    await turn();
    assert.deepEqual(streams[0]!.frames().slice(3), [4, 5]);
    assert.deepEqual(streams[1]!.frames().slice(3), [4, 5]);
    assert.notEqual(streams[0]!.writes[1], streams[1]!.writes[1]);
  });

  it('writes large frames as they are and joins the small ones around them, bodies and shared frames alike', async () => {
    const stream = new Recorder();
    const out = new Outbound(stream as never, () => {});
    const large = (name: number) => {
      const body = new Uint8Array(OUTBOUND_JOIN_MAX_BYTES + 100).fill(name);
      return body;
    };
    const bigBody = large(3);
    const bigShared = framed(large(5));
    const queued: Uint8Array[] = [];
    const body = (b: Uint8Array) => {
      out.queue(b);
      queued.push(framed(b));
    };
    const shared = (f: Buffer) => {
      out.queueFramed(f);
      queued.push(f);
    };
    body(frame(1));
    shared(framed(frame(2)));
    body(bigBody);
    body(frame(4));
    shared(bigShared);
    body(frame(6));
    await turn();
    assert.deepEqual(stream.frames(), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(Buffer.concat(stream.writes), Buffer.concat(queued), 'byte for byte');
    assert.ok(
      stream.writes.some((w) => w.buffer === bigShared.buffer),
      'a large shared frame is written as it is',
    );
    assert.ok(
      stream.writes.some((w) => w.buffer === bigBody.buffer),
      'a large body is not copied into a joined buffer',
    );
    assert.equal(out.bufferedBytes, 0);
  });

  it(`writes a turn over ${OUTBOUND_PIECE_BYTES} bytes in pieces, each once the one before was taken`, async () => {
    const stream = new SlowRecorder();
    let flushed = 0;
    const out = new Outbound(stream as never, () => flushed++);
    // A newcomer's roster: shared frames of 15 KiB, each the same buffer for every session.
    const chunks = Array.from({ length: 20 }, (_, i) => framed(new Uint8Array(15_000).fill(i)));
    for (const c of chunks) out.queueFramed(c);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    await turn();
    assert.equal(stream.writes.length, 1, 'one piece');
    const first = stream.writes[0]!.length;
    assert.ok(first >= OUTBOUND_PIECE_BYTES && first < OUTBOUND_PIECE_BYTES + 16_000, `${first}`);
    assert.equal(out.bufferedBytes, total, 'what waits still counts for the budgets');
    out.queue(frame(99));
    await turn();
    assert.equal(stream.writes.length, 1, 'a later frame waits behind the pieces');
    let rounds = 0;
    while (out.bufferedBytes > 0 && rounds++ < 20) {
      stream.take();
      await turn();
    }
    const want = Buffer.concat([...chunks, framed(frame(99))]);
    assert.deepEqual(Buffer.concat(stream.writes), want, 'every byte, in order');
    assert.ok(stream.writes.length >= Math.ceil(total / (OUTBOUND_PIECE_BYTES + 15_000)));
    assert.ok(flushed >= stream.writes.length - 1, '`flushed` runs as pieces go');
  });

  it('writes waiting SendAcks from their ids among bodies, shared and large frames, whole and in pieces', async () => {
    const stream = new SlowRecorder();
    const out = new Outbound(stream as never, () => {}, new DelayedFlush(10_000, { busy }));
    const want: Uint8Array[] = [];
    const ack = (name: number, code: 'stored' | 'delivered') => {
      const a = ackOf(name, code);
      out.queueKeptAck(...a);
      want.push(framed(ackBody(a)));
    };
    const body = (b: Uint8Array) => {
      out.queue(b);
      want.push(framed(b));
    };
    // A turn past a piece: a large body between acks, and a shared frame.
    ack(1, 'stored');
    body(new Uint8Array(OUTBOUND_JOIN_MAX_BYTES + 10).fill(2));
    ack(3, 'delivered');
    const shared = framed(frame(4));
    out.queueFramed(shared);
    want.push(shared);
    for (let i = 0; i < 8; i++) body(new Uint8Array(15_000).fill(10 + i));
    ack(5, 'stored');
    body(frame(6));
    const total = want.reduce((n, b) => n + b.length, 0);
    assert.equal(out.bufferedBytes, total, 'each ack counted as the bytes it will be');
    await turn();
    for (let rounds = 0; out.bufferedBytes > 0 && rounds < 20; rounds++) {
      stream.take();
      await turn();
    }
    assert.ok(stream.writes.length > 1, 'in pieces');
    assert.deepEqual(Buffer.concat(stream.writes), Buffer.concat(want), 'byte for byte');
    // And in one joined write, acks alone and with a body.
    const one = new Recorder();
    const out1 = new Outbound(one as never, () => {}, new DelayedFlush(10_000, { busy }));
    const a = ackOf(7, 'delivered');
    const b = ackOf(8);
    out1.queueKeptAck(...a);
    out1.queueKeptAck(...b);
    out1.queue(frame(9));
    await turn();
    assert.equal(one.writes.length, 1);
    assert.deepEqual(
      one.writes[0],
      Buffer.concat([framed(ackBody(a)), framed(ackBody(b)), framed(frame(9))]),
    );
  });

  it('counts a login roster apart until the kernel took each of its bytes', async () => {
    const stream = new SlowRecorder();
    const out = new Outbound(stream as never, () => {});
    out.queue(frame(1));
    const chunks = Array.from({ length: 10 }, (_, i) => framed(new Uint8Array(15_000).fill(i)));
    out.queueRoster(chunks);
    out.queue(frame(2));
    const roster = chunks.reduce((n, c) => n + c.length, 0);
    assert.equal(out.rosterBytes, roster, 'the roster alone, not the frames around it');
    assert.equal(out.bufferedBytes, roster + 8, 'bufferedBytes still counts everything');
    await turn();
    const first = stream.writes[0]!.length;
    assert.equal(out.rosterBytes, roster, 'the first piece is in the stream, not taken yet');
    stream.take();
    await turn();
    assert.equal(out.rosterBytes, roster - (first - 4), 'the first piece taken');
    let rounds = 0;
    let last = out.rosterBytes;
    while (out.rosterBytes > 0 && rounds++ < 20) {
      stream.take();
      await turn();
      assert.ok(out.rosterBytes < last, 'each piece takes some of it');
      last = out.rosterBytes;
    }
    assert.equal(out.rosterBytes, 0);
    stream.take();
    await turn();
    assert.deepEqual(stream.frames(), [1, ...chunks.map((_, i) => i), 2], 'in order');
    // A frame queued after the roster was taken never counts as roster.
    out.queue(frame(3));
    assert.equal(out.rosterBytes, 0);
  });

  it('keeps what comes while the stream asks to wait, and writes it together once it drains', async () => {
    const stream = new SlowRecorder();
    let flushed = 0;
    const out = new Outbound(stream as never, () => flushed++);
    out.queue(new Uint8Array(10_000).fill(1));
    out.queue(new Uint8Array(10_000).fill(1));
    await turn();
    assert.equal(stream.writes.length, 1);
    assert.equal(stream.writableNeedDrain, true, "past the stream's high-water mark");
    const update = framed(new Uint8Array(1000).fill(2));
    for (let i = 0; i < 3; i++) {
      out.queueRoster([update]);
      out.queue(frame(3));
      await turn();
    }
    assert.equal(stream.writableLength, 20_004, 'nothing more goes into the stream meanwhile');
    assert.equal(out.rosterBytes, 3 * update.length, 'the roster frames still wait, shared');
    stream.take();
    await turn();
    assert.equal(stream.writes.length, 2, 'then all that waited, in one write');
    for (let i = 0; i < 5; i++) {
      stream.take();
      await turn();
    }
    assert.equal(stream.writes.length, 2);
    assert.deepEqual(stream.frames(), [1, 1, 2, 3, 2, 3, 2, 3]);
    assert.equal(out.bufferedBytes, 0);
    assert.ok(flushed >= 2);
  });

  it("runs `flushed` once the stream took a write it kept under its high-water mark, which no 'drain' announces", async () => {
    for (const quiet of [false, true]) {
      const stream = new SlowRecorder();
      let flushed = 0;
      const delayed = quiet ? new DelayedFlush(25, { busy: () => false }) : null;
      const out = new Outbound(stream as never, () => flushed++, delayed);
      out.queue(new Uint8Array(1000).fill(1));
      await turn();
      assert.equal(stream.writes.length, 1);
      assert.equal(flushed, 1, 'after the write');
      assert.equal(out.bufferedBytes, 1002, 'the stream still holds it');
      assert.equal(stream.writableNeedDrain, false, "under the high-water mark: no 'drain' comes");
      stream.take();
      await turn();
      assert.equal(out.bufferedBytes, 0);
      // A catch-up that stopped at its push budget for these bytes alone resumes only so.
      assert.equal(
        flushed,
        2,
        `and once it was taken (${quiet ? 'written at once' : 'at the turn'})`,
      );
      stream.take();
      await turn();
      assert.equal(flushed, 2, 'once');
    }
  });

  it('does not write a frame at once past pieces that wait', async () => {
    const stream = new Recorder();
    const quiet = new DelayedFlush(25, { busy: () => false });
    const out = new Outbound(stream as never, () => {}, quiet);
    for (let i = 0; i < 10; i++) out.queueFramed(framed(new Uint8Array(15_000).fill(1)));
    out.flush();
    assert.equal(stream.writes.length, 1, 'the first piece');
    assert.equal(stream.writableLength, 0, 'taken at once: the stream has nothing unsent');
    out.queue(frame(7));
    assert.equal(stream.writes.length, 1, 'the quiet relay does not write it at once');
    await turn();
    await turn();
    await turn();
    assert.equal(stream.frames().at(-1), 7, 'after the pieces, not between them');
    assert.equal(out.bufferedBytes, 0);
  });

  it('writes all that waits at once when the session closes', async () => {
    const stream = new SlowRecorder();
    const out = new Outbound(stream as never, () => {});
    const chunks = Array.from({ length: 10 }, (_, i) => framed(new Uint8Array(15_000).fill(i)));
    for (const c of chunks) out.queueFramed(c);
    await turn();
    out.queue(frame(42));
    out.flushAll();
    assert.equal(out.bufferedBytes, stream.writableLength, 'all handed to the stream');
    stream.take();
    await turn();
    assert.equal(stream.writes.length, 2, 'the piece under way, then everything else');
    assert.deepEqual(Buffer.concat(stream.writes), Buffer.concat([...chunks, framed(frame(42))]));
  });

  it('keeps only what waits, not every piece it wrote, when pieces always wait', async () => {
    const stream = new SlowRecorder();
    const out = new Outbound(stream as never, () => {});
    const held = out as unknown as { rest: unknown[]; restAt: number };
    const sent: Buffer[] = [];
    const queue = (n: number) => {
      for (let i = 0; i < n; i++) {
        const f = framed(new Uint8Array(30_000).fill(sent.length & 0xff));
        out.queueFramed(f);
        sent.push(f);
      }
    };
    queue(15); // a backlog of five pieces, so that pieces always wait from here on
    await turn();
    let worst = 0;
    for (let round = 0; round < 40; round++) {
      queue(3);
      await turn();
      for (let i = 0; i < 3; i++) {
        stream.take();
        await turn();
      }
      worst = Math.max(worst, held.restAt - (held.rest.length - held.restAt));
    }
    for (let i = 0; i < 100 && out.bufferedBytes > 0; i++) {
      stream.take();
      await turn();
    }
    assert.deepEqual(Buffer.concat(stream.writes), Buffer.concat(sent), 'every byte, in order');
    assert.ok(worst <= 0, `entries written and still held exceeded those waiting by ${worst}`);
  });
});
