/**
 * The load both sides of the groups benchmark (groups.ts) run: natter's relay and
 * nats-server each stand behind a Fleet (a hundred members, a few of them sending),
 * and the same two drivers push them: saturation with a window of sends in flight
 * per sender, and sends paced by the clock, timed to the last member.
 */
import { readdir, readFile } from 'node:fs/promises';
import { offerPaced, percentile, sleep } from './util.js';

/** The members, senders and counters of one side, as the drivers see them. */
export interface Fleet {
  readonly senders: number;
  /** Deliveries each message makes (natter: every member; nats-server: all but the publisher). */
  readonly perMessage: number;
  /** Message deliveries received, over all members, since the start. */
  deliveries: number;
  /** Chunks ('data' events) and bytes the members' sockets received since the start. */
  readonly received: { chunks: number; bytes: number };
  /** Sends of each sender not yet answered (natter: SendAck; nats-server: the PONG after them). */
  readonly inflight: number[];
  /** Sends answered with a refusal (natter only). */
  refused: number;
  /** Set by the latency driver; the fleet reports sends, acks and deliveries to it. */
  tracker: Tracker | null;
  /** Called when one of sender `s`'s sends is answered. */
  onFree: ((s: number) => void) | null;
  /** Sends sender `s`'s next message; false when it has none left (natter's pre-sealed pool). */
  send(s: number): boolean;
  /** The message number sender `s` sends next. */
  nextOf(s: number): number;
  /** The server's process id, for its CPU time and memory. */
  readonly pid: number;
}

/**
 * Per message (sender, number): when it was sent and how many members have it; the
 * time to the last member is recorded when the count reaches perMessage. Messages are
 * numbered per sender from `base` on, so the books are flat arrays.
 */
export class Tracker {
  /** Send to the last member's delivery, ms, one per message that reached everyone. */
  readonly lastMs: number[] = [];
  /** Send to any member's delivery, one per delivery (a histogram: there are millions). */
  readonly anyMs = new Histogram();
  /** Send to the sender's durable ack, ms (natter). */
  readonly ackMs: number[] = [];
  sent = 0;
  private readonly base: number[];
  private sentAt: Float64Array[];
  private counts: Uint16Array[];

  constructor(
    private readonly fleet: Fleet,
    capacity = 4096,
  ) {
    this.base = Array.from({ length: fleet.senders }, (_, s) => fleet.nextOf(s));
    this.sentAt = this.base.map(() => new Float64Array(capacity));
    this.counts = this.base.map(() => new Uint16Array(capacity));
  }

  onSent(s: number, n: number, now: number): void {
    const i = n - this.base[s]!;
    if (i >= this.sentAt[s]!.length) {
      const at = new Float64Array(i * 2);
      at.set(this.sentAt[s]!);
      this.sentAt[s] = at;
      const counts = new Uint16Array(i * 2);
      counts.set(this.counts[s]!);
      this.counts[s] = counts;
    }
    this.sentAt[s]![i] = now;
    this.sent++;
  }

  onDelivered(s: number, n: number, now: number): void {
    const i = n - this.base[s]!;
    const counts = this.counts[s];
    if (counts === undefined || i < 0 || i >= counts.length) return; // sent before this phase
    const ms = now - this.sentAt[s]![i]!;
    this.anyMs.record(ms);
    if (++counts[i]! === this.fleet.perMessage) this.lastMs.push(ms);
  }

  onAcked(s: number, n: number, now: number): void {
    const i = n - this.base[s]!;
    if (i >= 0 && i < this.sentAt[s]!.length) this.ackMs.push(now - this.sentAt[s]![i]!);
  }
}

export interface Saturation {
  /** Deliveries per second over the measured window. */
  rate: number;
  /** Messages per second over the same window. */
  messages: number;
  seconds: number;
  /** The server's CPU time per delivery in the window, µs. */
  cpuUsPerDelivery: number;
  /** The window was cut short by the end of the pre-sealed messages. */
  exhausted: boolean;
  /** The load generator's CPU time over the window, in cores (1 = one core busy). */
  generatorCores: number;
  /** The server's CPU time over the window, in cores. */
  serverCores: number;
  /** Average bytes per chunk a member's socket received (how much the server coalesced). */
  chunkBytes: number;
  /** Send to the last member and to the sender's ack, over the window. */
  lastP50: number;
  lastP99: number;
  ackP50: number;
  ackP99: number;
}

/**
 * Every sender keeps `window` sends in flight; after a second's warm-up, deliveries
 * are counted for `seconds` (or until the fleet has nothing left to send).
 */
export async function saturate(fleet: Fleet, window: number, seconds: number): Promise<Saturation> {
  let running = true;
  let exhausted = false;
  const refill = (s: number) => {
    while (running && fleet.inflight[s]! < window) {
      if (!fleet.send(s)) {
        exhausted = true;
        return;
      }
    }
  };
  fleet.onFree = refill;
  for (let s = 0; s < fleet.senders; s++) refill(s);
  for (let waited = 0; waited < 1000 && !exhausted; waited += 50) await sleep(50);
  if (exhausted) throw new Error('bench: the pre-sealed messages ran out during the warm-up');
  const d0 = fleet.deliveries;
  const r0 = { ...fleet.received };
  const cpu0 = await cpuSeconds(fleet.pid);
  const own0 = process.cpuUsage();
  const threads0 = process.env.NATTER_BENCH_GROUP_THREADS ? await threadTimes() : null;
  const tracker = new Tracker(fleet);
  fleet.tracker = tracker;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 && !exhausted) await sleep(20);
  const delivered = fleet.deliveries - d0;
  const chunkBytes = (fleet.received.bytes - r0.bytes) / (fleet.received.chunks - r0.chunks);
  const elapsed = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  if (threads0) {
    const threads1 = await threadTimes();
    const busy = [...threads1]
      .map(([k, v]) => [k, (v - (threads0.get(k) ?? 0)) / elapsed] as const)
      .filter(([, v]) => v > 0.01)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`);
    console.log(`      generator threads (cores): ${busy.join(', ')}`);
  }
  const cpu = (await cpuSeconds(fleet.pid)) - cpu0;
  fleet.tracker = null;
  running = false;
  fleet.onFree = null;
  await settle(fleet, 10_000);
  const last = tracker.lastMs.sort((a, b) => a - b);
  const ack = tracker.ackMs.sort((a, b) => a - b);
  return {
    rate: delivered / elapsed,
    messages: delivered / fleet.perMessage / elapsed,
    seconds: elapsed,
    cpuUsPerDelivery: (cpu * 1e6) / delivered,
    exhausted,
    generatorCores: (own.user + own.system) / 1e6 / elapsed,
    serverCores: cpu / elapsed,
    chunkBytes,
    lastP50: percentile(last, 50),
    lastP99: percentile(last, 99),
    ackP50: percentile(ack, 50),
    ackP99: percentile(ack, 99),
  };
}

export interface Latency {
  offered: number;
  sent: number;
  /** Messages that reached every member. */
  complete: number;
  p50: number;
  p99: number;
  max: number;
  anyP50: number;
  anyP99: number;
  ackP50: number;
  ackP99: number;
}

/**
 * `rate` messages per second for `seconds`, round-robin over the senders and paced by
 * the clock (each tick sends what the elapsed time owes, so a late timer does not lower
 * the rate); time from send to the last member's delivery.
 */
export async function paced(fleet: Fleet, rate: number, seconds: number): Promise<Latency> {
  const tracker = new Tracker(fleet, Math.ceil((rate * seconds * 1.2) / fleet.senders) + 64);
  fleet.tracker = tracker;
  fleet.onFree = null;
  const { sent, elapsedMs } = await offerPaced(rate, seconds, (i) => {
    if (!fleet.send(i % fleet.senders)) throw new Error('bench: the pre-sealed messages ran out');
  });
  const offered = (sent * 1000) / elapsedMs;
  // The stragglers: until every message reached every member, or 3 s.
  for (let waited = 0; waited < 3000 && tracker.lastMs.length < tracker.sent; waited += 20) {
    await sleep(20);
  }
  await settle(fleet, 5000);
  fleet.tracker = null;
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  const last = sorted(tracker.lastMs);
  const ack = sorted(tracker.ackMs);
  return {
    offered,
    sent: tracker.sent,
    complete: last.length,
    p50: percentile(last, 50),
    p99: percentile(last, 99),
    max: last.at(-1) ?? Number.NaN,
    anyP50: tracker.anyMs.percentile(50),
    anyP99: tracker.anyMs.percentile(99),
    ackP50: percentile(ack, 50),
    ackP99: percentile(ack, 99),
  };
}

/** Latencies in 10 µs buckets up to 2 s (later ones count in the last bucket). */
export class Histogram {
  private readonly buckets = new Uint32Array(200_000);
  private n = 0;

  record(ms: number): void {
    this.buckets[Math.min(this.buckets.length - 1, Math.max(0, Math.round(ms * 100)))]!++;
    this.n++;
  }

  percentile(p: number): number {
    if (this.n === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.n));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return i / 100;
    }
    return Number.NaN;
  }
}

/** Waits (up to `ms`) until no send is in flight. */
async function settle(fleet: Fleet, ms: number): Promise<void> {
  for (let waited = 0; waited < ms && fleet.inflight.some((n) => n > 0); waited += 20) {
    await sleep(20);
  }
}

/**
 * A socket's 'data' handler that hands `parse` whole units (frames, messages) in place:
 * `parse(buf, from, until)` consumes the complete units that start before `until` and
 * returns where it stopped. Only a unit split across two chunks is copied (with at most
 * `maxUnit` bytes of the next chunk, more only for a larger unit), never a whole chunk.
 */
export function unitReader(
  parse: (buf: Buffer, from: number, until: number) => number,
  maxUnit = 2048,
): (chunk: Buffer) => void {
  let pend: Buffer | null = null;
  return (chunk) => {
    let i = 0;
    if (pend !== null) {
      for (let take = Math.min(chunk.length, maxUnit); ; take = Math.min(chunk.length, take * 2)) {
        const joined = Buffer.concat([pend, chunk.subarray(0, take)]);
        const used = parse(joined, 0, pend.length); // the one unit that starts in pend
        if (used >= pend.length) {
          i = used - pend.length;
          pend = null;
          break;
        }
        if (take === chunk.length) {
          pend = joined; // still incomplete: wait for more
          return;
        }
      }
    }
    const used = parse(chunk, i, chunk.length);
    if (used < chunk.length) pend = Buffer.from(chunk.subarray(used));
  };
}

/** CPU seconds of each of this process's threads (NATTER_BENCH_GROUP_THREADS: who is busy). */
async function threadTimes(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const tid of await readdir('/proc/self/task')) {
    const stat = await readFile(`/proc/self/task/${tid}/stat`, 'utf8').catch(() => null);
    if (stat === null) continue;
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(`${name}/${tid}`, (Number(fields[11]) + Number(fields[12])) / 100);
  }
  return out;
}

/** CPU seconds (user + system) of a process, from /proc (USER_HZ = 100). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident set size now and at peak, MB, from /proc. */
export async function memoryOf(pid: number): Promise<{ rssMb: number; peakMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}
