/**
 * Plumbing of the side-by-side benchmark (compare.ts): child processes (spawned, reaped
 * at exit whatever happens, killed), ports, throwaway TLS certificates, connections,
 * and the per-tick write coalescing every generated client uses.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import tls from 'node:tls';
import { generateSigningKeyPair } from '../../src/crypto/sign.js';
import { relayCertificate } from '../../src/crypto/tls-cert.js';
import { sleep } from './util.js';

/** Per-socket write queues flushed once per tick: one write per socket, as every client does. */
export class TickWriter {
  private readonly pending = new Map<{ write(b: Buffer): unknown }, Buffer[]>();
  private scheduled = false;

  write(socket: { write(b: Buffer): unknown }, buf: Buffer): void {
    const list = this.pending.get(socket);
    if (list) list.push(buf);
    else this.pending.set(socket, [buf]);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    for (const [socket, list] of this.pending) {
      socket.write(list.length === 1 ? list[0]! : Buffer.concat(list));
    }
    this.pending.clear();
  }
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
export async function listening(port: number, exited: () => string | null): Promise<void> {
  for (let tries = 0; ; tries++) {
    const why = exited();
    if (why !== null) throw new Error(why);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (tries > 200) throw new Error(`nothing listens on ${port}`);
    await sleep(25);
  }
}

const children = new Set<ChildProcess>();
let reaperInstalled = false;

/** Kills `child` when this process exits, however it exits, if it is still running then. */
export function reap(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (reaperInstalled) return;
  reaperInstalled = true;
  process.once('exit', () => {
    for (const c of children) c.kill('SIGKILL');
  });
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
}

/** A throwaway self-signed certificate (Ed25519, as natter's relay has) in `dir`: cert.pem, key.pem. */
export async function throwawayCert(dir: string): Promise<{ cert: string; key: string }> {
  const { cert, key } = await relayCertificate(generateSigningKeyPair());
  const paths = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  await writeFile(paths.cert, cert);
  await writeFile(paths.key, key, { mode: 0o600 });
  return paths;
}

/** A connection to 127.0.0.1:`port`, plain or TLS 1.3 (any certificate: they are throwaway). */
export async function dial(port: number, secure: boolean): Promise<net.Socket> {
  const socket = secure
    ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, minVersion: 'TLSv1.3' })
    : net.connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once(secure ? 'secureConnect' : 'connect', resolve);
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  socket.on('error', () => {});
  return socket;
}

/** `n` results of `make(i)`, 50 at a time (as the relay bench connects). */
export async function inBatches<T>(n: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, (_, j) => make(i + j));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/** Random bytes for a payload's tail (the generator's own, no crypto needed). */
export function filler(bytes: number): Buffer {
  const b = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (Math.random() * 256) | 0;
  return b;
}

/** Spawns `args` with node, reaped at exit; resolves once it prints {"port": N}. */
export async function spawnNodeWithPort(
  args: string[],
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  reap(child);
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('{"port"')) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
  return { child, port };
}

/** SIGTERM, then SIGKILL after 5 s; resolves once `child` has exited. */
export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}
