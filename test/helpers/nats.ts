/**
 * nats-server processes of a test's own (issue 15): one with JetStream on a free
 * loopback port and a temp store, or a three-node JetStream cluster. Each test
 * gets empty streams and buckets, and never touches the machine's own server.
 * `natsServerPath` is null where nats-server is not installed (.ci/run installs
 * it; suites skip without it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freeTcpPort, listening } from './ports.js';
import { makeTempDir } from './tmp.js';

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

export const natsServerPath: string | null = CANDIDATES.find((p) => existsSync(p)) ?? null;

export interface NatsNode {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** SIGKILL, as a machine dying would. */
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** Starts it again (after kill or stop) with the same store and ports. */
  restart(): Promise<void>;
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((r) => child.once('exit', r));
}

function node(args: string[], port: number): NatsNode {
  let child = spawn(serverPath(), args, { stdio: 'ignore' });
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    get process() {
      return child;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
    async restart() {
      child = spawn(serverPath(), args, { stdio: 'ignore' });
      await listening(port, { process: child });
    },
  };
}

function serverPath(): string {
  if (!natsServerPath) throw new Error('nats-server is not installed');
  return natsServerPath;
}

/** One nats-server with JetStream on 127.0.0.1, its store in a temp dir. */
export async function startNats(): Promise<NatsNode> {
  const port = await freeTcpPort();
  const dir = await makeTempDir('natter-nats-');
  const n = node(['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], port);
  await listening(port, { process: n.process });
  return n;
}

/** Three nats-server nodes on loopback forming one JetStream cluster (streams may have 3 replicas). */
export async function startNatsCluster(): Promise<NatsNode[]> {
  const ports = await Promise.all(
    [0, 1, 2].map(async () => [await freeTcpPort(), await freeTcpPort()] as const),
  );
  const routes = ports.map(([, route]) => `nats-route://127.0.0.1:${route}`).join(',');
  const nodes: NatsNode[] = [];
  for (const [i, [port, route]] of ports.entries()) {
    const dir = await makeTempDir(`natter-nats-${i}-`);
    nodes.push(
      node(
        [
          '-a',
          '127.0.0.1',
          '-p',
          String(port),
          '-js',
          '-sd',
          join(dir, 'js'),
          '-n',
          `n${i}`,
          '--cluster_name',
          'natter',
          '--cluster',
          `nats://127.0.0.1:${route}`,
          '--routes',
          routes,
        ],
        port,
      ),
    );
  }
  await Promise.all(nodes.map((n) => listening(n.port, { process: n.process })));
  return nodes;
}
