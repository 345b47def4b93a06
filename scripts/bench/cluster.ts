/**
 * `npm run bench -- cluster` (issue 15): 1:1 deliveries through natter's relay on
 * its embedded LevelDB, through one relay on NATS JetStream, and through two
 * relays on one JetStream with clients split between them, so that half of the
 * traffic crosses relays; in one run, on the compare bench's driver and workload
 * (compare-load.ts: a random sender to a random other client, 200-byte payloads,
 * real sealed Sends and logins, acks every 10 ms). Each relay and nats-server
 * is measured apart (CPU from /proc over the whole phase, warm-up and drain
 * included, per delivery). nats-server is started by the bench (its own port
 * and store); Debian's, installed when missing.
 *
 * Workloads: light (50 clients, 1,000 msgs/s in all, open loop: latency), paced3k
 * (3,000 msgs/s, under every setup's saturation: CPU per delivery at one rate for
 * all, where saturation compares a relay batching at 30,000 msgs/s with one at
 * 6,000) and sat50 (50 clients at saturation, WINDOW in flight each: deliveries/s). The
 * issue's floors: light-load p99 across relays <= 5 ms; relay CPU per delivery
 * on JetStream <= 2x the LevelDB relay's; nothing lost.
 *
 * The anchors: the same workload on JetStream with no relay between (cluster-anchor.ts),
 * and through one and two bare relays on JetStream (bare-js-relay.mjs: a few dozen lines
 * that publish each message and forward each client's ordered consumer, over TLS 1.3 as
 * natter's clients use here), so the floor stands beside what a relay in Node costs at all;
 * and through one and two bare relays on core NATS (bare-core-relay.mjs: a message for a
 * client elsewhere is published to that client's relay, as natter pushes held mail), whose
 * ratio is what splitting the traffic over two Node relays costs relays that do nothing else.
 *
 * Switches: NATTER_BENCH_CLUSTER_SECONDS=10 (per phase), NATTER_BENCH_CLUSTER_REPS=1,
 * NATTER_BENCH_CLUSTER_SETUPS=anchor,leveldb,js1,js2,bare1,bare2,core1,core2,
 * NATTER_BENCH_CLUSTER_WORKLOADS=light,paced3k,sat50.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort } from '../../test/helpers/ports.js';
import { JetStreamAnchorFleet } from './cluster-anchor.js';
import { BareFleet } from './compare-bare.js';
import {
  cpuSeconds,
  type Fleet,
  type PhaseResult,
  paced,
  type Server,
  saturate,
  WINDOW,
} from './compare-load.js';
import { NatterFleet } from './compare-natter.js';
import { kill, listening, reap, spawnNodeWithPort, throwawayCert } from './compare-util.js';
import { findNatsServer } from './groups-nats.js';
import { fmt, type RelayProcess, spawnRelay } from './util.js';

const SECONDS = Number(process.env.NATTER_BENCH_CLUSTER_SECONDS ?? 10);
const REPS = Number(process.env.NATTER_BENCH_CLUSTER_REPS ?? 1);
const CLIENTS = 50;
const here = dirname(fileURLToPath(import.meta.url));

interface Setup {
  label: string;
  /** The relays' pids, and nats-server's pid if any. */
  relays: number[];
  nats: number | null;
  /** The clients of this setup (natter's, the bare relays', or JetStream's own). */
  connect(clients: number): Promise<Fleet>;
  stop(): Promise<void>;
}

async function startNats(
  binary: string,
): Promise<{ child: ChildProcess; url: string; stop(): Promise<void> }> {
  const port = await freeTcpPort();
  const dir = await mkdtemp(join(tmpdir(), 'natter-bench-nats-'));
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], {
    stdio: 'ignore',
  });
  reap(child);
  await listening(port, () =>
    child.exitCode === null ? null : `nats-server exited with ${child.exitCode}`,
  );
  return {
    child,
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      await kill(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

type Config = {
  name: string;
  label: string;
  relays: number;
  jetstream: boolean;
  bare?: boolean;
  /** The bare relay over core NATS (bare-core-relay.mjs) instead of JetStream. */
  core?: boolean;
};
const CONFIGS: Config[] = [
  { name: 'anchor', label: 'anchor: JetStream alone, no relay', relays: 0, jetstream: true },
  { name: 'leveldb', label: 'one relay, LevelDB', relays: 1, jetstream: false },
  { name: 'js1', label: 'one relay, JetStream', relays: 1, jetstream: true },
  { name: 'js2', label: 'two relays, JetStream (half crossing)', relays: 2, jetstream: true },
  {
    name: 'bare1',
    label: 'anchor: one bare relay, JetStream',
    relays: 1,
    jetstream: true,
    bare: true,
  },
  {
    name: 'bare2',
    label: 'anchor: two bare relays, JetStream (half crossing)',
    relays: 2,
    jetstream: true,
    bare: true,
  },
  {
    name: 'core1',
    label: 'anchor: one bare relay, core NATS',
    relays: 1,
    jetstream: true,
    bare: true,
    core: true,
  },
  {
    name: 'core2',
    label: 'anchor: two bare relays, core NATS (half crossing)',
    relays: 2,
    jetstream: true,
    bare: true,
    core: true,
  },
];
const pick = <T extends string>(env: string, all: readonly T[]): T[] => {
  const v = process.env[env];
  return v ? all.filter((x) => v.split(',').includes(x)) : [...all];
};

async function start(config: Config, natsBinary: string | null): Promise<Setup | null> {
  if (config.jetstream && natsBinary === null) return null;
  const nats = config.jetstream ? await startNats(natsBinary!) : null;
  if (config.bare) return startBare(config, nats!);
  const relays: RelayProcess[] = [];
  for (let i = 0; i < config.relays; i++) {
    relays.push(await spawnRelay(nats ? { cluster: nats.url } : {}));
  }
  const ports = relays.map((r) => r.port);
  return {
    label: config.label,
    relays: relays.map((r) => r.child.pid!),
    nats: nats?.child.pid ?? null,
    connect: (n) =>
      relays.length === 0
        ? JetStreamAnchorFleet.connect(nats!.url, n)
        : NatterFleet.connect(ports, false, n),
    async stop() {
      for (const r of relays) await r.stop();
      await nats?.stop();
    },
  };
}

async function startBare(
  config: Config,
  nats: Awaited<ReturnType<typeof startNats>>,
): Promise<Setup> {
  const dir = await mkdtemp(join(tmpdir(), 'natter-bench-bare-js-'));
  const { cert, key } = await throwawayCert(dir);
  const relays: ChildProcess[] = [];
  const ports: number[] = [];
  for (let i = 0; i < config.relays; i++) {
    const script = config.core ? 'bare-core-relay.mjs' : 'bare-js-relay.mjs';
    const r = await spawnNodeWithPort([join(here, script), nats.url, cert, key]);
    relays.push(r.child);
    ports.push(r.port);
  }
  return {
    label: config.label,
    relays: relays.map((r) => r.pid!),
    nats: nats.child.pid ?? null,
    connect: (n) => BareFleet.connect(ports, true, n),
    async stop() {
      for (const r of relays) await kill(r);
      await nats.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface Row {
  label: string;
  workload: string;
  r: PhaseResult;
  /** CPU per delivery, µs: each relay, all relays, nats-server. */
  relayUs: number[];
  relaysUs: number;
  natsUs: number;
  /** Which repetition (NATTER_BENCH_CLUSTER_REPS) the row is from. */
  rep?: number;
}

type Workload = 'light' | 'paced3k' | 'sat50';
const RATES: Record<Exclude<Workload, 'sat50'>, number> = { light: 1_000, paced3k: 3_000 };

async function phase(setup: Setup, workload: Workload): Promise<Row> {
  const fleet = await setup.connect(CLIENTS);
  const server: Server = {
    pid: setup.relays[0] ?? setup.nats!,
    connect: async () => fleet,
    stop: async () => {},
  };
  const pids = [...setup.relays, ...(setup.nats === null ? [] : [setup.nats])];
  const before = pids.map(cpuSeconds);
  const r =
    workload === 'sat50'
      ? await saturate(server, fleet, SECONDS)
      : await paced(server, fleet, RATES[workload], SECONDS);
  const spent = pids.map((pid, i) => cpuSeconds(pid) - before[i]!);
  fleet.close();
  const per = (s: number) => (s * 1e6) / Math.max(1, r.delivered);
  const relayUs = spent.slice(0, setup.relays.length).map(per);
  return {
    label: setup.label,
    workload,
    r,
    relayUs,
    relaysUs: relayUs.reduce((a, b) => a + b, 0),
    natsUs: setup.nats === null ? 0 : per(spent[spent.length - 1]!),
  };
}

function print(rows: Row[]): void {
  const head = [
    'setup',
    'deliveries/s',
    'p50 ms',
    'p99 ms',
    'relay CPU µs/deliv',
    'nats CPU µs/deliv',
    'sent',
    'lost+refused',
  ];
  const body = rows.map((x) => [
    x.label,
    fmt(x.r.rate),
    fmt(x.r.p50, 2),
    fmt(x.r.p99, 2),
    x.relayUs.length > 1
      ? `${fmt(x.relaysUs, 1)} (${x.relayUs.map((u) => fmt(u, 1)).join(' + ')})`
      : fmt(x.relaysUs, 1),
    x.natsUs === 0 ? '-' : fmt(x.natsUs, 1),
    fmt(x.r.sent),
    String(x.r.lost + x.r.refused),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  console.log(line(head));
  for (const row of body) console.log(line(row));
}

export async function runClusterBench(): Promise<void> {
  console.log('\n== cluster: natter relays on LevelDB and on NATS JetStream (issue 15) ==');
  const natsBinary = findNatsServer();
  if (natsBinary === null) console.log('  nats-server: not installed; JetStream rows skipped');
  const setups = pick(
    'NATTER_BENCH_CLUSTER_SETUPS',
    CONFIGS.map((c) => c.name),
  );
  const workloads = pick('NATTER_BENCH_CLUSTER_WORKLOADS', ['light', 'paced3k', 'sat50'] as const);
  for (const workload of workloads) {
    const title =
      workload === 'sat50'
        ? `${CLIENTS} clients at saturation (${WINDOW} in flight each), ${SECONDS} s`
        : `${workload === 'light' ? 'light load' : 'below every setup’s saturation'}: ${CLIENTS} clients, ${fmt(RATES[workload])} msgs/s in all (open loop), ${SECONDS} s`;
    console.log(`\n  ${title}`);
    const rows: Row[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      for (const config of CONFIGS.filter((c) => setups.includes(c.name))) {
        const setup = await start(config, natsBinary);
        if (setup === null) continue;
        try {
          rows.push({ ...(await phase(setup, workload)), rep });
        } finally {
          await setup.stop();
        }
      }
    }
    print(rows);
    // Each ratio is against the same rep's row: the machine's load drifts between reps.
    const of = (label: string) => rows.filter((x) => x.label === label);
    const sameRep = (label: string, x: Row) => of(label).find((y) => y.rep === x.rep);
    for (const js of [...of(CONFIGS[2]!.label), ...of(CONFIGS[3]!.label)]) {
      const level = sameRep(CONFIGS[1]!.label, js);
      if (level)
        console.log(
          `  ${js.label}: relay CPU per delivery ${fmt(js.relaysUs / level.relaysUs, 2)}x the LevelDB relay's (floor <= 2x)`,
        );
    }
    // The anchor for the floor: what splitting the same traffic over two Node relays on
    // NATS costs relays that do nothing else (bare-core-relay.mjs), set beside natter's.
    for (const two of of(CONFIGS[7]!.label)) {
      const one = sameRep(CONFIGS[6]!.label, two);
      const level = sameRep(CONFIGS[1]!.label, two);
      const js = sameRep(CONFIGS[3]!.label, two);
      if (!one) continue;
      const anchorRatio = two.relaysUs / one.relaysUs;
      const natter = js && level ? js.relaysUs / level.relaysUs : null;
      console.log(
        `  two bare relays on core NATS: relay CPU per delivery ${fmt(anchorRatio, 2)}x one bare relay's` +
          (natter === null
            ? ''
            : `; natter's two relays against its LevelDB relay ${fmt(natter, 2)}x, ${fmt(natter / anchorRatio, 2)}x the anchor's ratio`),
      );
    }
    if (workload === 'light') {
      for (const x of of(CONFIGS[3]!.label)) {
        const anchor = sameRep(CONFIGS[0]!.label, x);
        const bare = sameRep(CONFIGS[5]!.label, x);
        const vs =
          (anchor
            ? `; ${fmt(x.r.p99 / anchor.r.p99, 2)}x JetStream alone's ${fmt(anchor.r.p99, 2)} ms`
            : '') +
          (bare
            ? `; ${fmt(x.r.p99 / bare.r.p99, 2)}x two bare relays' ${fmt(bare.r.p99, 2)} ms`
            : '');
        console.log(`  across relays: p99 ${fmt(x.r.p99, 2)} ms (floor <= 5 ms${vs})`);
      }
    }
  }
}
