/** Loopback ports for tests that spawn a relay process: pick a free one, wait until it listens. */
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago (the spawned relay binds it). */
export async function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** `n` distinct TCP ports on 127.0.0.1, held open together while picked so none repeats. */
export async function freeTcpPorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => net.createServer());
  await Promise.all(
    servers.map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
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
