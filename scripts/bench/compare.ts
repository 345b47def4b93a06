/**
 * `npm run bench -- compare` (issue 14 §1): natter's relay side by side with a bare Node
 * relay (bare-relay.mjs), mosquitto (MQTT QoS 0, and QoS 1 with persistence) and
 * nats-server (core NATS), in one sitting, with one load generator and one workload
 * (compare-load.ts): 1:1 messages of 200 bytes from a random client to a random other
 * one. natter runs as shipped (TLS 1.3) and plain (NATTER_BENCH_PLAIN); the bare relay,
 * mosquitto and nats-server run plain and behind TLS 1.3 (a throwaway self-signed
 * certificate), and the issue's floors are judged like for like: natter TLS against the
 * peers' TLS rows. mosquitto and nats-server are apt-get installed when missing (as root).
 *
 * Workloads: sat50 and sat500 (50 / 500 clients, WINDOW messages in flight each; deliveries/s
 * and relay CPU per delivery), light (50 clients, 1,000 msgs/s: latency and CPU per message),
 * open20k (500 clients at 20,000 msgs/s, open loop: latency and relay cores); half50 and
 * half500 (issue 10's TLS cost: every system, TLS and plain, at half the rate natter reached
 * over TLS in sat50 / sat500; they run after the others, and measure that saturation first
 * when it was not asked for); relay RSS sampled throughout (the floor: at sat500).
 * Repetitions interleave the systems (their order rotates each time); tables show
 * medians. A benchmark: it asserts nothing.
 *
 * Switches: NATTER_BENCH_COMPARE_SYSTEMS=natter,bare,bareack,mosquitto,nats (bareack: the bare
 * relay with natter's two acks, bare-ack-relay.mjs);
 * NATTER_BENCH_COMPARE_LINKS=tls,plain; NATTER_BENCH_COMPARE_REPS=3;
 * NATTER_BENCH_COMPARE_WORKLOADS=light,sat50,open20k,sat500 (and half50,half500, not by
 * default);
 * NATTER_BENCH_COMPARE_SECONDS=10 (per phase); NATTER_BENCH_COMPARE_WINDOW=32;
 * NATTER_BENCH_COMPARE_HALF_RATE=N (the half-load workloads at N msgs/s);
 * NATTER_BENCH_COMPARE_TICK_MS=1 (the open-loop clock); NATTER_BENCH_COMPARE_WARMUP=3 (s, paced); NATTER_BENCH_COMPARE_OPEN_RATE=20000
 * (open20k's rate in all, to look at a relay below its saturation).
 */
import { pathToFileURL } from 'node:url';
import { bareVariant } from './compare-bare.js';
import {
  type Fleet,
  PAYLOAD_BYTES,
  type PhaseResult,
  paced,
  type Server,
  saturate,
  type Variant,
  WINDOW,
} from './compare-load.js';
import { findMosquitto, mosquittoVariant } from './compare-mqtt.js';
import { findNatsServer, natsVariant } from './compare-nats.js';
import { natterVariant } from './compare-natter.js';
import { fmt, sleep } from './util.js';

interface Workload {
  name: string;
  title: string;
  clients: number;
  /**
   * A half-load workload (issue 10's TLS against plain): every system paced at half the
   * rate natter reached over TLS in the saturation workload named here; runs after the others.
   */
  halfOf?: string;
  run(server: Server, fleet: Fleet, seconds: number, rate?: number): Promise<PhaseResult>;
}

/** open20k's rate; another (NATTER_BENCH_COMPARE_OPEN_RATE) is for profiling below saturation. */
const OPEN_RATE = Number(process.env.NATTER_BENCH_COMPARE_OPEN_RATE ?? 20_000);

/** NATTER_BENCH_COMPARE_HALF_RATE=N: the half-load workloads at N msgs/s instead (A/B runs). */
const HALF_RATE = Number(process.env.NATTER_BENCH_COMPARE_HALF_RATE ?? 0);

/** In the order they run: a latency phase on a fresh server before the saturation one. */
const WORKLOADS: Workload[] = [
  {
    name: 'light',
    title: 'light load: 50 clients, 1,000 msgs/s in all (open loop)',
    clients: 50,
    run: (server, fleet, seconds) => paced(server, fleet, 1000, seconds),
  },
  {
    name: 'sat50',
    title: `50 clients at saturation (${WINDOW} in flight each)`,
    clients: 50,
    run: saturate,
  },
  {
    name: 'open20k',
    title: `500 clients at ${OPEN_RATE.toLocaleString('en-US')} msgs/s in all (open loop)`,
    clients: 500,
    run: (server, fleet, seconds) => paced(server, fleet, OPEN_RATE, seconds),
  },
  {
    name: 'sat500',
    title: `500 clients at saturation (${WINDOW} in flight each)`,
    clients: 500,
    run: saturate,
  },
  // Issue 10's ceiling, TLS against plain at half load, with every system as its anchor.
  ...[50, 500].map((clients) => ({
    name: `half${clients}`,
    title: `${clients} clients, every system and link at one rate (${HALF_RATE > 0 ? `${HALF_RATE.toLocaleString('en-US')} msgs/s` : "half of natter's TLS saturation"}; open loop)`,
    clients,
    halfOf: `sat${clients}`,
    run: (server: Server, fleet: Fleet, seconds: number, rate?: number) =>
      paced(server, fleet, rate ?? Number.NaN, seconds),
  })),
];

const list = (name: string, all: string[]): string[] => {
  const v = process.env[name];
  return v ? v.split(',').filter((x) => all.includes(x)) : all;
};

function variants(): Variant[] {
  const systems = list('NATTER_BENCH_COMPARE_SYSTEMS', [
    'natter',
    'bare',
    'bareack',
    'mosquitto',
    'nats',
  ]);
  const links = list('NATTER_BENCH_COMPARE_LINKS', ['tls', 'plain']).map((l) => l === 'tls');
  const out: Variant[] = [];
  for (const system of systems) {
    if (system === 'natter') for (const t of links) out.push(natterVariant(t));
    if (system === 'bare') for (const t of links) out.push(bareVariant(t));
    if (system === 'bareack') for (const t of links) out.push(bareVariant(t, true));
    if (system === 'mosquitto') {
      const binary = findMosquitto();
      if (binary === null) console.log('  mosquitto: not installed, skipped');
      else
        for (const qos of [0, 1] as const)
          for (const t of links) out.push(mosquittoVariant(binary, qos, t));
    }
    if (system === 'nats') {
      const binary = findNatsServer();
      if (binary === null) console.log('  nats-server: not installed, skipped');
      else for (const t of links) out.push(natsVariant(binary, t));
    }
  }
  return out;
}

const median = (xs: number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

type Results = Map<string, Map<string, PhaseResult[]>>;

function record(results: Results, workload: string, label: string, r: PhaseResult): void {
  let byLabel = results.get(workload);
  if (!byLabel) {
    byLabel = new Map();
    results.set(workload, byLabel);
  }
  const runs = byLabel.get(label);
  if (runs) runs.push(r);
  else byLabel.set(label, [r]);
}

/** The median of each figure over the repetitions; lost and refused are summed. */
function summary(runs: PhaseResult[]): PhaseResult {
  const m = (k: keyof PhaseResult) => median(runs.map((r) => r[k]));
  const sum = (k: keyof PhaseResult) => runs.reduce((a, r) => a + r[k], 0);
  return {
    offered: m('offered'),
    rate: m('rate'),
    p50: m('p50'),
    p99: m('p99'),
    cpuUs: m('cpuUs'),
    cores: m('cores'),
    genCores: m('genCores'),
    relayWait: m('relayWait'),
    genWait: m('genWait'),
    genLoopP50: m('genLoopP50'),
    genLoopP99: m('genLoopP99'),
    rssMb: m('rssMb'),
    hwmMb: m('hwmMb'),
    sent: sum('sent'),
    delivered: sum('delivered'),
    refused: sum('refused'),
    lost: sum('lost'),
  };
}

function describe(r: PhaseResult): string {
  return (
    `${fmt(r.rate)} deliveries/s (offered ${fmt(r.offered)}), p50 ${fmt(r.p50, 2)} ms, ` +
    `p99 ${fmt(r.p99, 2)} ms, relay ${fmt(r.cpuUs, 1)} µs CPU per delivery = ` +
    `${fmt(r.cores, 2)} cores, RSS peak ${fmt(r.rssMb)} MB (VmHWM ${fmt(r.hwmMb)}), generator ${fmt(r.genCores, 2)} cores; ` +
    `waiting for a core: relay ${fmt(r.relayWait, 2)}, generator ${fmt(r.genWait, 2)}; ` +
    `generator's event-loop delay p50 ${fmt(r.genLoopP50, 2)} / p99 ${fmt(r.genLoopP99, 2)} ms; ` +
    `sent ${fmt(r.sent)}, delivered ${fmt(r.delivered)}, refused ${r.refused}, lost ${r.lost}`
  );
}

function table(rows: [string, PhaseResult][]): void {
  const head = [
    'system',
    'deliveries/s',
    'p50 ms',
    'p99 ms',
    'CPU µs/deliv',
    'relay cores',
    'RSS peak MB',
    'gen cores',
    'run-queue wait',
    'gen loop p99',
    'sent',
    'lost+refused',
  ];
  const body = rows.map(([label, r]) => [
    label,
    fmt(r.rate),
    fmt(r.p50, 2),
    fmt(r.p99, 2),
    fmt(r.cpuUs, 1),
    fmt(r.cores, 2),
    fmt(r.rssMb),
    fmt(r.genCores, 2),
    `${fmt(r.relayWait, 2)} / ${fmt(r.genWait, 2)}`,
    fmt(r.genLoopP99, 2),
    fmt(r.sent),
    String(r.lost + r.refused),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  console.log(line(head));
  for (const row of body) console.log(line(row));
}

const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${fmt(a / b, 2)}x` : '-');

/** natter's ratio to each peer on the same link (TLS to TLS, plain to plain). */
function ratios(rows: Map<string, PhaseResult>, all: Variant[]): void {
  for (const natter of all.filter((v) => v.system === 'natter')) {
    const n = rows.get(natter.label);
    if (!n) continue;
    for (const peer of all.filter((v) => v.system !== 'natter' && v.tls === natter.tls)) {
      const p = rows.get(peer.label);
      if (!p) continue;
      console.log(
        `  ${natter.label} / ${peer.label}: CPU per delivery ${ratio(n.cpuUs, p.cpuUs)}, ` +
          `p50 ${ratio(n.p50, p.p50)}, p99 ${ratio(n.p99, p.p99)}, deliveries/s ` +
          `${ratio(n.rate, p.rate)}, RSS ${ratio(n.rssMb, p.rssMb)}`,
      );
    }
  }
}

/** One system in one configuration, whatever its link: 'natter TLS' and 'natter plain'. */
const kindOf = (v: Variant) => v.label.replace(/ (TLS|plain)$/, '');

/**
 * Each system's TLS row against its plain row (issue 10's ceiling: natter's half-load p99
 * over TLS <= 1.25x plain), so natter's ratio stands beside the same ratio for the bare
 * relay, mosquitto and nats-server on the same workload and machine.
 */
function tlsCost(rows: Map<string, PhaseResult>, all: Variant[]): void {
  for (const secure of all.filter((v) => v.tls)) {
    const plain = all.find((v) => !v.tls && kindOf(v) === kindOf(secure));
    const t = rows.get(secure.label);
    const p = plain && rows.get(plain.label);
    if (!t || !p || !plain) continue;
    console.log(
      `  TLS cost, ${secure.label} / ${plain.label}: p99 ${ratio(t.p99, p.p99)}, p50 ` +
        `${ratio(t.p50, p.p50)}, CPU per delivery ${ratio(t.cpuUs, p.cpuUs)}, deliveries/s ` +
        `${ratio(t.rate, p.rate)}`,
    );
  }
}

function floor(what: string, value: number, limit: number, unit: string): string {
  const met = value <= limit;
  return `  floor: ${what} ${fmt(value, 2)}${unit} <= ${fmt(limit, 2)}${unit}: ${met ? 'met' : 'NOT met'}`;
}

/** The issue's floors, natter TLS (as shipped) against the peers' TLS rows. */
function floors(name: string, rows: Map<string, PhaseResult>): void {
  const natter = rows.get('natter TLS');
  if (!natter) return;
  const nats = rows.get('nats-server TLS');
  const mqtt0 = rows.get('mosquitto QoS 0 TLS');
  if ((name === 'sat50' || name === 'sat500') && nats) {
    console.log(
      floor('CPU per delivery / nats-server TLS', natter.cpuUs / nats.cpuUs, 1.5, 'x') +
        (mqtt0
          ? `; moonshot, / mosquitto QoS 0 TLS ${ratio(natter.cpuUs, mqtt0.cpuUs)} (<= 1x: ` +
            `${natter.cpuUs <= mqtt0.cpuUs ? 'met' : 'not met'})`
          : ''),
    );
  }
  if (name === 'sat500') console.log(floor('relay RSS peak', natter.rssMb, 120, ' MB'));
  if (name === 'open20k' && OPEN_RATE === 20_000)
    console.log(floor('delivery p99', natter.p99, 15, ' ms'));
  const natterPlain = rows.get('natter plain');
  if (name.startsWith('half') && natterPlain) {
    // The peers' plain rows carry no suffix: 'nats-server TLS' against 'nats-server'.
    const anchors = [...rows]
      .filter(([label]) => label.endsWith(' TLS') && label !== 'natter TLS')
      .map(([label, t]) => [label.slice(0, -4), t, rows.get(label.slice(0, -4))] as const)
      .filter(([, , p]) => p !== undefined)
      .map(([kind, t, p]) => `${kind} ${ratio(t.p99, p!.p99)}`);
    console.log(
      floor(
        'delivery p99, natter TLS / natter plain (issue 10)',
        natter.p99 / natterPlain.p99,
        1.25,
        'x',
      ) + (anchors.length > 0 ? `; the same ratio for ${anchors.join(', ')}` : ''),
    );
  }
  if (name === 'light' && nats) {
    console.log(floor('CPU per message / nats-server TLS', natter.cpuUs / nats.cpuUs, 2, 'x'));
    console.log(floor('delivery p99 / nats-server TLS', natter.p99 / nats.p99, 1.5, 'x'));
  }
}

/**
 * The half-load workloads, after the rest: every system at one offered rate, half the
 * median deliveries/s natter reached over TLS in the saturation workload named by
 * `halfOf` (measured now, once, when that workload was not run), over TLS and plain: the
 * relay bench's measure of issue 10's ceiling, with the peers as anchors on the same load.
 * (Half of each peer's own TLS saturation is no anchor: the bare relay over plain TCP did
 * not keep up with half of what it reached over TLS.) Repetitions rotate the order.
 */
async function halfLoads(
  workloads: Workload[],
  all: Variant[],
  results: Results,
  reps: number,
  seconds: number,
): Promise<void> {
  const halves = workloads.filter((w) => w.halfOf);
  const yardstick = all.find((v) => v.label === 'natter TLS') ?? all.find((v) => v.tls);
  if (halves.length === 0 || !yardstick) return;
  const rates = new Map<string, number>(); // workload -> msgs/s
  for (const w of halves) {
    const sat = WORKLOADS.find((x) => x.name === w.halfOf)!;
    if (HALF_RATE <= 0 && !results.get(sat.name)?.get(yardstick.label)) {
      await onePhase(
        yardstick,
        w.clients,
        (server, fleet) => sat.run(server, fleet, seconds),
        (r) => {
          record(results, sat.name, yardstick.label, r);
          console.log(`  [for ${w.name}] ${sat.name}, ${yardstick.label}: ${describe(r)}`);
        },
      );
    }
    const runs = results.get(sat.name)?.get(yardstick.label);
    if (HALF_RATE > 0) rates.set(w.name, HALF_RATE);
    else if (runs) rates.set(w.name, summary(runs).rate / 2);
  }
  const whence =
    HALF_RATE > 0 ? 'NATTER_BENCH_COMPARE_HALF_RATE' : `half of ${yardstick.label}'s saturation`;
  console.log(
    `  half-load rates (${whence}), msgs/s: ` +
      [...rates].map(([k, r]) => `${k} ${fmt(r)}`).join(', '),
  );
  for (let rep = 0; rep < reps; rep++) {
    const order = all.map((_, i) => all[(i + rep) % all.length]!);
    for (const w of halves) {
      const rate = rates.get(w.name);
      if (rate === undefined) continue;
      for (const v of order) {
        await onePhase(
          v,
          w.clients,
          (server, fleet) => w.run(server, fleet, seconds, rate),
          (r) => {
            record(results, w.name, v.label, r);
            console.log(`  [${rep + 1}/${reps}] ${w.name}, ${v.label}: ${describe(r)}`);
          },
        );
      }
    }
  }
}

/** Starts `v`, connects `clients`, runs one phase and hands its result on; reports a failure. */
async function onePhase(
  v: Variant,
  clients: number,
  run: (server: Server, fleet: Fleet) => Promise<PhaseResult>,
  done: (r: PhaseResult) => void,
): Promise<void> {
  let server: Server | null = null;
  let fleet: Fleet | null = null;
  try {
    server = await v.start();
    fleet = await server.connect(clients);
    await sleep(1000);
    done(await run(server, fleet));
  } catch (err) {
    console.log(`  ${v.label} at ${clients} clients failed: ${err}`);
  } finally {
    fleet?.close();
    await server?.stop();
  }
}

export async function runCompareBench(): Promise<void> {
  const reps = Number(process.env.NATTER_BENCH_COMPARE_REPS ?? 3);
  const seconds = Number(process.env.NATTER_BENCH_COMPARE_SECONDS ?? 10);
  const named = process.env.NATTER_BENCH_COMPARE_WORKLOADS?.split(',');
  // The half-load pairs only when asked for: they double the sitting.
  const wanted = named ?? WORKLOADS.filter((w) => !w.halfOf).map((w) => w.name);
  const workloads = WORKLOADS.filter((w) => wanted.includes(w.name));
  console.log(
    `compare benchmark: 1:1 messages of ${PAYLOAD_BYTES} bytes, random sender to random recipient; ` +
      `${reps} repetition(s), ${seconds} s per phase; workloads ${workloads.map((w) => w.name).join(', ')}`,
  );
  console.log(
    '  (run-queue wait: the cores the relay / the generator spent runnable but waiting for a CPU; ' +
      'well above 0, other load on the machine is in the figures)',
  );
  console.log(
    "  (gen loop p99: the generator's own event-loop delay; a latency includes its wait to read " +
      'what had arrived, which 500 clients in one process add and clients on their own machines do not)',
  );
  const all = variants();
  const results: Results = new Map();
  // The half-load workloads run on their own, after these (halfLoads).
  const sizes = [...new Set(workloads.filter((w) => !w.halfOf).map((w) => w.clients))];
  for (let rep = 0; rep < reps; rep++) {
    // Rotate the order each repetition, so no system always runs first (or after natter).
    const order = all.map((_, i) => all[(i + rep) % all.length]!);
    for (const clients of sizes) {
      for (const variant of order) {
        let server: Server | null = null;
        let fleet: Fleet | null = null;
        try {
          server = await variant.start();
          fleet = await server.connect(clients);
          for (const w of workloads.filter((x) => x.clients === clients && !x.halfOf)) {
            await sleep(1000);
            const r = await w.run(server, fleet, seconds);
            record(results, w.name, variant.label, r);
            console.log(`  [${rep + 1}/${reps}] ${w.name}, ${variant.label}: ${describe(r)}`);
            // Let the server settle (natter: LevelDB compacts the phase's writes and deletes).
            await sleep(1000);
          }
        } catch (err) {
          console.log(
            `  [${rep + 1}/${reps}] ${variant.label} at ${clients} clients failed: ${err}`,
          );
        } finally {
          fleet?.close();
          await server?.stop();
        }
      }
    }
  }
  await halfLoads(workloads, all, results, reps, seconds);
  for (const w of workloads) {
    const byLabel = results.get(w.name);
    if (!byLabel) continue;
    const rows = new Map<string, PhaseResult>();
    for (const v of all) {
      const runs = byLabel.get(v.label);
      if (runs) rows.set(v.label, summary(runs));
    }
    console.log(`\n${w.title}: medians of ${reps}`);
    table([...rows]);
    ratios(rows, all);
    tlsCost(rows, all);
    floors(w.name, rows);
  }
}

// Run directly too: node --import tsx scripts/bench/compare.ts
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runCompareBench();
  process.exit(0);
}
