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
 * NATTER_BENCH_PHASE_PROF=FILE (relay CPU profile of the half-load phase);
 * NATTER_BENCH_GEN_WORKERS=K (the saturation and latency phases' generator over K worker
 * threads; default 0, the main thread); NATTER_BENCH_PACE_WINDOW=N (the open-loop phases'
 * peers keep at most N sends in flight and queue the rest; by default the client's own
 * MAX_SENDS_IN_FLIGHT, 0 for none: relay-load.ts).
 */

import type net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { generateIdentity, type Identity } from '../../src/crypto/keys.js';
import { randomBytes } from '../../src/crypto/random.js';
import { encodeFrame } from '../../src/wire/codec.js';
import { frame as framed } from '../../src/wire/framing.js';
import { PROTOCOL_VERSION } from '../../src/wire/limits.js';
import { RawClient } from '../../test/helpers/raw-client.js';
import {
  clock,
  connectPeers,
  instrument,
  loginCounting,
  nextCounter,
  type PacedRaw,
  type Peer,
  pace,
  type Recipient,
  saturate,
  sendOne,
  templateTo,
} from './relay-load.js';
import type { ToWorker, WorkerInit } from './relay-load-worker.js';
import { fmt, percentile, type RelayProcess, sleep, spawnRelay } from './util.js';

const WINDOW = 32;

/**
 * Threads of the load generator (NATTER_BENCH_GEN_WORKERS=K; default 0: the main thread
 * alone): with K > 0, K worker threads each log in a share of the peers and drive them at
 * their share of the rate, in the saturation and latency phases, on their own event loops
 * and heaps (relay-load-worker.ts), so one thread's GC pause stalls only its own clients.
 * Measured on this machine (docs/decisions.md, "The relay bench's generator"), two threads
 * did not make the TLS/plain ratio steadier: the default stays one thread.
 */
const GEN_WORKERS = Number(process.env.NATTER_BENCH_GEN_WORKERS ?? 0);
/**
 * Seconds of the same load before each counted latency phase, not counted: a worker's code
 * is cold, and the relay's state just after saturation (its heap, LevelDB's compactions)
 * is not steady half load.
 */
const WARMUP_S = 3;

type Link = 'tls' | 'plain';

const linkName = (relay: RelayProcess): string => (relay.plain ? 'plain' : 'TLS');

/** n registered peers in a ring, client i sending to client i+1. */
interface Ring {
  ids: Identity[];
  names: string[];
  next: Recipient[];
}

function ring(n: number, prefix: string): Ring {
  const ids = Array.from({ length: n }, () => generateIdentity());
  return {
    ids,
    names: ids.map((_, i) => `${prefix}${i}`),
    next: ids.map((_, i) => ids[(i + 1) % n]!),
  };
}

async function connectRing(relay: RelayProcess, r: Ring, mode: 'register' | 'login') {
  return connectPeers(relay, r.ids, r.names, r.next, mode);
}

/** Percentiles of a phase's latencies, and the rate it offered. */
function summarise(raws: PacedRaw[]) {
  const delivered = raws.flatMap((r) => r.delivered).sort((a, b) => a - b);
  const stored = raws.flatMap((r) => r.stored).sort((a, b) => a - b);
  const sent = raws.reduce((t, r) => t + r.sent, 0);
  const elapsedMs = Math.max(...raws.map((r) => r.elapsedMs));
  return {
    offered: (sent * 1000) / elapsedMs,
    n: delivered.length,
    p50: percentile(delivered, 50),
    p99: percentile(delivered, 99),
    ackP50: percentile(stored, 50),
    ackP99: percentile(stored, 99),
  };
}

/**
 * Saturation for `seconds` after a second's warm-up, driven by `run` (the main thread's
 * peers, or the workers'); relay CPU read over the same window.
 */
async function saturation(
  relay: RelayProcess,
  run: (startAt: number, warmupMs: number, seconds: number) => Promise<number>,
  seconds: number,
): Promise<{ rate: number; cpuUsPerMessage: number }> {
  const startAt = clock() + 200;
  const warmupMs = 1000;
  const counted = run(startAt, warmupMs, seconds);
  await sleep(startAt + warmupMs - clock());
  const t0 = clock();
  const cpu0 = await relay.cpuSeconds();
  await sleep(startAt + warmupMs + seconds * 1000 - clock());
  const cores = ((await relay.cpuSeconds()) - cpu0) / ((clock() - t0) / 1000);
  const delivered = await counted;
  // Deliveries are counted over the exact window by their arrival times; the relay's CPU
  // between two reads this thread's timers made (late when it drives the load itself).
  return { rate: delivered / seconds, cpuUsPerMessage: (cores * seconds * 1e6) / delivered };
}

async function latency(peers: Peer[], rate: number, seconds: number) {
  return summarise([await pace(peers, rate, seconds)]);
}

/**
 * A worker's first lines: tsx's loader registered in the worker (a worker does not inherit
 * the parent's `--import tsx`), then the worker module itself.
 */
const WORKER_BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./relay-load-worker.ts', import.meta.url).href)}); })`;

/** The ring's peers logged in again, split over `k` worker threads. */
async function startWorkers(relay: RelayProcess, r: Ring, k: number) {
  const n = r.ids.length;
  const workers: Worker[] = [];
  /** Each worker's part of the peers, so of the rate. */
  const shares: number[] = [];
  for (let w = 0; w < k; w++) {
    const from = Math.floor((w * n) / k);
    const to = Math.floor(((w + 1) * n) / k);
    shares.push((to - from) / n);
    const init: WorkerInit = {
      relay: { port: relay.port, plain: relay.plain },
      ids: r.ids.slice(from, to),
      names: r.names.slice(from, to),
      next: r.next.slice(from, to).map((x) => ({ boxPk: x.boxPk, signPk: x.signPk })),
    };
    workers.push(new Worker(WORKER_BOOT, { eval: true, workerData: init }));
  }
  const reply = (w: Worker) =>
    new Promise<unknown>((resolve, reject) => {
      const failed = (err: Error) => reject(err);
      w.once('error', failed);
      w.once('message', (m) => {
        w.off('error', failed);
        resolve(m);
      });
    });
  await Promise.all(workers.map(reply));
  return {
    /** The latency phase at `rate`, each worker pacing its share, all from the same instant. */
    async latency(rate: number, seconds: number) {
      const run = async (secs: number) => {
        const startAt = clock() + 200;
        const raws = workers.map(async (w, i) => {
          const go: ToWorker = { type: 'run', rate: rate * shares[i]!, seconds: secs, startAt };
          const done = reply(w) as Promise<PacedRaw>;
          w.postMessage(go);
          return done;
        });
        return Promise.all(raws);
      };
      // A worker's code is cold: WARMUP_S of the same load first, not counted, as the
      // compare bench does (and as the main thread's generator does too).
      await run(WARMUP_S);
      return summarise(await run(seconds));
    },
    /** Every worker saturates with its peers over the same window; deliveries summed. */
    async saturate(startAt: number, warmupMs: number, seconds: number) {
      const counts = workers.map(async (w) => {
        const go: ToWorker = { type: 'saturate', window: WINDOW, startAt, warmupMs, seconds };
        const done = reply(w) as Promise<{ delivered: number }>;
        w.postMessage(go);
        return (await done).delivered;
      });
      return (await Promise.all(counts)).reduce((t, c) => t + c, 0);
    },
    async close() {
      await Promise.all(
        workers.map(async (w) => {
          const exited = new Promise((resolve) => w.once('exit', resolve));
          w.postMessage({ type: 'close' } satisfies ToWorker);
          const timer = setTimeout(() => void w.terminate(), 2000);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
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
  const senders = await connectRing(relay, ring(10, 'drain-s'), 'register');
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
  const read = await loginCounting(relay, target, 'drain-target', senders[0]!.send);
  const { client, counters: got, stop } = read;
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
        `flood${nextCounter()}`,
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

/**
 * `work`'s result, and the cores the relay and this process (the generator, every thread
 * of it) used while it ran: on two cores a generator near 1.0 is the bottleneck, and its
 * queueing is in every latency it takes.
 */
async function coresDuring<T>(relay: RelayProcess, work: () => Promise<T>) {
  const t0 = performance.now();
  const relay0 = await relay.cpuSeconds();
  const own0 = process.cpuUsage();
  const result = await work();
  const own = process.cpuUsage(own0);
  const seconds = (performance.now() - t0) / 1000;
  return {
    result,
    relay: ((await relay.cpuSeconds()) - relay0) / seconds,
    generator: (own.user + own.system) / 1e6 / seconds,
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
  const r = ring(n, `c${n}-`);
  const t0 = performance.now();
  let peers = await connectRing(relay, r, 'register');
  const connectAllMs = performance.now() - t0;
  let gen: Awaited<ReturnType<typeof startWorkers>> | null = null;
  try {
    if (GEN_WORKERS > 0) {
      // The same peers log in again from the generator's worker threads.
      for (const p of peers) p.client.close();
      await Promise.all(peers.map((p) => p.client.closed));
      peers = [];
      gen = await startWorkers(relay, r, GEN_WORKERS);
    }
    const { rate, cpuUsPerMessage } = await saturation(
      relay,
      gen
        ? gen.saturate
        : (startAt, warmupMs, seconds) => saturate(peers, WINDOW, startAt, warmupMs, seconds),
      5,
    );
    console.log(
      `  ${String(n).padStart(3)} clients, ${label}: ${fmt(rate)} msg/s delivered at saturation; ` +
        `relay CPU ${fmt(cpuUsPerMessage, 1)} µs per message; all ${n} connected in ` +
        `${fmt(connectAllMs)} ms (50 at a time)`,
    );
    const phase = async (at: number, seconds: number) => {
      if (gen) return gen.latency(at, seconds);
      await latency(peers, at, WARMUP_S); // the same warm-up as the workers'
      return latency(peers, at, seconds);
    };
    // Let LevelDB finish compacting the saturation run's writes and deletes, so
    // the latency figure is steady half load, not the tail of the overload.
    await sleep(3000);
    for (const at of extraRates) {
      console.log(`      ${label} ${describeLatency(await phase(at, 6))}`);
      await sleep(2000);
    }
    const genLoop = monitorEventLoopDelay({ resolution: 5 });
    genLoop.enable();
    relay.child.kill('SIGUSR2'); // starts the phase: loop histogram reset, phase profile
    const cores = await coresDuring(relay, () => phase(halfRate ?? rate / 2, 8));
    const lat = cores.result;
    relay.child.kill('SIGUSR2'); // ends it: loop figures, phase profile written
    genLoop.disable();
    if (process.env.NATTER_BENCH_LOOP) {
      const ms = (ns: number) => (ns / 1e6).toFixed(1);
      console.log(
        `      generator event loop: p50 ${ms(genLoop.percentile(50))} ms, p99 ${ms(genLoop.percentile(99))} ms, max ${ms(genLoop.max)} ms`,
      );
    }
    const mem = await relay.memory();
    const by = gen ? `${GEN_WORKERS} generator threads` : 'one generator thread';
    console.log(
      `      ${label} half load (${by}) ${describeLatency(lat)}; relay RSS ${fmt(mem.rssMb)} MB (peak ${fmt(mem.peakMb)} MB); ` +
        `cores over the phase: relay ${fmt(cores.relay, 2)}, generator ${fmt(cores.generator, 2)}`,
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
    await gen?.close();
  }
}

/**
 * Issue 8's floor, on a fresh TLS relay (no saturation phase before it, whose
 * garbage would count in RSS): n clients at `rate`, first quiet, then while one
 * client floods Lookups without reading and one floods Pings before login.
 */
async function hostileFresh(n: number, rate: number): Promise<void> {
  const relay = await spawnRelay({ plain: false });
  const peers = await connectRing(relay, ring(n, `h${n}-`), 'register');
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
