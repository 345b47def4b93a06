/** Shared benchmark plumbing: spawn the relay, read its memory, percentiles. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The node flags natter ships with: those on dist/cli.js's first line
 * (`#!/usr/bin/env -S node FLAGS`), so a process the benchmarks spawn on dist/ runs
 * as `natter` itself does; NATTER_BENCH_NODE_FLAGS replaces them.
 */
export function shippedNodeFlags(): string[] {
  // NATTER_BENCH_NODE_FLAGS='...' instead ('' for none): the same run without them, A/B.
  const given = process.env.NATTER_BENCH_NODE_FLAGS;
  if (given !== undefined) return given.split(/\s+/).filter((f) => f.length > 0);
  const first = readFileSync(join(here, '..', '..', 'dist', 'cli.js'), 'utf8').split('\n')[0] ?? '';
  const m = /^#!\/usr\/bin\/env -S node(.*)$/.exec(first);
  return (
    m?.[1]
      ?.trim()
      .split(/\s+/)
      .filter((f) => f.length > 0) ?? []
  );
}

export interface RelayProcess {
  port: number;
  /** Plain TCP (NATTER_BENCH_PLAIN) rather than TLS 1.3. */
  plain: boolean;
  child: ChildProcess;
  /** Resident set size now and at peak, in MB, from /proc. */
  memory(): Promise<{ rssMb: number; peakMb: number }>;
  /** CPU seconds (user + system) the relay has used so far, from /proc. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/** Spawns relay-child.mjs; `plain` serves plain TCP, the baseline for the TLS figures. */
export async function spawnRelay(
  options: { plain?: boolean; cluster?: string } = {},
): Promise<RelayProcess> {
  const plain = options.plain ?? false;
  const dir = await mkdtemp(join(tmpdir(), 'natter-bench-'));
  // NATTER_BENCH_PROF=DIR writes a V8 CPU profile of the relay there; NATTER_BENCH_TRACE_GC=FILE
  // V8's --trace-gc of each relay to FILE.PID.
  const prof = process.env.NATTER_BENCH_PROF;
  const flags = [...shippedNodeFlags(), ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])];
  if (process.env.NATTER_BENCH_TRACE_GC) flags.push('--trace-gc');
  const child = spawn(process.execPath, [...flags, join(here, 'relay-child.mjs'), dir], {
    stdio: ['ignore', 'pipe', process.env.NATTER_BENCH_TRACE_GC ? 'pipe' : 'inherit'],
    env: {
      ...process.env,
      NATTER_BENCH_PLAIN: plain ? '1' : '0',
      NATTER_BENCH_CLUSTER: options.cluster ?? '',
      ...heaptrackEnv(dir),
    },
  });
  const lines = createInterface({ input: child.stdout! });
  if (process.env.NATTER_BENCH_TRACE_GC) {
    // --trace-gc writes to stdout after the port line; keep it in a file, one per relay
    // (FILE.PID: the cluster bench runs two at once).
    const { createWriteStream } = await import('node:fs');
    const out = createWriteStream(`${process.env.NATTER_BENCH_TRACE_GC}.${child.pid}`);
    lines.on('line', (l) => out.write(`${l}\n`));
  }
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('{"port"')) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
  });
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`  relay exited during the run: code ${code}, signal ${signal}`);
  });
  return {
    port,
    plain,
    child,
    async memory() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
    },
    async cpuSeconds() {
      const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
    },
    async stop() {
      stopping = true;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * NATTER_BENCH_HEAPTRACK=FILE: every malloc of the relay traced by heaptrack (Debian's
 * heaptrack, preloaded into the relay alone) into FILE.PID.gz, for `heaptrack_print` (its
 * peak consumers: what holds glibc's arena). The relay runs several times slower.
 */
function heaptrackEnv(dir: string): Record<string, string> {
  const out = process.env.NATTER_BENCH_HEAPTRACK;
  if (!out) return {};
  const lib = '/usr/lib/heaptrack';
  const pipe = join(dir, 'heaptrack.fifo');
  execFileSync('mkfifo', [pipe]);
  const reader = spawn(
    'sh',
    ['-c', `${lib}/libexec/heaptrack_interpret < "$1" | gzip > "$2.$$.gz"`, 'sh', pipe, out],
    { stdio: 'inherit' },
  );
  reader.unref();
  return { LD_PRELOAD: `${lib}/libheaptrack_preload.so`, DUMP_HEAPTRACK_OUTPUT: pipe };
}

/** USER_HZ: Linux reports /proc CPU times in 1/100 s on every architecture natter runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Open loop: `rate` messages a second for `seconds`, each `send(i)` the i-th; every 5 ms tick
 * sends what the elapsed time owes, so a late timer does not lower the rate. Returns how
 * many were sent and the ms it took.
 */
export async function offerPaced(
  rate: number,
  seconds: number,
  send: (i: number) => void,
): Promise<{ sent: number; elapsedMs: number }> {
  const tickMs = 5;
  let sent = 0;
  const t0 = performance.now();
  for (let elapsed = 0; elapsed < seconds * 1000; elapsed = performance.now() - t0) {
    for (const owed = Math.floor((rate * elapsed) / 1000); sent < owed; sent++) send(sent);
    await sleep(tickMs);
  }
  return { sent, elapsedMs: performance.now() - t0 };
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

/**
 * A peer server's binary (mosquitto, nats-server) at one of `paths`, installed with
 * apt-get (Debian package `pkg`) when missing and we are root; else null. Benchmarks only:
 * tests never install anything.
 */
export function findOrInstall(paths: readonly string[], pkg: string): string | null {
  const found = () =>
    paths.find((p) => {
      try {
        accessSync(p, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    }) ?? null;
  const path = found();
  if (path !== null || process.getuid?.() !== 0) return path;
  try {
    console.log(`  ${pkg} is missing: apt-get install -y -qq ${pkg}`);
    execFileSync('apt-get', ['install', '-y', '-qq', pkg], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    return null;
  }
  return found();
}
