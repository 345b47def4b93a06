/**
 * Files (issue 12, docs/files.md): one large file, sender → relay → receiver, every
 * part a separate process on this machine, over TLS 1.3 on 127.0.0.1.
 *  1. online: the receiver is connected and accepts the offer the moment it is shown;
 *     MB/s from the sender's sendFile call (hashing the file included) to the file
 *     verified and saved at the receiver;
 *  2. offline: the recipient is registered but not connected; MB/s of the upload, from
 *     sendFile to every chunk acked by the relay; then the recipient connects, accepts,
 *     and we take the MB/s of its download, from accept to verified and saved;
 *  3. peak RSS (VmHWM) of the relay and of every client process, the CPU seconds each
 *     used (a client's whole life, start-up included; the relay's over the phase), and
 *     the chunk cipher (src/crypto/file-cipher.ts) the clients use.
 * In the same run, the yardstick: the same three-process shape with nothing but Node
 * sockets (files-anchor.mjs: a sender writing the same number of bytes from memory, a
 * forwarder piping each connection on, a receiver counting), over plain TCP and over
 * TLS 1.3 (every hop, the forwarder re-encrypting as the relay does), and natter's
 * end-to-end figure as a ratio of each. Floors (issue 12): end to end >= 110 MB/s and
 * every process < 200 MB peak RSS. MB is 10^6 bytes.
 *
 * Switches: NATTER_BENCH_FILE_MIB=1024 (the file's size); NATTER_BENCH_FILE_SIDES=anchor,natter
 * (which sides, in that order); NATTER_BENCH_FILE_PHASES=online,offline; NATTER_BENCH_FILE_DIR
 * (where the file, the relay's data and the downloads go; default the OS temp dir);
 * NATTER_BENCH_FILE_VERIFY=0 (skip the bench's own SHA-256 of each saved file, after the
 * clock has stopped); NATTER_BENCH_PROF=DIR (CPU profiles of the relay and of every client).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateSigningKeyPair } from '../../src/crypto/sign.js';
import { relayCertificate } from '../../src/crypto/tls-cert.js';
import { sha256Of, writeRandomFile } from '../../test/helpers/random-file.js';
import { fmt, type RelayProcess, shippedNodeFlags, sleep, spawnRelay } from './util.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', '..', 'dist', 'cli.js');
const MIB = 1024 * 1024;
const MB = 1e6;
const FILE_MIB = Number(process.env.NATTER_BENCH_FILE_MIB ?? 1024);
const FILE_BYTES = FILE_MIB * MIB;
const VERIFY = process.env.NATTER_BENCH_FILE_VERIFY !== '0';
/** Issue 12's floors. */
const FLOOR_MB_PER_S = 110;
const CEILING_RSS_MB = 200;
/** A phase that has not finished in this long has stalled (about 10 MB/s at 1 GiB). */
const PHASE_TIMEOUT_MS = Math.max(120_000, FILE_BYTES / 10_000);

type Json = Record<string, unknown>;

/** One process over one phase: peak RSS (MB) and CPU seconds (user + system). */
interface Usage {
  peakMb: number;
  cpuS: number;
}

/** `sender 120 MB, 3.1 s CPU; relay ...`: where the memory and the CPU went. */
function describeUsage(parts: [string, Usage][]): string {
  const rss = parts.map(([label, u]) => `${label} ${fmt(u.peakMb)} MB`).join(', ');
  const cpu = parts.map(([label, u]) => `${label} ${fmt(u.cpuS, 1)} s`).join(', ');
  return `peak RSS ${rss}; CPU ${cpu}`;
}

/** A spawned child that speaks JSON lines on stdout (files-anchor.mjs, files-peer.mjs). */
class Child {
  readonly lines: Json[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private waiters: { match: (l: Json) => boolean; resolve: (l: Json) => void }[] = [];

  constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: Json;
      try {
        line = JSON.parse(text) as Json;
      } catch {
        return; // a stray log line
      }
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(line)) return true;
        w.resolve(line);
        return false;
      });
    });
    child.stderr?.on('data', (d) => {
      this.stderr += d;
    });
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  static spawn(label: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
    const child = spawn(process.execPath, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NATTER_PRESENCE: '0', NATTER_RELAY_PRESENCE: '0', ...env },
    });
    return new Child(label, child);
  }

  /** The first line (past or future) that has `key`; rejects on an {"error"} line, exit or timeout. */
  async next(key: string, timeoutMs = PHASE_TIMEOUT_MS): Promise<Json> {
    const found = this.lines.find((l) => key in l || 'error' in l);
    const line =
      found ??
      (await new Promise<Json>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${this.label}: no ${key} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const settle = (l: Json) => {
          clearTimeout(timer);
          resolve(l);
        };
        this.waiters.push({ match: (l) => key in l || 'error' in l, resolve: settle });
        void this.exited.then((code) => {
          clearTimeout(timer);
          reject(
            new Error(`${this.label} exited ${code} before ${key}: ${this.stderr.slice(-800)}`),
          );
        });
      }));
    if ('error' in line) throw new Error(`${this.label}: ${String(line.error)}`);
    return line;
  }

  say(text: string): void {
    this.child.stdin?.write(`${text}\n`);
  }

  /** Its own report of its peak RSS and CPU time, printed as it exits. */
  async usage(): Promise<Usage> {
    const line = await this.next('peakMb');
    return { peakMb: Number(line.peakMb), cpuS: Number(line.cpuS) };
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

const now = () => performance.timeOrigin + performance.now();

/** The 1-minute load average: figures taken beside other work are read with it. */
async function loadAverage(): Promise<string> {
  return (await readFile('/proc/loadavg', 'utf8').catch(() => '?')).split(' ')[0] ?? '?';
}
const rate = (bytes: number, ms: number) => bytes / MB / (ms / 1000);

// ---------------------------------------------------------------------------
// The anchor: Node sockets alone

interface AnchorFigures {
  mbPerS: number;
  seconds: number;
  usage: [string, Usage][];
}

async function anchor(tlsFiles: string | null): Promise<AnchorFigures> {
  const script = join(here, 'files-anchor.mjs');
  const env = {
    NATTER_BENCH_ANCHOR_BYTES: String(FILE_BYTES),
    ...(tlsFiles ? { NATTER_BENCH_ANCHOR_TLS: tlsFiles } : {}),
  };
  const sink = Child.spawn('anchor sink', [script, 'sink'], env);
  const children = [sink];
  try {
    const sinkPort = Number((await sink.next('port')).port);
    const forward = Child.spawn('anchor forward', [script, 'forward', String(sinkPort)], env);
    children.push(forward);
    const forwardPort = Number((await forward.next('port')).port);
    const source = Child.spawn('anchor source', [script, 'source', String(forwardPort)], env);
    children.push(source);
    await source.next('ready');
    const t0 = now();
    source.say('go');
    await sink.next('done');
    const ms = now() - t0;
    return {
      mbPerS: rate(FILE_BYTES, ms),
      seconds: ms / 1000,
      usage: [
        ['sender', await source.usage()],
        ['forwarder', await forward.usage()],
        ['receiver', await sink.usage()],
      ],
    };
  } finally {
    for (const c of children) c.kill();
  }
}

/** An Ed25519 certificate as the relay makes one (tls-cert.ts), for the TLS anchor. */
async function anchorCredentials(dir: string): Promise<string> {
  const keys = generateSigningKeyPair();
  const { cert, key } = await relayCertificate(keys);
  const certPath = join(dir, 'anchor-cert.pem');
  const keyPath = join(dir, 'anchor-key.pem');
  await writeFile(certPath, cert);
  await writeFile(keyPath, key, { mode: 0o600 });
  return `${certPath},${keyPath}`;
}

function describeAnchor(label: string, a: AnchorFigures): string {
  return (
    `  anchor, ${label}: ${fmt(a.mbPerS)} MB/s (${fmt(FILE_MIB)} MiB in ${fmt(a.seconds, 2)} s)\n` +
    `      ${describeUsage(a.usage)}`
  );
}

// ---------------------------------------------------------------------------
// natter

interface RelaySampler {
  stop(): Promise<Usage>;
}

/**
 * The relay over one phase: its VmRSS every 100 ms (the phase's peak; VmHWM covers the
 * whole run) and the CPU seconds it used meanwhile.
 */
async function sampleRelay(relay: RelayProcess): Promise<RelaySampler> {
  let peak = 0;
  let on = true;
  const cpu0 = await relay.cpuSeconds();
  const loop = (async () => {
    while (on) {
      peak = Math.max(peak, (await relay.memory().catch(() => ({ rssMb: 0 }))).rssMb);
      await sleep(100);
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return { peakMb: peak, cpuS: (await relay.cpuSeconds()) - cpu0 };
    },
  };
}

async function initProfile(home: string, name: string, port: number): Promise<void> {
  // With NATTER_RELAY set, init registers the name, so a sender can look it up at once.
  await promisify(execFile)(process.execPath, [cli, 'init', '--name', name], {
    env: {
      ...process.env,
      NATTER_HOME: home,
      NATTER_RELAY: `127.0.0.1:${port}`,
      NATTER_PRESENCE: '0',
    },
  });
}

interface NatterFigures {
  online?: { mbPerS: number; seconds: number; sender: Usage; receiver: Usage; relay: Usage };
  offline?: {
    uploadMbPerS: number;
    uploadSeconds: number;
    downloadMbPerS: number;
    downloadSeconds: number;
    connectMs: number;
    sender: Usage;
    receiver: Usage;
    relayUpload: Usage;
    relayDownload: Usage;
  };
  relayPeak: number;
  cipher: string;
}

async function checkSaved(label: string, savedAs: unknown, expected: string): Promise<string> {
  if (typeof savedAs !== 'string') throw new Error(`${label}: no saved path`);
  if (!VERIFY) return '';
  const got = await sha256Of(savedAs);
  if (got !== expected) throw new Error(`${label}: saved file's SHA-256 differs from the source's`);
  return ', SHA-256 checked';
}

async function runNatter(dir: string, file: string, sha256: string): Promise<NatterFigures> {
  const phases = (process.env.NATTER_BENCH_FILE_PHASES ?? 'online,offline').split(',');
  // NATTER_BENCH_PROF=DIR: CPU profiles of the clients too, beside the relay's.
  const prof = process.env.NATTER_BENCH_PROF;
  const peer = join(here, 'files-peer.mjs');
  // As `natter` runs them: with the node flags of its executable (util.ts).
  const peerArgs = [
    ...shippedNodeFlags(),
    ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
    peer,
  ];
  const relay = await spawnRelay();
  const orphan = () => relay.child.kill('SIGKILL');
  process.once('exit', orphan);
  const children: Child[] = [];
  const figures: NatterFigures = { relayPeak: 0, cipher: '?' };
  const home = (name: string) => join(dir, 'profiles', name);
  try {
    for (const name of ['alice', 'bob', 'carol']) await initProfile(home(name), name, relay.port);
    const port = String(relay.port);

    if (phases.includes('online')) {
      const out = join(dir, 'bob-downloads');
      await mkdir(out, { recursive: true });
      const receiver = Child.spawn('receiver', [...peerArgs, 'receive', home('bob'), port, out]);
      const sender = Child.spawn('sender', [...peerArgs, 'send', home('alice'), port, 'bob', file]);
      children.push(receiver, sender);
      await receiver.next('ready');
      figures.cipher = String((await sender.next('ready')).cipher);
      const sampler = await sampleRelay(relay);
      sender.say('go');
      const t0 = Number((await sender.next('started')).started);
      const got = await receiver.next('received');
      const ms = Number(got.received) - t0;
      const relayUsage = await sampler.stop();
      const accepted = Number((await receiver.next('accepted')).accepted);
      const uploaded = await sender.next('uploaded');
      const check = await checkSaved('online', got.savedAs, sha256);
      figures.online = {
        mbPerS: rate(FILE_BYTES, ms),
        seconds: ms / 1000,
        sender: await sender.usage(),
        receiver: await receiver.usage(),
        relay: relayUsage,
      };
      console.log(
        `  natter, receiver online: ${fmt(figures.online.mbPerS)} MB/s end to end ` +
          `(${fmt(FILE_MIB)} MiB in ${fmt(ms / 1000, 2)} s, from sendFile to verified and saved${check}); ` +
          `offer accepted after ${fmt((accepted - t0) / 1000, 2)} s, upload acked after ` +
          `${fmt((Number(uploaded.uploaded) - t0) / 1000, 2)} s`,
      );
      const o = figures.online;
      console.log(
        `      ${describeUsage([
          ['sender', o.sender],
          ['relay', o.relay],
          ['receiver', o.receiver],
        ])}`,
      );
      await rm(out, { recursive: true, force: true });
    }

    if (phases.includes('offline')) {
      const sender = Child.spawn('sender', [
        ...peerArgs,
        'send',
        home('alice'),
        port,
        'carol',
        file,
      ]);
      children.push(sender);
      await sender.next('ready');
      const upSampler = await sampleRelay(relay);
      sender.say('go');
      const t0 = Number((await sender.next('started')).started);
      const up = Number((await sender.next('uploaded')).uploaded);
      const relayUpload = await upSampler.stop();
      const offered = Number((await sender.next('offered')).offered);
      const senderUsage = await sender.usage();

      const out = join(dir, 'carol-downloads');
      await mkdir(out, { recursive: true });
      const downSampler = await sampleRelay(relay);
      const receiver = Child.spawn('receiver', [...peerArgs, 'receive', home('carol'), port, out]);
      children.push(receiver);
      const ready = await receiver.next('ready');
      const accepted = Number((await receiver.next('accepted')).accepted);
      const got = await receiver.next('received');
      const relayDownload = await downSampler.stop();
      const downMs = Number(got.received) - accepted;
      const check = await checkSaved('offline', got.savedAs, sha256);
      figures.offline = {
        uploadMbPerS: rate(FILE_BYTES, up - t0),
        uploadSeconds: (up - t0) / 1000,
        downloadMbPerS: rate(FILE_BYTES, downMs),
        downloadSeconds: downMs / 1000,
        connectMs: Number(ready.connectMs),
        sender: senderUsage,
        receiver: await receiver.usage(),
        relayUpload,
        relayDownload,
      };
      const o = figures.offline;
      console.log(
        `  natter, recipient offline: upload ${fmt(o.uploadMbPerS)} MB/s (${fmt(o.uploadSeconds, 2)} s ` +
          `from sendFile to every chunk acked); later download ${fmt(o.downloadMbPerS)} MB/s ` +
          `(${fmt(o.downloadSeconds, 2)} s from accept to verified and saved${check}; ` +
          `offer out after ${fmt((offered - t0) / 1000, 2)} s, login took ${fmt(o.connectMs)} ms)`,
      );
      console.log(
        `      upload: ${describeUsage([
          ['sender', o.sender],
          ['relay', o.relayUpload],
        ])}`,
      );
      console.log(
        `      download: ${describeUsage([
          ['relay', o.relayDownload],
          ['receiver', o.receiver],
        ])}`,
      );
      await rm(out, { recursive: true, force: true });
    }
    figures.relayPeak = (await relay.memory()).peakMb;
    console.log(
      `  natter: chunk cipher ${figures.cipher}; relay peak RSS over the run ${fmt(figures.relayPeak)} MB (VmHWM)`,
    );
    return figures;
  } finally {
    for (const c of children) c.kill();
    await relay.stop();
    process.off('exit', orphan);
  }
}

const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

export async function runFilesBench(): Promise<void> {
  const sides = (process.env.NATTER_BENCH_FILE_SIDES ?? 'anchor,natter').split(',');
  const base = process.env.NATTER_BENCH_FILE_DIR ?? tmpdir();
  const dir = await mkdtemp(join(base, 'natter-bench-files-'));
  console.log(
    `files benchmark: one ${fmt(FILE_MIB)} MiB file of random bytes, sender → relay → receiver, ` +
      `each a process, on 127.0.0.1 (MB = 10^6 bytes)`,
  );
  try {
    const file = join(dir, 'payload.bin');
    const t0 = now();
    const sha256 = await writeRandomFile(file, FILE_MIB);
    console.log(
      `  (made the file in ${fmt((now() - t0) / 1000, 1)} s under ${dir}; load average ${await loadAverage()})`,
    );
    let tcp: AnchorFigures | null = null;
    let tls: AnchorFigures | null = null;
    let natter: NatterFigures | null = null;
    for (const side of sides) {
      if (side === 'anchor') {
        tcp = await anchor(null);
        console.log(describeAnchor('plain TCP', tcp));
        tls = await anchor(await anchorCredentials(dir));
        console.log(describeAnchor('TLS 1.3', tls));
      } else if (side === 'natter') {
        natter = await runNatter(dir, file, sha256);
      }
    }
    console.log(
      `  (load average at the end ${await loadAverage()}: the machine's other work shares its ${cpus().length} cores)`,
    );
    if (natter?.online) {
      const e2e = natter.online.mbPerS;
      const ratios = [
        tcp ? `${fmt(e2e / tcp.mbPerS, 2)}x the plain TCP anchor` : null,
        tls ? `${fmt(e2e / tls.mbPerS, 2)}x the TLS 1.3 anchor` : null,
      ].filter((s) => s !== null);
      if (ratios.length > 0) console.log(`  natter end to end: ${ratios.join(', ')}`);
      const peaks = [natter.online.sender.peakMb, natter.online.receiver.peakMb, natter.relayPeak];
      if (natter.offline) peaks.push(natter.offline.sender.peakMb, natter.offline.receiver.peakMb);
      const worst = Math.max(...peaks);
      console.log(
        `  floors (issue 12): end to end ${fmt(e2e)} MB/s >= ${FLOOR_MB_PER_S}: ${verdict(e2e >= FLOOR_MB_PER_S)}; ` +
          `largest peak RSS ${fmt(worst)} MB < ${CEILING_RSS_MB}: ${verdict(worst < CEILING_RSS_MB)}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}
