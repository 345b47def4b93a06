/**
 * Relay throughput, latency, memory and drain (issue 2 §7).
 *
 * For 50 and 500 connected clients, client i sends to client i+1: sealed
 * payloads of 200 bytes of plaintext, durable on the relay before each ack.
 *  1. saturation: every client keeps a window of sends in flight; we count
 *     deliveries per second at the recipients;
 *  2. latency at half that rate: sends paced evenly, time from send to delivery;
 *  3. drain: 100,000 messages queued for an offline client, then it connects
 *     and acks as it reads; deliveries per second and relay peak RSS.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BoxKeyring } from '../../src/crypto/box.js';
import { generateIdentity, type Identity } from '../../src/crypto/keys.js';
import { randomBytes } from '../../src/crypto/random.js';
import { toHex } from '../../src/util/bytes.js';
import { encodeFrame } from '../../src/wire/codec.js';
import { frame as framed } from '../../src/wire/framing.js';
import { MAX_ACK_SEQS } from '../../src/wire/limits.js';
import { RawClient } from '../../test/helpers/raw-client.js';
import { fmt, percentile, type RelayProcess, sleep, spawnRelay } from './util.js';

const PLAINTEXT_BYTES = 200;
const WINDOW = 32;

interface Peer {
  id: Identity;
  client: RawClient;
  /** A pre-sealed payload to the next peer; the relay cannot tell it from a fresh one. */
  sealed: { nonce: Uint8Array; ciphertext: Uint8Array };
  to: Uint8Array;
  inflight: number;
  onAck?: () => void;
}

async function connectPeers(relay: RelayProcess, n: number, prefix: string): Promise<Peer[]> {
  const ids = Array.from({ length: n }, () => generateIdentity());
  const peers: Peer[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = ids.slice(i, i + 50).map(async (id, j) => {
      const { client } = await RawClient.login(relay.port, id, `${prefix}${i + j}`);
      client.keep = false;
      return client;
    });
    const clients = await Promise.all(batch);
    clients.forEach((client, j) => {
      const id = ids[i + j]!;
      const next = ids[(i + j + 1) % n]!;
      const sealed = new BoxKeyring(id.boxSk).seal(next.boxPk, randomBytes(PLAINTEXT_BYTES));
      peers.push({ id, client, sealed, to: next.signPk, inflight: 0 });
    });
  }
  return peers;
}

function sendOne(p: Peer, sentAt?: Map<string, number>): void {
  const msgId = randomBytes(16);
  if (sentAt) sentAt.set(toHex(msgId), performance.now());
  p.inflight++;
  p.client.writeRaw(
    framed(
      encodeFrame({
        type: 'send',
        to: p.to,
        msgId,
        nonce: p.sealed.nonce,
        ciphertext: p.sealed.ciphertext,
      }),
    ),
  );
}

/** Wires acks and deliveries; returns counters. Recipients ack every delivery (batched per tick). */
function instrument(peers: Peer[], onDeliver?: (msgIdHex: string) => void) {
  const counters = { delivered: 0, acked: 0, refused: 0 };
  for (const p of peers) {
    let pendingAcks: number[] = [];
    p.client.onFrame = (f) => {
      if (f.type === 'send-ack') {
        p.inflight--;
        if (f.code === 'stored') counters.acked++;
        else counters.refused++;
        p.onAck?.();
      } else if (f.type === 'deliver') {
        counters.delivered++;
        onDeliver?.(toHex(f.msgId));
        if (pendingAcks.length === 0) {
          setImmediate(() => {
            for (let i = 0; i < pendingAcks.length; i += MAX_ACK_SEQS) {
              p.client.send({ type: 'deliver-ack', seqs: pendingAcks.slice(i, i + MAX_ACK_SEQS) });
            }
            pendingAcks = [];
          });
        }
        pendingAcks.push(f.seq);
      }
    };
  }
  return counters;
}

async function saturation(peers: Peer[], seconds: number): Promise<number> {
  let running = true;
  const counters = instrument(peers);
  for (const p of peers) {
    p.onAck = () => {
      if (running) sendOne(p);
    };
    for (let i = 0; i < WINDOW; i++) sendOne(p);
  }
  await sleep(1000); // warm-up
  const start = counters.delivered;
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const rate = ((counters.delivered - start) * 1000) / (performance.now() - t0);
  running = false;
  while (peers.some((p) => p.inflight > 0)) await sleep(50);
  await sleep(300);
  return rate;
}

async function latency(peers: Peer[], rate: number, seconds: number) {
  const sentAt = new Map<string, number>();
  const samples: number[] = [];
  instrument(peers, (id) => {
    const t = sentAt.get(id);
    if (t !== undefined) {
      samples.push(performance.now() - t);
      sentAt.delete(id);
    }
  });
  for (const p of peers) delete p.onAck;
  const tickMs = 5;
  const perTick = (rate * tickMs) / 1000;
  let owed = 0;
  let next = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    owed += perTick;
    while (owed >= 1) {
      sendOne(peers[next]!, sentAt);
      next = (next + 1) % peers.length;
      owed--;
    }
    await sleep(tickMs);
  }
  await sleep(500);
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), n: samples.length };
}

async function drain(relay: RelayProcess, total: number) {
  const senders = await connectPeers(relay, 10, 'drain-s');
  const target = generateIdentity();
  const reg = await RawClient.login(relay.port, target, 'drain-target');
  reg.client.close();
  await sleep(100);
  for (const s of senders) s.to = target.signPk;
  const counters = instrument(senders);
  const per = total / senders.length;
  await Promise.all(
    senders.map(
      (s) =>
        new Promise<void>((resolve) => {
          let sent = 0;
          const pump = () => {
            while (s.inflight < 256 && sent < per) {
              sendOne(s);
              sent++;
            }
            if (sent >= per && s.inflight === 0) resolve();
          };
          s.onAck = pump;
          pump();
        }),
    ),
  );
  if (counters.acked !== total) throw new Error(`only ${counters.acked} of ${total} stored`);
  // VmHWM so far is the fill phase's peak; the drain's own peak is sampled below.
  const filled = await relay.memory();
  const t0 = performance.now();
  const { client } = await RawClient.login(relay.port, target, 'drain-target', 'login');
  client.keep = false;
  const peer: Peer = {
    id: target,
    client,
    sealed: senders[0]!.sealed,
    to: target.signPk,
    inflight: 0,
  };
  const got = instrument([peer]);
  let peak = filled.rssMb;
  while (got.delivered < total) {
    await sleep(100);
    peak = Math.max(peak, (await relay.memory()).rssMb);
    if (performance.now() - t0 > 120_000) throw new Error(`drain stalled at ${got.delivered}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  for (const s of senders) s.client.close();
  client.close();
  return { rate: total / seconds, seconds, peakMb: peak, fillPeakMb: filled.peakMb };
}

export async function runRelayBench(): Promise<void> {
  console.log('relay benchmark: 1:1 sealed messages (200-byte plaintext), durable before ack');
  const sizes = process.env.NATTER_BENCH_CLIENTS?.split(',').map(Number) ?? [50, 500];
  for (const n of sizes) {
    const relay = await spawnRelay();
    try {
      const peers = await connectPeers(relay, n, `c${n}-`);
      const rate = await saturation(peers, 5);
      // Let LevelDB finish compacting the saturation run's writes and deletes, so
      // the latency figure is steady half load, not the tail of the overload.
      await sleep(3000);
      const genLoop = monitorEventLoopDelay({ resolution: 5 });
      genLoop.enable();
      relay.child.kill('SIGUSR2'); // resets the relay's event-loop histogram
      const lat = await latency(peers, rate / 2, 8);
      if (process.env.NATTER_BENCH_LOOP) {
        relay.child.kill('SIGUSR2');
        const ms = (ns: number) => (ns / 1e6).toFixed(1);
        console.log(
          `  generator event loop: p50 ${ms(genLoop.percentile(50))} ms, p99 ${ms(genLoop.percentile(99))} ms, max ${ms(genLoop.max)} ms`,
        );
      }
      genLoop.disable();
      const mem = await relay.memory();
      console.log(
        `  ${String(n).padStart(3)} clients: ${fmt(rate)} msg/s delivered at saturation; ` +
          `at ${fmt(rate / 2)} msg/s: p50 ${fmt(lat.p50, 2)} ms, p99 ${fmt(lat.p99, 2)} ms ` +
          `(${fmt(lat.n)} samples); relay RSS ${fmt(mem.rssMb)} MB (peak ${fmt(mem.peakMb)} MB)`,
      );
      for (const p of peers) p.client.close();
    } finally {
      await relay.stop();
    }
  }
  if (process.env.NATTER_BENCH_SKIP_DRAIN) return;
  const relay = await spawnRelay();
  try {
    const d = await drain(relay, 100_000);
    console.log(
      `  drain: 100,000 queued messages to a reconnecting client in ${fmt(d.seconds, 2)} s = ` +
        `${fmt(d.rate)} msg/s; relay peak RSS during drain ${fmt(d.peakMb)} MB ` +
        `(while 10 senders filled the mailbox as fast as they could: ${fmt(d.fillPeakMb)} MB)`,
    );
  } finally {
    await relay.stop();
  }
}
