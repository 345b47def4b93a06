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
 * open20k (500 clients at 20,000 msgs/s, open loop: latency and relay cores); relay RSS
 * sampled throughout (the floor: at sat500). Repetitions interleave the systems (their
 * order rotates each time); tables show medians. A benchmark: it asserts nothing.
 *
 * Switches: NATTER_BENCH_COMPARE_SYSTEMS=natter,bare,mosquitto,nats;
 * NATTER_BENCH_COMPARE_LINKS=tls,plain; NATTER_BENCH_COMPARE_REPS=3;
 * NATTER_BENCH_COMPARE_WORKLOADS=light,sat50,open20k,sat500;
 * NATTER_BENCH_COMPARE_SECONDS=10 (per phase); NATTER_BENCH_COMPARE_WINDOW=32;
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
  run(server: Server, fleet: Fleet, seconds: number): Promise<PhaseResult>;
}

/** open20k's rate; another (NATTER_BENCH_COMPARE_OPEN_RATE) is for profiling below saturation. */
const OPEN_RATE = Number(process.env.NATTER_BENCH_COMPARE_OPEN_RATE ?? 20_000);

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
];

const list = (name: string, all: string[]): string[] => {
  const v = process.env[name];
  return v ? v.split(',').filter((x) => all.includes(x)) : all;
};

function variants(): Variant[] {
  const systems = list('NATTER_BENCH_COMPARE_SYSTEMS', ['natter', 'bare', 'mosquitto', 'nats']);
  const links = list('NATTER_BENCH_COMPARE_LINKS', ['tls', 'plain']).map((l) => l === 'tls');
  const out: Variant[] = [];
  for (const system of systems) {
    if (system === 'natter') for (const t of links) out.push(natterVariant(t));
    if (system === 'bare') for (const t of links) out.push(bareVariant(t));
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

/**
 * Each system's TLS row against its plain row (issue 10's ceiling: natter's half-load p99
 * over TLS <= 1.25x plain), so natter's ratio stands beside the same ratio for the bare
 * relay, mosquitto and nats-server on the same workload and machine.
 */
function tlsCost(rows: Map<string, PhaseResult>, all: Variant[]): void {
  // One system in one configuration, whatever its link: 'natter TLS' and 'natter plain'.
  const kind = (v: Variant) => v.label.replace(/ (TLS|plain)$/, '');
  for (const secure of all.filter((v) => v.tls)) {
    const plain = all.find((v) => !v.tls && kind(v) === kind(secure));
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
  if (name === 'light' && nats) {
    console.log(floor('CPU per message / nats-server TLS', natter.cpuUs / nats.cpuUs, 2, 'x'));
    console.log(floor('delivery p99 / nats-server TLS', natter.p99 / nats.p99, 1.5, 'x'));
  }
}

export async function runCompareBench(): Promise<void> {
  const reps = Number(process.env.NATTER_BENCH_COMPARE_REPS ?? 3);
  const seconds = Number(process.env.NATTER_BENCH_COMPARE_SECONDS ?? 10);
  const wanted = list(
    'NATTER_BENCH_COMPARE_WORKLOADS',
    WORKLOADS.map((w) => w.name),
  );
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
  const sizes = [...new Set(workloads.map((w) => w.clients))];
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
          for (const w of workloads.filter((x) => x.clients === clients)) {
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
