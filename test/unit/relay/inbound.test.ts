/**
 * A connection's incoming side on its own: an in-memory stream, a stand-in session
 * and a manual clock. What arrives is decoded in order whatever the chunking, frames
 * received while the gate holds the session wait and are dispatched in order after,
 * and every fault ends in one coded fail() on the session.
 */
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { Inbound, type InboundLink } from '../../../src/relay/inbound.js';
import { InflightShares } from '../../../src/relay/inflight.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from '../../../src/relay/limits.js';
import { ManualClock } from '../../../src/util/clock.js';
import { encodeFrame } from '../../../src/wire/codec.js';
import { lengthPrefix } from '../../../src/wire/framing.js';
import { MAX_PRELOGIN_FRAME_BYTES } from '../../../src/wire/limits.js';
import type { Frame } from '../../../src/wire/types.js';
import { duplexPair } from '../../helpers/duplex.js';

class Link implements InboundLink {
  bufferedBytes = 0;
  softBudget = 1 << 20;
  fileUploadBytes = 0;
  closed = false;
  failures: string[] = [];
  accounted = 0;
  isClosing(): boolean {
    return this.closed;
  }
  account(): void {
    this.accounted++;
  }
  fail(code: string): void {
    this.failures.push(code);
    this.closed = true;
  }
}

const ping = (nonce: number): Buffer => {
  const body = encodeFrame({ type: 'ping', nonce });
  return Buffer.concat([lengthPrefix(body.byteLength), body]);
};

/** Lets the stream deliver what was written. */
const turn = () => new Promise((r) => setImmediate(r));

function setup(
  limits: Partial<RelayLimits> = {},
  handle?: (f: Frame, inbound: Inbound) => boolean,
) {
  const clock = new ManualClock();
  const all = { ...DEFAULT_RELAY_LIMITS, ...limits };
  const link = new Link();
  const [relaySide, clientSide] = duplexPair();
  const nonces: number[] = [];
  const inbound: Inbound = new Inbound(
    relaySide,
    link,
    (frame) => {
      if (handle && !handle(frame, inbound)) return false;
      if (frame.type === 'ping') nonces.push(frame.nonce);
      return true;
    },
    { limits: all, clock, inflight: new InflightShares(all) },
  );
  return { clock, link, inbound, client: clientSide as Duplex, nonces };
}

describe("inbound (a connection's incoming side)", () => {
  it('dispatches whole frames in order, fed a byte at a time', async () => {
    const { link, inbound, client, nonces } = setup();
    const bytes = Buffer.concat([ping(1), ping(2), ping(3)]);
    for (const b of bytes) {
      client.write(Buffer.of(b));
      await turn();
    }
    assert.deepEqual(nonces, [1, 2, 3]);
    assert.equal(inbound.heldBytes, 0);
    assert.deepEqual(link.failures, []);
    inbound.clearTimers();
  });

  it('holds the frames behind one that waits for its token, and dispatches them in order once it is due', async () => {
    const { clock, link, inbound, client, nonces } = setup(
      { handshakeFramesBurst: 1, handshakeFramesPerSecond: 1 },
      (_f, i) => i.takeToken('handshake'),
    );
    client.write(Buffer.concat([ping(1), ping(2), ping(3)]));
    await turn();
    assert.deepEqual(nonces, [1]);
    assert.ok(inbound.heldBytes > 0, 'the waiting frames count as held');
    clock.advance(1000);
    assert.deepEqual(nonces, [1, 2]);
    clock.advance(1000);
    assert.deepEqual(nonces, [1, 2, 3]);
    assert.equal(inbound.heldBytes, 0);
    assert.ok(link.accounted > 0, 'what it holds is reported to the budget');
    assert.deepEqual(link.failures, []);
    inbound.clearTimers();
  });

  it('fails the session on a frame over the limit (E_FRAME_TOO_LARGE), and reads nothing after', async () => {
    const { link, inbound, client, nonces } = setup();
    client.write(Buffer.concat([lengthPrefix(MAX_PRELOGIN_FRAME_BYTES + 1), ping(1)]));
    await turn();
    client.write(ping(2));
    await turn();
    assert.deepEqual(link.failures, ['E_FRAME_TOO_LARGE']);
    assert.deepEqual(nonces, []);
    inbound.clearTimers();
  });

  it('fails the session with the code a handler throws, and dispatches nothing after it', async () => {
    const { link, inbound, client, nonces } = setup({}, (f) => {
      if (f.type === 'ping' && f.nonce === 2) {
        throw Object.assign(new Error('handler: refused'), { code: 'E_UNEXPECTED_FRAME' });
      }
      return true;
    });
    client.write(Buffer.concat([ping(1), ping(2), ping(3)]));
    await turn();
    assert.deepEqual(nonces, [1]);
    assert.deepEqual(link.failures, ['E_UNEXPECTED_FRAME']);
    inbound.clearTimers();
  });

  it('fails the session when a started frame does not complete within partialFrameTimeoutMs (E_FRAME_TIMEOUT)', async () => {
    const { clock, link, inbound, client } = setup({ partialFrameTimeoutMs: 500 });
    client.write(ping(1).subarray(0, 2));
    await turn();
    assert.ok(inbound.heldBytes > 0);
    clock.advance(499);
    assert.deepEqual(link.failures, []);
    clock.advance(1);
    assert.deepEqual(link.failures, ['E_FRAME_TIMEOUT']);
    inbound.clearTimers();
  });
});
