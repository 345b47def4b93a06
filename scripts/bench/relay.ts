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
 *  5. connection setup: one client at a time, TCP (and TLS) connect, then Hello to
 *     Ready (a login); and the time to connect all N clients, 50 at a time.
 *
 * Every phase runs twice in the same run (issue 10): against a relay with the secure
 * channel (TLS 1.3, as shipped) and against the same relay serving plain TCP
 * (NATTER_BENCH_PLAIN, the baseline), at the same offered load, and the ratios are
 * printed against issue 10's floor (throughput >= 0.8x, p99 <= 1.25x of plain).
 * The hostile phase runs on a fresh TLS relay, quiet and then flooded at the same rate.
 *
 * Switches: NATTER_BENCH_LINKS=tls,plain (which links, in that order; the first one's
 * saturation rate sets the half load for all); NATTER_BENCH_CLIENTS=50,500 (0: the
 * drain alone); NATTER_BENCH_SKIP_DRAIN=1; NATTER_BENCH_SKIP_HOSTILE=1;
 * NATTER_BENCH_RATES=8000,16000 (extra fixed-rate latency phases first, for a
 * latency curve); NATTER_BENCH_HALF_RATE=N (the half-load and hostile phases at N msgs/s,
 * for A/B runs); NATTER_BENCH_LOOP=1 (event-loop delay of relay and generator);
 * NATTER_BENCH_PHASE_PROF=FILE (relay CPU profile of the half-load phase).
 */

import type net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BoxKeyring } from '../../src/crypto/box.js';
import { generateIdentity } from '../../src/crypto/keys.js';
import { randomBytes } from '../../src/crypto/random.js';
import { encodeFrame } from '../../src/wire/codec.js';
import { frame as framed } from '../../src/wire/framing.js';
import { CLIENT_FEATURES, MAX_ACK_SEQS, PROTOCOL_VERSION } from '../../src/wire/limits.js';
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

type Link = 'tls' | 'plain';

const linkName = (relay: RelayProcess): string => (relay.plain ? 'plain' : 'TLS');

async function connectPeers(relay: RelayProcess, n: number, prefix: string): Promise<Peer[]> {
  const ids = Array.from({ length: n }, () => generateIdentity());
  const peers: Peer[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = ids.slice(i, i + 50).map(async (id, j) => {
      const { client } = await RawClient.login(relay.port, id, `${prefix}${i + j}`, 'register', {
        plain: relay.plain,
        features: CLIENT_FEATURES,
      });
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
  const plain = { plain: relay.plain };
  const reg = await RawClient.login(relay.port, target, 'drain-target', 'register', plain);
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
  const { client } = await RawClient.login(relay.port, target, 'drain-target', 'login', plain);
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
        'register',
        { plain: relay.plain },
      );
      return client.socket;
    },
    Buffer.concat(Array.from({ length: 1024 }, () => lookups)),
  );
  const hello = framed(
    encodeFrame({
      type: 'hello',
      version: PROTOCOL_VERSION,
      clientNonce: randomBytes(32),
      features: 0,
    }),
  );
  const ping = framed(encodeFrame({ type: 'ping', nonce: 1 }));
  const floodPings = flood(
    async () => {
      const { socket } = await RawClient.connect(relay.port, { plain: relay.plain });
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

/**
 * Connection setup per client: `count` registered identities log in one at a time, each on
 * a new connection (TCP and, on the TLS relay, the TLS 1.3 handshake), then Hello to Ready.
 */
async function setupTimes(relay: RelayProcess, count: number, prefix: string) {
  const plain = { plain: relay.plain };
  const ids = Array.from({ length: count }, () => generateIdentity());
  for (let i = 0; i < count; i += 50) {
    const batch = ids.slice(i, i + 50).map(async (id, j) => {
      const { client } = await RawClient.login(
        relay.port,
        id,
        `${prefix}${i + j}`,
        'register',
        plain,
      );
      client.close();
      await client.closed;
    });
    await Promise.all(batch);
  }
  const channelMs: number[] = [];
  const readyMs: number[] = [];
  for (const [i, id] of ids.entries()) {
    const t0 = performance.now();
    const client = await RawClient.connect(relay.port, plain);
    channelMs.push(performance.now() - t0);
    client.send(client.authFrame(await client.hello(), id, `${prefix}${i}`, 'login'));
    const reply = await client.next((f) => f.type === 'ready' || f.type === 'error');
    if (reply.type !== 'ready') throw new Error(`bench: login refused: ${JSON.stringify(reply)}`);
    readyMs.push(performance.now() - t0);
    client.close();
    await client.closed;
  }
  channelMs.sort((a, b) => a - b);
  readyMs.sort((a, b) => a - b);
  return {
    channelP50: percentile(channelMs, 50),
    channelP99: percentile(channelMs, 99),
    readyP50: percentile(readyMs, 50),
    readyP99: percentile(readyMs, 99),
  };
}

interface LinkFigures {
  rate: number;
  cpuUsPerMessage: number;
  lat: Latency;
  connectAllMs: number;
}

/** Saturation, then the half-load latency at `halfRate` (or half this run's saturation). */
async function measureLink(
  relay: RelayProcess,
  n: number,
  extraRates: number[],
  halfRate: number | null,
): Promise<LinkFigures> {
  const label = linkName(relay).padEnd(5);
  const t0 = performance.now();
  const peers = await connectPeers(relay, n, `c${n}-`);
  const connectAllMs = performance.now() - t0;
  try {
    const { rate, cpuUsPerMessage } = await saturation(relay, peers, 5);
    console.log(
      `  ${String(n).padStart(3)} clients, ${label}: ${fmt(rate)} msg/s delivered at saturation; ` +
        `relay CPU ${fmt(cpuUsPerMessage, 1)} µs per message; all ${n} connected in ` +
        `${fmt(connectAllMs)} ms (50 at a time)`,
    );
    // Let LevelDB finish compacting the saturation run's writes and deletes, so
    // the latency figure is steady half load, not the tail of the overload.
    await sleep(3000);
    for (const r of extraRates) {
      console.log(`      ${label} ${describeLatency(await latency(peers, r, 6))}`);
      await sleep(2000);
    }
    const genLoop = monitorEventLoopDelay({ resolution: 5 });
    genLoop.enable();
    relay.child.kill('SIGUSR2'); // starts the phase: loop histogram reset, phase profile
    const lat = await latency(peers, halfRate ?? rate / 2, 8);
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
      `      ${label} half load ${describeLatency(lat)}; relay RSS ${fmt(mem.rssMb)} MB (peak ${fmt(mem.peakMb)} MB)`,
    );
    const setup = await setupTimes(relay, 200, `setup${n}-`);
    console.log(
      `      ${label} connection setup per client (one at a time, 200 logins): ` +
        `${relay.plain ? 'TCP connect' : 'TCP + TLS 1.3 handshake'} p50 ${fmt(setup.channelP50, 2)} ms, ` +
        `p99 ${fmt(setup.channelP99, 2)} ms; to Ready p50 ${fmt(setup.readyP50, 2)} ms, p99 ${fmt(setup.readyP99, 2)} ms`,
    );
    return { rate, cpuUsPerMessage, lat, connectAllMs };
  } finally {
    for (const p of peers) p.client.close();
  }
}

/**
 * Issue 8's floor, on a fresh TLS relay (no saturation phase before it, whose
 * garbage would count in RSS): n clients at `rate`, first quiet, then while one
 * client floods Lookups without reading and one floods Pings before login.
 */
async function hostileFresh(n: number, rate: number): Promise<void> {
  const relay = await spawnRelay({ plain: false });
  const peers = await connectPeers(relay, n, `h${n}-`);
  try {
    await sleep(2000);
    const quiet = await latency(peers, rate, 8);
    const quietMem = await relay.memory();
    await sleep(1000);
    const h = await hostile(relay, peers, rate, 8);
    console.log(
      `  ${String(n).padStart(3)} clients on a fresh relay at ${fmt(rate)} msg/s: quiet ${describeLatency(quiet)}; ` +
        `relay RSS ${fmt(quietMem.rssMb)} MB`,
    );
    console.log(
      `      with a non-reading Lookup flooder and a pre-login Ping flooder: ${describeLatency(h.lat)}; ` +
        `relay peak RSS in the phase ${fmt(h.peakMb)} MB (floor < 300 MB); p99 ${fmt(h.lat.p99 / quiet.p99, 2)}x ` +
        `the quiet run's (floor: not doubled); flooders wrote ${fmt(h.lookupsSent.mb, 1)} MB / ` +
        `${fmt(h.pingsSent.mb, 1)} MB and were closed ${h.lookupsSent.closedByRelay} / ` +
        `${h.pingsSent.closedByRelay} times`,
    );
  } finally {
    for (const p of peers) p.client.close();
    await relay.stop();
  }
}

export async function runRelayBench(): Promise<void> {
  console.log('relay benchmark: 1:1 sealed messages (200-byte plaintext), durable before ack');
  const sizes = (process.env.NATTER_BENCH_CLIENTS?.split(',').map(Number) ?? [50, 500]).filter(
    (n) => n > 0,
  );
  const extraRates = process.env.NATTER_BENCH_RATES?.split(',').map(Number) ?? [];
  const links = (process.env.NATTER_BENCH_LINKS ?? 'tls,plain')
    .split(',')
    .filter((l): l is Link => l === 'tls' || l === 'plain');
  for (const n of sizes) {
    const figures: Partial<Record<Link, LinkFigures>> = {};
    // NATTER_BENCH_HALF_RATE=N: this offered load instead of half the first saturation (A/B runs).
    let halfRate: number | null = Number(process.env.NATTER_BENCH_HALF_RATE) || null;
    for (const link of links) {
      const relay = await spawnRelay({ plain: link === 'plain' });
      try {
        const f = await measureLink(relay, n, extraRates, halfRate);
        figures[link] = f;
        // The same offered load for every link, so the p99s compare like with like.
        halfRate ??= f.rate / 2;
      } finally {
        await relay.stop();
      }
    }
    if (!process.env.NATTER_BENCH_SKIP_HOSTILE && halfRate !== null) {
      await hostileFresh(n, halfRate);
    }
    const { tls, plain } = figures;
    if (tls && plain) {
      const throughput = tls.rate / plain.rate;
      const p99 = tls.lat.p99 / plain.lat.p99;
      console.log(
        `      TLS / plain at ${n} clients: throughput ${fmt(throughput, 2)}x (floor 0.8x: ` +
          `${throughput >= 0.8 ? 'met' : 'NOT met'}), half-load delivery p99 ${fmt(p99, 2)}x ` +
          `(ceiling 1.25x: ${p99 <= 1.25 ? 'met' : 'NOT met'}), CPU per message ` +
          `${fmt(tls.cpuUsPerMessage / plain.cpuUsPerMessage, 2)}x`,
      );
    }
  }
  if (process.env.NATTER_BENCH_SKIP_DRAIN) return;
  for (const link of links) {
    const relay = await spawnRelay({ plain: link === 'plain' });
    try {
      const d = await drain(relay, 100_000);
      console.log(
        `  drain, ${linkName(relay)}: 100,000 queued messages to a reconnecting client in ${fmt(d.seconds, 2)} s = ` +
          `${fmt(d.rate)} msg/s; relay peak RSS during drain ${fmt(d.peakMb)} MB ` +
          `(while 10 senders filled the mailbox as fast as they could: ${fmt(d.fillPeakMb)} MB)`,
      );
    } finally {
      await relay.stop();
    }
  }
}
