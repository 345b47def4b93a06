/**
 * The client's send and receive paths as a user runs them: CPU per message of
 * `natter send --each-line` (sealing, outbox, link, acks) and of `natter inbox`
 * (opening, history, receipts, acks), each measured as (N messages - 1 message)
 * / (N - 1) so process start-up cancels out, plus the relay's CPU per message.
 * Uses only the built CLI (dist/cli.js) and node builtins, so the same script
 * measures an older checkout too: `node scripts/bench/send-path.mjs [ROOT]`.
 * Traffic stays on 127.0.0.1; no presence.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(process.argv[2] ?? join(here, '..', '..'));
const cli = join(root, 'dist', 'cli.js');
const preload = join(here, 'cpu-at-exit.mjs');
const MESSAGES = Number(process.env.NATTER_BENCH_SEND_MESSAGES ?? 2000);
const REPEATS = Number(process.env.NATTER_BENCH_SEND_REPEATS ?? 3);

function freePort() {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function run(args, env, stdin) {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', preload, cli, ...args], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('exit', (code) => {
      const m = /NATTER_BENCH_CPU_US (\d+)/.exec(stderr);
      if (code !== 0 || !m)
        rej(new Error(`natter ${args[0]} exited ${code}: ${stderr.slice(0, 400)}`));
      else res({ cpuUs: Number(m[1]), stdout });
    });
    child.stdin.end(stdin ?? '');
  });
}

async function relayCpuUs(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1e6) / 100;
}

async function listening(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((res) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        res(true);
      });
      s.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('relay did not start');
}

const dir = await mkdtemp(join(tmpdir(), 'natter-sendpath-'));
const port = await freePort();
const relay = spawn(
  process.execPath,
  [cli, 'relay', '--host', '127.0.0.1', '--port', String(port), '--data', join(dir, 'relay')],
  { stdio: 'ignore', env: { ...process.env, NATTER_RELAY_PRESENCE: '0' } },
);
try {
  await listening(port);
  const env = (name) => ({
    NATTER_HOME: join(dir, name),
    NATTER_RELAY: `127.0.0.1:${port}`,
    NATTER_PRESENCE: '0',
  });
  await run(['init', '--name', 'alice'], env('alice'));
  await run(['init', '--name', 'bob'], env('bob'));
  const lines = (n, r) =>
    Array.from({ length: n }, (_, i) => `message ${r}-${i} `.padEnd(200, 'x')).join('\n');
  const sendUs = [];
  const inboxUs = [];
  const relayUs = [];
  for (let r = 0; r < REPEATS; r++) {
    const one = await run(['send', '--to', 'bob', '--each-line'], env('alice'), lines(1, `${r}a`));
    await run(['inbox'], env('bob'));
    const oneIn = await run(
      ['send', '--to', 'bob', '--each-line'],
      env('alice'),
      lines(1, `${r}b`),
    );
    const inOne = await run(['inbox'], env('bob'));
    const relay0 = await relayCpuUs(relay.pid);
    const many = await run(
      ['send', '--to', 'bob', '--each-line'],
      env('alice'),
      lines(MESSAGES, r),
    );
    const inMany = await run(['inbox'], env('bob'));
    const relayMany = (await relayCpuUs(relay.pid)) - relay0;
    sendUs.push((many.cpuUs - (one.cpuUs + oneIn.cpuUs) / 2) / (MESSAGES - 1));
    inboxUs.push((inMany.cpuUs - inOne.cpuUs) / (MESSAGES - 1));
    relayUs.push(relayMany / MESSAGES);
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const fmt = (xs) =>
    `median ${med(xs).toFixed(0)} µs (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
  console.log(`send path (${root}), ${MESSAGES} messages of 200 bytes per run:`);
  console.log(`  natter send CPU per message: ${fmt(sendUs)}`);
  console.log(`  natter inbox CPU per message: ${fmt(inboxUs)}`);
  console.log(`  relay CPU per message (send + delivery + acks): ${fmt(relayUs)}`);
} finally {
  relay.kill('SIGTERM');
  await new Promise((r) => relay.once('exit', r));
  await rm(dir, { recursive: true, force: true });
}
