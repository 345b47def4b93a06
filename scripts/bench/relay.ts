/**
 * Relay throughput, latency, memory and drain (issue 2 §7).
 *
 * For 50 and 500 connected clients, client i sends to client i+1: sealed
 * payloads of 200 bytes of plaintext, durable on the relay before each ack.
 *  1. saturation: every client keeps a window of sends in flight; we count
 *     deliveries per second at the recipients;
 *  2. latency at half that rate: sends paced by the clock (a late timer sends
 *     what is owed, so the offered rate is the stated one), time from send to
 *     delivery, and to the sender's durable ack;
 *  3. drain: 100,000 messages queued for an offline client, then it connects
 *     and acks as it reads; deliveries per second and relay peak RSS.
 *  4. hostile (issue 8): the half-load latency phase again while one logged-in
 *     client floods Lookups and never reads (reconnecting whenever it is closed)
 *     and one unauthenticated client floods Pings after Hello; relay peak RSS
 *     sampled every 100 ms, and the others' latency beside the quiet figure.
 *
 * Switches: NATTER_BENCH_CLIENTS=50,500 (0: the drain alone); NATTER_BENCH_SKIP_DRAIN=1;
 * NATTER_BENCH_RATES=8000,16000 (extra fixed-rate latency phases first, for a
 * latency curve); NATTER_BENCH_LOOP=1 (event-loop delay of relay and generator);
 * NATTER_BENCH_PHASE_PROF=FILE (relay CPU profile of the half-load phase).
 */

import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BoxKeyring } from '../../src/crypto/box.js';
import { generateIdentity } from '../../src/crypto/keys.js';
import { randomBytes } from '../../src/crypto/random.js';
import { encodeFrame } from '../../src/wire/codec.js';
import { frame as framed } from '../../src/wire/framing.js';
import { MAX_ACK_SEQS, PROTOCOL_VERSION } from '../../src/wire/limits.js';
import { RawClient } from '../../test/helpers/raw-client.js';
import { peek, type SendTemplate, sendTemplate, stamp, TickWriter } from './lean-wire.js';
import { fmt, percentile, type RelayProcess, sleep, spawnRelay } from './util.js';

const PLAINTEXT_BYTES = 200;
const WINDOW = 32;
/**
 * The real client acknowledges deliveries after its own group-committed history
 * write, so acks leave in bursts every few milliseconds, not one per delivery.
 * The generator does the same: every ACK_EVERY_MS, each peer acks what it got.
 */
const ACK_EVERY_MS = 10;

interface Peer {
  client: RawClient;
  /** Send to the next peer, pre-sealed: the relay cannot tell it from a fresh one. */
  send: SendTemplate;
  inflight: number;
  onAck?: () => void;
}

const writer = new TickWriter();
// A message id carries its send time (float64 ms) and a counter: unique, and the
// receiver reads the latency from the id itself; no random bytes, no lookup table.
let idCounter = 0;

function sendOne(p: Peer): void {
  p.inflight++;
  writer.write(p.client.socket, stamp(p.send, performance.now(), idCounter++));
}

function templateTo(boxSk: Uint8Array, to: { boxPk: Uint8Array; signPk: Uint8Array }) {
  const sealed = new BoxKeyring(boxSk).seal(to.boxPk, randomBytes(PLAINTEXT_BYTES));
  return sendTemplate(to.signPk, sealed.nonce, sealed.ciphertext);
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
      peers.push({ client, send: templateTo(id.boxSk, next), inflight: 0 });
    });
  }
  return peers;
}

interface Probes {
  /** Send to delivery, per delivered message. */
  delivered?: (latencyMs: number) => void;
  /** Send to the sender's durable ack. */
  stored?: (latencyMs: number) => void;
}

/** Wires acks and deliveries; returns counters and a stop function for the ack timer. */
function instrument(peers: Peer[], probes: Probes = {}) {
  const counters = { delivered: 0, acked: 0, refused: 0 };
  const owed = new Map<Peer, number[]>();
  for (const p of peers) {
    p.client.onRawFrame = (bytes) => {
      const f = peek(bytes);
      if (f === null) return false;
      const now = performance.now();
      if (f.kind === 'send-ack') {
        p.inflight--;
        if (f.stored) {
          counters.acked++;
          probes.stored?.(now - f.sentAtMs);
        } else counters.refused++;
        p.onAck?.();
      } else {
        counters.delivered++;
        probes.delivered?.(now - f.sentAtMs);
        const seqs = owed.get(p);
        if (seqs) seqs.push(f.seq);
        else owed.set(p, [f.seq]);
      }
      return true;
    };
  }
  const timer = setInterval(() => {
    for (const [p, seqs] of owed) {
      for (let i = 0; i < seqs.length; i += MAX_ACK_SEQS) {
        const ack = encodeFrame({ type: 'deliver-ack', seqs: seqs.slice(i, i + MAX_ACK_SEQS) });
        writer.write(p.client.socket, Buffer.from(framed(ack)));
      }
    }
    owed.clear();
  }, ACK_EVERY_MS);
  return { counters, stop: () => clearInterval(timer) };
}

async function saturation(
  relay: RelayProcess,
  peers: Peer[],
  seconds: number,
): Promise<{ rate: number; cpuUsPerMessage: number }> {
  let running = true;
  const { counters, stop } = instrument(peers);
  for (const p of peers) {
    p.onAck = () => {
      if (running) sendOne(p);
    };
    for (let i = 0; i < WINDOW; i++) sendOne(p);
  }
  await sleep(1000); // warm-up
  const start = counters.delivered;
  const cpu0 = await relay.cpuSeconds();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const delivered = counters.delivered - start;
  const rate = (delivered * 1000) / (performance.now() - t0);
  const cpuUsPerMessage = (((await relay.cpuSeconds()) - cpu0) * 1e6) / delivered;
  running = false;
  while (peers.some((p) => p.inflight > 0)) await sleep(50);
  await sleep(300);
  stop();
  return { rate, cpuUsPerMessage };
}

async function latency(peers: Peer[], rate: number, seconds: number) {
  const delivered: number[] = [];
  const stored: number[] = [];
  const { stop } = instrument(peers, {
    delivered: (ms) => delivered.push(ms),
    stored: (ms) => stored.push(ms),
  });
  for (const p of peers) delete p.onAck;
  // Every tick sends what the elapsed time owes, so a late timer does not lower the rate.
  const tickMs = 5;
  let sent = 0;
  let next = 0;
  const t0 = performance.now();
  for (let elapsed = 0; elapsed < seconds * 1000; elapsed = performance.now() - t0) {
    for (const owed = Math.floor((rate * elapsed) / 1000); sent < owed; sent++) {
      sendOne(peers[next]!);
      next = (next + 1) % peers.length;
    }
    await sleep(tickMs);
  }
  const offered = (sent * 1000) / (performance.now() - t0);
  await sleep(500);
  stop();
  delivered.sort((a, b) => a - b);
  stored.sort((a, b) => a - b);
  return {
    offered,
    n: delivered.length,
    p50: percentile(delivered, 50),
    p99: percentile(delivered, 99),
    ackP50: percentile(stored, 50),
    ackP99: percentile(stored, 99),
  };
}

type Latency = Awaited<ReturnType<typeof latency>>;

function describeLatency(l: Latency): string {
  return (
    `at ${fmt(l.offered)} msg/s: delivery p50 ${fmt(l.p50, 2)} ms, p99 ${fmt(l.p99, 2)} ms ` +
    `(${fmt(l.n)} samples); sender's durable ack p50 ${fmt(l.ackP50, 2)} ms, p99 ${fmt(l.ackP99, 2)} ms`
  );
}

async function drain(relay: RelayProcess, total: number) {
  const senders = await connectPeers(relay, 10, 'drain-s');
  const target = generateIdentity();
  const reg = await RawClient.login(relay.port, target, 'drain-target');
  reg.client.close();
  await sleep(100);
  for (const s of senders) s.send = templateTo(generateIdentity().boxSk, target);
  const { counters, stop: stopSenders } = instrument(senders);
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
  const reader: Peer = { client, send: senders[0]!.send, inflight: 0 };
  const { counters: got, stop } = instrument([reader]);
  let peak = filled.rssMb;
  while (got.delivered < total) {
    await sleep(100);
    peak = Math.max(peak, (await relay.memory()).rssMb);
    if (performance.now() - t0 > 120_000) throw new Error(`drain stalled at ${got.delivered}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  stop();
  stopSenders();
  for (const s of senders) s.client.close();
  client.close();
  return { rate: total / seconds, seconds, peakMb: peak, fillPeakMb: filled.peakMb };
}

/**
 * Writes `unit` as fast as the relay reads it and never reads a byte back; a new
 * connection (made by `connect`) whenever the relay closes one.
 */
function flood(connect: () => Promise<net.Socket>, unit: Buffer) {
  let running = true;
  let closedByRelay = 0;
  let bytes = 0;
  let socket: net.Socket | null = null;
  const loop = async () => {
    while (running) {
      const s = await connect().catch(() => null);
      if (!s) {
        await sleep(100);
        continue;
      }
      socket = s;
      s.pause();
      s.removeAllListeners('data');
      s.on('error', () => {});
      const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
      const write = () => {
        while (running && !s.destroyed) {
          bytes += unit.length;
          if (!s.write(unit)) {
            s.once('drain', write);
            return;
          }
        }
      };
      write();
      await closed;
      if (running) closedByRelay++;
    }
  };
  const done = loop();
  return {
    async stop() {
      running = false;
      socket?.destroy();
      await done;
      return { closedByRelay, mb: bytes / 1e6 };
    },
  };
}

async function hostile(relay: RelayProcess, peers: Peer[], rate: number, seconds: number) {
  const lookups = framed(
    encodeFrame({ type: 'lookup', requestId: 1, by: { pseudonym: 'c500-1' } }),
  );
  const floodLookups = flood(
    async () => {
      const { client } = await RawClient.login(
        relay.port,
        generateIdentity(),
        `flood${idCounter++}`,
      );
      return client.socket;
    },
    Buffer.concat(Array.from({ length: 1024 }, () => lookups)),
  );
  const hello = framed(
    encodeFrame({ type: 'hello', version: PROTOCOL_VERSION, clientNonce: randomBytes(32) }),
  );
  const ping = framed(encodeFrame({ type: 'ping', nonce: 1 }));
  const floodPings = flood(
    async () => {
      const socket = net.connect({ port: relay.port, host: '127.0.0.1' });
      await new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      socket.write(hello);
      return socket;
    },
    Buffer.concat(Array.from({ length: 1024 }, () => ping)),
  );
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await relay.memory()).rssMb);
      await sleep(100);
    }
  })();
  await sleep(1000); // the floods get going: the relay is holding what it will hold
  const lat = await latency(peers, rate, seconds);
  sampling = false;
  await sampler;
  const lookupsSent = await floodLookups.stop();
  const pingsSent = await floodPings.stop();
  return { lat, peakMb: peak, lookupsSent, pingsSent };
}

export async function runRelayBench(): Promise<void> {
  console.log('relay benchmark: 1:1 sealed messages (200-byte plaintext), durable before ack');
  const sizes = (process.env.NATTER_BENCH_CLIENTS?.split(',').map(Number) ?? [50, 500]).filter(
    (n) => n > 0,
  );
  const extraRates = process.env.NATTER_BENCH_RATES?.split(',').map(Number) ?? [];
  for (const n of sizes) {
    const relay = await spawnRelay();
    try {
      const peers = await connectPeers(relay, n, `c${n}-`);
      const { rate, cpuUsPerMessage } = await saturation(relay, peers, 5);
      console.log(
        `  ${String(n).padStart(3)} clients: ${fmt(rate)} msg/s delivered at saturation; ` +
          `relay CPU ${fmt(cpuUsPerMessage, 1)} µs per message`,
      );
      // Let LevelDB finish compacting the saturation run's writes and deletes, so
      // the latency figure is steady half load, not the tail of the overload.
      await sleep(3000);
      for (const r of extraRates) {
        console.log(`      ${describeLatency(await latency(peers, r, 6))}`);
        await sleep(2000);
      }
      const genLoop = monitorEventLoopDelay({ resolution: 5 });
      genLoop.enable();
      relay.child.kill('SIGUSR2'); // starts the phase: loop histogram reset, phase profile
      const lat = await latency(peers, rate / 2, 8);
      relay.child.kill('SIGUSR2'); // ends it: loop figures, phase profile written
      genLoop.disable();
      if (process.env.NATTER_BENCH_LOOP) {
        const ms = (ns: number) => (ns / 1e6).toFixed(1);
        console.log(
          `      generator event loop: p50 ${ms(genLoop.percentile(50))} ms, p99 ${ms(genLoop.percentile(99))} ms, max ${ms(genLoop.max)} ms`,
        );
      }
      const mem = await relay.memory();
      console.log(
        `      half load ${describeLatency(lat)}; relay RSS ${fmt(mem.rssMb)} MB (peak ${fmt(mem.peakMb)} MB)`,
      );
      if (!process.env.NATTER_BENCH_SKIP_HOSTILE) {
        await sleep(2000);
        const h = await hostile(relay, peers, rate / 2, 8);
        console.log(
          `      half load with a non-reading Lookup flooder and a pre-login Ping flooder: ` +
            `${describeLatency(h.lat)}; relay peak RSS in the phase ${fmt(h.peakMb)} MB; ` +
            `p99 ${fmt(h.lat.p99 / lat.p99, 2)}x the quiet run's; flooders wrote ` +
            `${fmt(h.lookupsSent.mb, 1)} MB / ${fmt(h.pingsSent.mb, 1)} MB and were closed ` +
            `${h.lookupsSent.closedByRelay} / ${h.pingsSent.closedByRelay} times`,
        );
      }
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
