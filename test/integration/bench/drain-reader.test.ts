/**
 * The relay bench's drain reader (scripts/bench/relay-load.ts, loginCounting) counts the
 * deliveries that arrive in the same read as the Ready: a relay on a loaded machine got
 * its first catch-up write into the client's socket before the client read the Ready,
 * and the bench, counting only from after the login, waited 120 s for 148 messages it
 * had been given (docs/decisions.md, "A drain that stopped short").
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { loginCounting, templateTo } from '../../../scripts/bench/relay-load.js';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { randomBytes } from '../../../src/crypto/random.js';
import { FakeRelay } from '../../helpers/fake-relay.js';
import { cardOf } from '../../helpers/raw-client.js';

/** Deliveries written in the one write that carries the Ready (well under a 64 KiB read). */
const WITH_READY = 40;

describe('the relay bench drain reader (integration, loopback)', () => {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;

  afterEach(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
  });

  it('counts and acks the deliveries read in the same chunk as the Ready', async () => {
    const target = generateIdentity();
    const card = cardOf(target, 'drain-target');
    const sender = cardOf(generateIdentity(), 'drain-s0');
    const acked: number[] = [];
    server = net.createServer((socket) => {
      sockets.add(socket);
      new FakeRelay(socket, (relay, f) => {
        if (f.type === 'hello') relay.sendChallenge(f.clientNonce);
        if (f.type === 'deliver-ack') acked.push(...f.seqs);
        if (f.type !== 'login') return;
        // What a relay's first catch-up write and the Ready look like to a client that read
        // its socket late: one chunk.
        socket.cork();
        relay.send({ type: 'ready', card, pending: WITH_READY, serverTimeMs: 1 });
        for (let seq = 1; seq <= WITH_READY; seq++) {
          const msgId = new Uint8Array(16);
          new DataView(msgId.buffer).setFloat64(0, performance.now(), true);
          const [nonce, ciphertext] = [randomBytes(24), randomBytes(216)];
          relay.send({
            type: 'deliver',
            seq,
            from: sender,
            msgId,
            nonce,
            ciphertext,
            storedAtMs: 1,
          });
        }
        socket.uncork();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const send = templateTo(generateIdentity().boxSk, target);
    const read = await loginCounting({ port, plain: true }, target, 'drain-target', send);
    sockets.add(read.client.socket);
    const deadline = performance.now() + 5_000;
    while (acked.length < WITH_READY && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    read.stop();
    assert.equal(read.counters.delivered, WITH_READY, 'each delivery counted');
    assert.deepEqual(
      acked,
      Array.from({ length: WITH_READY }, (_, i) => i + 1),
      'and acknowledged',
    );
  });
});
