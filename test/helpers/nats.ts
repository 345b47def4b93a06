/**
 * nats-server processes of a test's own (issue 15): one with JetStream on a free
 * loopback port and a temp store, or a three-node JetStream cluster. Each test
 * gets empty streams and buckets, and never touches the machine's own server.
 * `natsServerPath` is null where nats-server is not installed (.ci/run installs
 * it; suites skip without it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeTcpPort, freeTcpPorts, listening } from './ports.js';
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

/**
 * Spawns nats-server with its stderr in `logFile` (appended across restarts): a file, not
 * a pipe, so a busy test can never make its logging block; read back to say why it exited.
 */
function spawnServer(args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    return spawn(serverPath(), args, { stdio: ['ignore', 'ignore', fd] });
  } finally {
    closeSync(fd);
  }
}

function node(args: string[], port: number, logFile: string): NatsNode & { stderr(): string } {
  let child = spawnServer(args, logFile);
  return {
    stderr: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : ''),
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
      child = spawnServer(args, logFile);
      await listening(port, { process: child });
    },
  };
}

function serverPath(): string {
  if (!natsServerPath) throw new Error('nats-server is not installed');
  return natsServerPath;
}

/**
 * Starts the nodes on ports picked just before; tries again on new ports when one
 * exits before it listens, and says what nats-server said when it never does. A CI
 * log once held only "exited with 1": ports were then picked in the ephemeral range,
 * where the nodes' own route connections could take one first (ports.ts now picks
 * below it); another listener can still take a port between pick and bind.
 */
async function startNodes(make: () => Promise<(NatsNode & { stderr(): string })[]>) {
  for (let attempt = 1; ; attempt++) {
    const nodes = await make();
    try {
      await Promise.all(nodes.map((n) => listening(n.port, { process: n.process })));
      return nodes;
    } catch (err) {
      await Promise.all(nodes.map((n) => n.kill()));
      const why = nodes
        .map((n) => n.stderr().trim())
        .filter(Boolean)
        .join('\n');
      if (attempt === 3) throw new Error(`${(err as Error).message}; nats-server said: ${why}`);
    }
  }
}

/**
 * One nats-server with JetStream on 127.0.0.1, its store in a temp dir; with
 * `jetstream: false`, one without (a server started without -js).
 */
export async function startNats(options: { jetstream?: boolean } = {}): Promise<NatsNode> {
  const [n] = await startNodes(async () => {
    const port = await freeTcpPort();
    const dir = await makeTempDir('natter-nats-');
    const args = ['-a', '127.0.0.1', '-p', String(port)];
    if (options.jetstream !== false) args.push('-js', '-sd', join(dir, 'js'));
    return [node(args, port, join(dir, 'stderr.log'))];
  });
  return n!;
}

/** Three nats-server nodes on loopback forming one JetStream cluster (streams may have 3 replicas). */
export async function startNatsCluster(): Promise<NatsNode[]> {
  return startNodes(async () => {
    const picked = await freeTcpPorts(6);
    const ports = [0, 1, 2].map((i) => [picked[2 * i]!, picked[2 * i + 1]!] as const);
    const routes = ports.map(([, route]) => `nats-route://127.0.0.1:${route}`).join(',');
    const nodes: (NatsNode & { stderr(): string })[] = [];
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
          join(dir, 'stderr.log'),
        ),
      );
    }
    return nodes;
  });
}
