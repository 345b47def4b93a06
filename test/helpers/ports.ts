/** Loopback ports for tests that spawn a relay process: pick a free one, wait until it listens. */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Where ports are picked: below the kernel's ephemeral range (ip_local_port_range), from
 * which every outgoing connection draws its source port. A port picked inside it and
 * bound a moment later by a spawned process can meanwhile become the source port of some
 * connection (nats-server nodes opening their routes, a relay dialling NATS), and the
 * process then exits "address in use" (a CI run lost a nats-server node that way). Below
 * it only another listener can take a port, and the pick checks that by binding.
 */
const PICK_FROM = 10_000;
const PICK_BELOW = ephemeralStart();

function ephemeralStart(): number {
  try {
    const first = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim();
    const n = Number(first.split(/\s+/)[0]);
    return Number.isInteger(n) && n > 0 ? n : 32_768;
  } catch {
    return 32_768;
  }
}

/** The next candidate: each process starts at its own place in the range and walks on. */
let cursor = (process.pid * 7919) % Math.max(1, PICK_BELOW - PICK_FROM);

function listen(port: number): Promise<net.Server | null> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the spawned relay binds it). */
export async function freeTcpPort(): Promise<number> {
  const [port] = await freeTcpPorts(1);
  return port!;
}

/** `n` distinct TCP ports on 127.0.0.1, held open together while picked so none repeats. */
export async function freeTcpPorts(n: number): Promise<number[]> {
  const span = PICK_BELOW - PICK_FROM;
  const held: net.Server[] = [];
  // A machine whose ephemeral range starts low: the kernel's pick, as before.
  for (let tries = 0; held.length < n; tries++) {
    const port = span >= 1000 && tries < span ? PICK_FROM + (cursor++ % span) : 0;
    const server = await listen(port);
    if (server) held.push(server);
  }
  const ports = held.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/**
 * Resolves once something accepts connections on 127.0.0.1:`port`; rejects after
 * `timeoutMs`, or at once when `process` (the relay being waited for) has exited.
 */
export async function listening(
  port: number,
  options: { timeoutMs?: number; process?: ChildProcess; pollMs?: number } = {},
): Promise<void> {
  const { timeoutMs = 10_000, process, pollMs = 25 } = options;
  const start = Date.now();
  for (;;) {
    if (process && process.exitCode !== null) {
      throw new Error(`relay exited with ${process.exitCode}`);
    }
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() - start > timeoutMs) throw new Error(`relay not listening on ${port}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** A loopback port nothing listens on: bound, then closed (a connection to it is refused). */
export async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
