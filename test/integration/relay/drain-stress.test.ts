/**
 * A randomized drain (docs/decisions.md, "A drain that stopped short"): a small window of
 * unacknowledged deliveries, small catch-up reads and a small push budget, acks of random
 * batches at random times, the client's socket paused now and then (so the relay's writes
 * wait for 'drain'), and new mail from another sender while the catch-up runs. Every
 * message stored must arrive, once and in order, within a bound. NATTER_DRAIN_SEEDS=N runs
 * N seeds (a hunt); the suite runs a few.
 */
import assert from 'node:assert/strict';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { MAX_BATCH_DELIVERIES } from '../../../src/peer/messaging/incoming.js';
import type { RelayLimits } from '../../../src/relay/limits.js';
import type { Frame } from '../../../src/wire/types.js';
import { RawClient, sealedSend } from '../../helpers/raw-client.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';

/** Every message must have arrived within this of the drain's start. */
const DRAIN_BOUND_MS = 8_000;
const SEEDS = Number(process.env.NATTER_DRAIN_SEEDS ?? 8);

/** A small seeded generator (a test's randomness must be replayable from its seed). */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `count` messages of random lengths to `to` and waits for every SendAck. */
async function sendAll(
  from: RawClient,
  to: Uint8Array,
  count: number,
  rand: (n: number) => number,
): Promise<void> {
  let acked = 0;
  const done = new Promise<void>((resolve) => {
    from.onFrame = (f) => {
      if (f.type === 'send-ack' && ++acked === count) resolve();
    };
  });
  for (let i = 0; i < count; i++) from.send(sealedSend(to, 'x'.repeat(1 + rand(1500))));
  await done;
}

describe('a drain with a small window, random acks and live mail (integration, loopback)', () => {
  let t: TestRelay | null = null;
  const clients: RawClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t?.close();
    t = null;
  });

  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`delivers every stored and live message, once and in order (seed ${seed})`, async function () {
      this.timeout(DRAIN_BOUND_MS + 20_000);
      const rand = rng(seed * 2654435761);
      // One seed in three a window wider than the socket takes: the push budget stops the pump.
      const wide = rand(3) === 0;
      const limits: Partial<RelayLimits> = {
        maxUnackedDeliveries: wide ? 4096 : 7 + rand(58),
        maxUnackedDeliveryBytes: (wide ? 8192 : 2 + rand(15)) * 1024,
        // From under the socket's 16 KiB high-water mark, where no 'drain' follows a write.
        maxSessionBufferedBytes: (1 + rand(64)) * 1024,
        catchUpBatchMessages: 3 + rand(40),
      };
      t = await startTestRelay({ tls: seed % 2 === 0, limits });
      const plain = seed % 2 !== 0;
      const login = async (name: string, mode: 'register' | 'login', id = generateIdentity()) => {
        const { client } = await RawClient.login(t!.port, id, name, mode, { plain });
        clients.push(client);
        return { client, id };
      };
      const alice = await login('alice', 'register');
      const carol = await login('carol', 'register');
      const bob = await login('bob', 'register');
      bob.client.close();
      alice.client.keep = false;
      carol.client.keep = false;
      const stored = wide ? 1500 + rand(1500) : 150 + rand(250);
      await sendAll(alice.client, bob.id.signPk, stored, rand);

      const live = 20 + rand(80);
      const again = await login('bob', 'login', bob.id);
      const t0 = performance.now();
      const seqs: number[] = [];
      const failures: string[] = [];
      let owed: number[] = [];
      again.client.keep = false;
      const take = (f: Frame) => {
        if (f.type === 'error') failures.push(f.code);
        if (f.type !== 'deliver') return;
        seqs.push(f.seq);
        owed.push(f.seq);
      };
      // Frames read with the Ready, before this handler was set, are kept: they count too.
      for (const f of again.client.frames.splice(0)) take(f);
      again.client.onFrame = take;

      // Acks of random prefixes of what is owed, at random times; the socket paused now and then.
      let running = true;
      const ackRand = rng(seed * 40503 + 1);
      const acker = (async () => {
        while (running) {
          await sleep(ackRand(12));
          if (owed.length > 0) {
            const most = Math.min(owed.length, MAX_BATCH_DELIVERIES);
            const n = ackRand(3) === 0 ? most : 1 + ackRand(most);
            again.client.send({ type: 'deliver-ack', seqs: owed.slice(0, n) });
            owed = owed.slice(n);
          }
          if (ackRand(8) === 0) {
            again.client.socket.pause();
            await sleep(ackRand(wide ? 80 : 30));
            again.client.socket.resume();
          }
        }
      })();
      const sender = sendAll(carol.client, bob.id.signPk, live, rng(seed * 7919 + 3));

      const total = stored + live;
      while (seqs.length < total && performance.now() - t0 < DRAIN_BOUND_MS) await sleep(20);
      running = false;
      await acker;
      await sender;
      assert.deepEqual(failures, [], 'the session was not ended');
      assert.equal(
        seqs.length,
        total,
        `stopped at ${seqs.length} of ${total} with ${JSON.stringify(limits)}`,
      );
      assert.equal(new Set(seqs).size, total, 'each once');
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
        'in order',
      );
    });
  }
});
