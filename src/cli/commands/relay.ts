/**
 * `natter relay`: run the relay in the foreground until SIGINT/SIGTERM. Only the command's
 * definition is here; the relay (and with it LevelDB's relay side and, for a cluster, the
 * NATS client) is loaded when the command runs (relay-run.ts), so that every other
 * command starts without it.
 */
import type { Command } from 'commander';
import { DEFAULT_RELAY_PORT, FILE_QUOTA_BYTES, MAX_USERS } from '../../relay/defaults.js';
import { UsageError } from '../context.js';
import type { WithContext } from '../main.js';
import { parsePort } from '../options.js';
import { formatSize, parseSize } from '../sizes.js';

export interface RelayCliOptions {
  host?: string;
  port?: number;
  data?: string;
  name?: string;
  /** false with --no-presence. */
  presence?: boolean;
  /** Stored file bytes per uploader. */
  fileQuota?: number;
  /** Registered users in all. */
  maxUsers?: number;
  /** NATS URLs: run as one relay of a cluster (issue 15). */
  cluster?: string;
  clusterCreds?: string;
  clusterCa?: string;
  clusterReplicas?: number;
}

export function addRelayCommand(program: Command, withContext: WithContext): void {
  program
    .command('relay')
    .description('run a relay (stores and forwards encrypted mail) until Ctrl-C')
    .option('--host <addr>', 'listen address (NATTER_RELAY_HOST; default 0.0.0.0)')
    .option(
      '--port <port>',
      `TCP port (NATTER_RELAY_PORT; default ${DEFAULT_RELAY_PORT})`,
      parsePort,
    )
    .option(
      '--data <dir>',
      'data directory (NATTER_RELAY_DATA; default $XDG_DATA_HOME/natter-relay)',
    )
    .option('--name <name>', 'name shown to clients (NATTER_RELAY_NAME)')
    .option(
      '--file-quota <size>',
      `stored file bytes per uploader, e.g. 20G (default ${formatSize(FILE_QUOTA_BYTES)})`,
      parseSize,
    )
    .option(
      '--max-users <n>',
      `registered users in all; registrations of new users beyond it are refused (NATTER_RELAY_MAX_USERS; default ${MAX_USERS})`,
      parseMaxUsers,
    )
    .option(
      '--cluster <urls>',
      'run as one of several relays on NATS JetStream: nats://HOST:PORT[,...] (NATTER_RELAY_CLUSTER); README "Running several relays"',
    )
    .option(
      '--cluster-creds <file>',
      'NATS credentials file for --cluster (NATTER_RELAY_CLUSTER_CREDS)',
    )
    .option(
      '--cluster-ca <file>',
      'CA certificate (PEM) to check NATS servers that use TLS (NATTER_RELAY_CLUSTER_CA)',
    )
    .option(
      '--cluster-replicas <n>',
      "JetStream replicas of the stored mail and directory, 1 to 5 and at most the JetStream nodes: 3 on a three-node NATS cluster survives the loss of a node (NATTER_RELAY_CLUSTER_REPLICAS; default the cluster's count, 1 on a new cluster)",
      parseReplicas,
    )
    .option(
      '--no-presence',
      'do not announce the relay on the LAN with signed UDP beacons (NATTER_RELAY_PRESENCE=0); clients then need --relay',
    )
    .action(
      withContext(async (ctx, opts: RelayCliOptions) => {
        const { runRelay } = await import('./relay-run.js');
        await runRelay(ctx, opts);
      }),
    );
}

/**
 * JetStream takes 1 to 5 replicas, and so does natter: the count is the cluster's,
 * checked against what JetStream can place (replicas.ts). An even count survives no
 * more lost nodes than the odd one below it (JetStream needs a majority).
 */
export function parseMaxUsers(text: string): number {
  const n = Number(text);
  if (!/^\d{1,9}$/.test(text) || n < 1) {
    throw new UsageError(`relay: --max-users ${text} is not a number of users (1 or more)`);
  }
  return n;
}

export function parseReplicas(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 5) {
    throw new UsageError(`relay: --cluster-replicas ${text} is not 1 to 5`);
  }
  return n;
}
