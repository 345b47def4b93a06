/**
 * The load generator of the side-by-side benchmark (compare.ts): one driver for every
 * system. Each system stands behind a Fleet of n connected clients; the driver picks a
 * random sender and a random other client as the recipient for every message (not the
 * relay bench's ring), and the fleet stamps the message with its sender and send time,
 * which the recipient reads back for the latency.
 *  - saturation: every client keeps WINDOW messages in flight, end to end (a slot is freed
 *    when the message reaches its recipient, for every system alike: MQTT QoS 0 and NATS
 *    have no per-message ack to wait on), deliveries counted after a second's warm-up;
 *  - paced (open loop): a 1 ms clock (NATTER_BENCH_COMPARE_TICK_MS) sends what the elapsed
 *    time owes, whatever came back; WARMUP_S seconds of the same load first, not counted.
 * Relay CPU from /proc/PID/stat (utime + stime of all its threads), RSS from
 * /proc/PID/status (VmRSS sampled every 100 ms, and VmHWM); the generator's own event-loop
 * delay over the counted window (monitorEventLoopDelay), since its wait to read is in every
 * latency.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sleep } from './util.js';

/** The same 200 bytes of payload everywhere (natter: of plaintext, sealed). */
export const PAYLOAD_BYTES = 200;
/** Messages each client keeps in flight at saturation (the relay bench's window). */
export const WINDOW = Number(process.env.NATTER_BENCH_COMPARE_WINDOW ?? 32);
/** Seconds of the same load before a paced phase counts (NATTER_BENCH_COMPARE_WARMUP). */
const WARMUP_S = Number(process.env.NATTER_BENCH_COMPARE_WARMUP ?? 3);
/** The open-loop clock, ms: each tick sends what is owed (the relay bench's latency phase: 5). */
const TICK_MS = Number(process.env.NATTER_BENCH_COMPARE_TICK_MS ?? 1);

/** n connected clients of one system, as the driver sees them. */
export interface Fleet {
  readonly clients: number;
  /** Queues a message from client `s` to client `r`; the fleet writes a tick's messages at once. */
  send(s: number, r: number, sentAtMs: number): void;
  /** Set by the driver: one delivery of a message from `s`, stamped `sentAtMs`, read at `now`. */
  onDelivered: (s: number, sentAtMs: number, now: number) => void;
  /** Set by the driver: the system refused a message of `s` (natter: a SendAck not stored). */
  onRefused: (s: number) => void;
  close(): void;
}

/** One running server (relay, broker) with its clients' way in. */
export interface Server {
  readonly pid: number;
  connect(clients: number): Promise<Fleet>;
  /** Stops the server and removes its files; never throws. */
  stop(): Promise<void>;
}

/** A row of the tables: one system in one configuration. */
export interface Variant {
  readonly system: 'natter' | 'bare' | 'bareack' | 'mosquitto' | 'nats';
  readonly label: string;
  readonly tls: boolean;
  start(): Promise<Server>;
}

export interface PhaseResult {
  /** Messages per second offered (paced) or sent (saturation) over the window. */
  offered: number;
  /** Deliveries per second over the window. */
  rate: number;
  p50: number;
  p99: number;
  /** Relay CPU per delivery over the window, µs. */
  cpuUs: number;
  /** Relay CPU over the window, cores. */
  cores: number;
  /** The generator's own CPU over the window, cores. */
  genCores: number;
  /**
   * Time the relay's threads and the generator's were runnable but not running, in cores:
   * near 0 on a quiet machine; more means other load took the cores and the figures are noise.
   */
  relayWait: number;
  genWait: number;
  /**
   * The generator's own event-loop delay over the window, p50 and p99, ms: how late its
   * turns ran, so how much of a latency is the generator's wait to read what had arrived
   * (500 clients in one process, where a real client has its own machine).
   */
  genLoopP50: number;
  genLoopP99: number;
  /** Largest VmRSS sampled in the phase, and VmHWM at its end, MB. */
  rssMb: number;
  hwmMb: number;
  sent: number;
  delivered: number;
  refused: number;
  /** Sent, not refused, and never delivered (settle: 10 s without a delivery). */
  lost: number;
}

/** Every latency of a phase, exact (a phase has at most a few million). */
class Samples {
  private data = new Float64Array(1 << 16);
  private n = 0;

  record(ms: number): void {
    if (this.n === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.n++] = ms;
  }

  /** Sorts what was recorded; p50 and p99 of it. */
  percentiles(): { p50: number; p99: number } {
    const sorted = this.data.subarray(0, this.n).sort();
    const at = (p: number) =>
      this.n === 0 ? Number.NaN : sorted[Math.max(0, Math.ceil((p / 100) * this.n) - 1)]!;
    return { p50: at(50), p99: at(99) };
  }
}

function recipientOf(s: number, n: number): number {
  const r = (Math.random() * (n - 1)) | 0;
  return r >= s ? r + 1 : r;
}

// /proc is read synchronously: a read costs microseconds, where an asynchronous one waits for
// event-loop turns, which the generator's turns at saturation (hundreds of ms) would stretch
// into seconds, measuring windows other than the stated one.

/** CPU seconds (user + system, all threads) of `pid`, from /proc/PID/stat (USER_HZ = 100). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** VmRSS and VmHWM of `pid`, MB, from /proc/PID/status; zeros once it is gone. */
function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  let status = '';
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {}
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** VmRSS of `pid` every 100 ms until stopped; the largest seen. */
function rssSampler(pid: number) {
  let peak = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      peak = Math.max(peak, memoryOf(pid).rssMb);
      await sleep(100);
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      const m = memoryOf(pid);
      return { rssMb: Math.max(peak, m.rssMb), hwmMb: m.peakMb };
    },
  };
}

interface Books {
  sent: number;
  delivered: number;
  refused: number;
}

/**
 * Waits until every message sent has arrived or been refused: a backlog drains, for as long
 * as deliveries keep coming (up to 2 minutes); after 10 s without one, what is left is lost.
 */
async function settle(books: Books): Promise<number> {
  let last = books.delivered;
  let lastAt = performance.now();
  const t0 = lastAt;
  while (books.delivered + books.refused < books.sent) {
    const now = performance.now();
    if (books.delivered !== last) {
      last = books.delivered;
      lastAt = now;
    } else if (now - lastAt > 10_000) break;
    if (now - t0 > 120_000) break;
    await sleep(20);
  }
  return books.sent - books.delivered - books.refused;
}

/**
 * Seconds the threads of `pid` spent runnable but waiting for a core (/proc/PID/task/TID/
 * schedstat, second field, ns): how much the machine's other load held the process back.
 */
function runQueueSeconds(pid: number): number {
  let ns = 0;
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {}
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1] ?? 0);
    } catch {} // the thread ended
  }
  return ns / 1e9;
}

/** The counters, the relay's CPU time and the generator's, at one instant. */
interface Snapshot {
  at: number;
  cpu: number;
  own: NodeJS.CpuUsage;
  waited: number;
  ownWaited: number;
  sent: number;
  delivered: number;
}

function snapshot(pid: number, books: Books): Snapshot {
  return {
    at: performance.now(),
    sent: books.sent,
    delivered: books.delivered,
    own: process.cpuUsage(),
    cpu: cpuSeconds(pid),
    waited: runQueueSeconds(pid),
    ownWaited: runQueueSeconds(process.pid),
  };
}

/** The generator's event-loop delay from now on, at 1 ms resolution (`read` stops it). */
function loopDelay(): { read(): { p50: number; p99: number } } {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  return {
    read: () => {
      h.disable();
      return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6 };
    },
  };
}

function between(a: Snapshot, b: Snapshot) {
  const seconds = (b.at - a.at) / 1000;
  return {
    seconds,
    sent: b.sent - a.sent,
    delivered: b.delivered - a.delivered,
    cpu: b.cpu - a.cpu,
    ownCpu: (b.own.user + b.own.system - a.own.user - a.own.system) / 1e6,
    waits: { relay: (b.waited - a.waited) / seconds, gen: (b.ownWaited - a.ownWaited) / seconds },
  };
}

/** Every client keeps WINDOW messages in flight to random recipients. */
export async function saturate(server: Server, fleet: Fleet, seconds: number) {
  const n = fleet.clients;
  const books: Books = { sent: 0, delivered: 0, refused: 0 };
  const latencies = new Samples();
  let running = true;
  let recording = false;
  const sendFrom = (s: number) => {
    books.sent++;
    fleet.send(s, recipientOf(s, n), performance.now());
  };
  fleet.onDelivered = (s, sentAt, now) => {
    books.delivered++;
    if (recording) latencies.record(now - sentAt);
    if (running) sendFrom(s);
  };
  fleet.onRefused = (s) => {
    books.refused++;
    if (running) sendFrom(s);
  };
  const rss = rssSampler(server.pid); // the warm-up's peak counts too
  for (let s = 0; s < n; s++) for (let i = 0; i < WINDOW; i++) sendFrom(s);
  await sleep(1000); // warm-up
  const s0 = snapshot(server.pid, books);
  const loop = loopDelay();
  recording = true;
  await sleep(seconds * 1000);
  const s1 = snapshot(server.pid, books);
  const genLoop = loop.read();
  recording = false;
  running = false;
  const mem = await rss.stop();
  const lost = await settle(books);
  const w = between(s0, s1);
  return result(
    {
      offered: w.sent / w.seconds,
      rate: w.delivered / w.seconds,
      cpuUs: (w.cpu * 1e6) / w.delivered,
      cores: w.cpu / w.seconds,
      genCores: w.ownCpu / w.seconds,
      waits: w.waits,
      genLoop,
    },
    latencies,
    mem,
    books,
    lost,
  );
}

/** Sends `rate` messages per second for `seconds`, each from a random client to a random other. */
async function offer(fleet: Fleet, rate: number, seconds: number, books: Books): Promise<void> {
  const n = fleet.clients;
  const start = performance.now();
  const base = books.sent;
  // Every tick sends what the elapsed time owes, so a late timer does not lower the rate.
  for (let elapsed = 0; elapsed < seconds * 1000; elapsed = performance.now() - start) {
    const now = performance.now();
    for (const owed = base + Math.floor((rate * elapsed) / 1000); books.sent < owed; ) {
      const s = (Math.random() * n) | 0;
      books.sent++;
      fleet.send(s, recipientOf(s, n), now);
    }
    await sleep(TICK_MS);
  }
}

/** `rate` messages per second, each from a random client to a random other, open loop. */
export async function paced(server: Server, fleet: Fleet, rate: number, seconds: number) {
  const books: Books = { sent: 0, delivered: 0, refused: 0 };
  const latencies = new Samples();
  let from = Number.POSITIVE_INFINITY; // latencies of messages sent after the warm-up only
  // NATTER_BENCH_LAT_DUMP=FILE: every counted delivery's send time and latency, ms, one per
  // line, to see when the slow ones came (a stall, a timer's period, the first second).
  const dump: string[] | null = process.env.NATTER_BENCH_LAT_DUMP ? [] : null;
  fleet.onDelivered = (_s, sentAt, now) => {
    books.delivered++;
    if (sentAt < from) return;
    latencies.record(now - sentAt);
    dump?.push(`${(sentAt - from).toFixed(3)} ${(now - sentAt).toFixed(3)}`);
  };
  fleet.onRefused = () => {
    books.refused++;
  };
  const rss = rssSampler(server.pid); // the warm-up's peak counts too
  // The same load first, not counted: a relay that has run for days is warm, and a JIT's
  // first seconds (natter's and the bare relay's) are not what its users see. At 1,000
  // msgs/s natter's p99 was 1.1-2.4 ms in the first and second counted seconds after a
  // one-second warm-up, against 0.33-0.45 ms in the eighth to tenth.
  await offer(fleet, rate, WARMUP_S, books);
  const s0 = snapshot(server.pid, books);
  const loop = loopDelay();
  from = performance.now();
  await offer(fleet, rate, seconds, books);
  const s1 = snapshot(server.pid, books);
  const genLoop = loop.read();
  const lost = await settle(books);
  const s2 = snapshot(server.pid, books);
  const mem = await rss.stop();
  if (dump) writeFileSync(process.env.NATTER_BENCH_LAT_DUMP!, `${dump.join('\n')}\n`);
  // Rates and cores while the load was offered; CPU per delivery over every message sent,
  // until the last one arrived (what the relay spent on them, a backlog's included).
  const loaded = between(s0, s1);
  const all = between(s0, s2);
  return result(
    {
      offered: loaded.sent / loaded.seconds,
      rate: loaded.delivered / loaded.seconds,
      cpuUs: (all.cpu * 1e6) / all.delivered,
      cores: loaded.cpu / loaded.seconds,
      genCores: loaded.ownCpu / loaded.seconds,
      waits: loaded.waits,
      genLoop,
    },
    latencies,
    mem,
    books,
    lost,
  );
}

function result(
  f: Pick<PhaseResult, 'offered' | 'rate' | 'cpuUs' | 'cores' | 'genCores'> & {
    waits: { relay: number; gen: number };
    genLoop: { p50: number; p99: number };
  },
  latencies: Samples,
  mem: { rssMb: number; hwmMb: number },
  books: Books,
  lost: number,
): PhaseResult {
  const { waits, genLoop, ...figures } = f;
  return {
    ...figures,
    relayWait: waits.relay,
    genWait: waits.gen,
    genLoopP50: genLoop.p50,
    genLoopP99: genLoop.p99,
    ...latencies.percentiles(),
    rssMb: mem.rssMb,
    hwmMb: mem.hwmMb,
    sent: books.sent,
    delivered: books.delivered,
    refused: books.refused,
    lost,
  };
}
