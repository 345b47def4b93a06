/** `natter relay` as it runs (its definition: relay.ts): start, report, wait for a stop signal. */
import { stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { homedir, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { fingerprint } from '../../peer/index.js';
import {
  type ClusterOptions,
  DEFAULT_RELAY_PORT,
  fsWords,
  mixedSchemes,
  parseClusterServers,
  RELAY_NAME_RULE,
  type RunningRelay,
  relayNameProblem,
  replicasText,
  startRelay,
  storeNewWarning,
} from '../../relay/index.js';
import { isNatterError } from '../../util/errors.js';
import { createLogger } from '../../util/logger.js';
import { type CliContext, UsageError } from '../context.js';
import { CliCode, cliError } from '../errors.js';
import { parsePort } from '../options.js';
import { presenceNetwork, relayPresenceAllowed } from '../presence.js';
import { formatSize } from '../sizes.js';
import { parseMaxUsers, parseReplicas, type RelayCliOptions } from './relay.js';

export async function runRelay(ctx: CliContext, opts: RelayCliOptions): Promise<void> {
  const env = ctx.io.env;
  const host = opts.host ?? env.NATTER_RELAY_HOST ?? '0.0.0.0';
  const port = opts.port ?? envPort(env.NATTER_RELAY_PORT);
  const dataDir = resolve(
    opts.data ??
      env.NATTER_RELAY_DATA ??
      join(env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share'), 'natter-relay'),
  );
  const name = opts.name ?? env.NATTER_RELAY_NAME;
  checkName(name, opts.name === undefined ? 'NATTER_RELAY_NAME' : '--name');
  const envMaxUsers = env.NATTER_RELAY_MAX_USERS;
  const maxUsers = opts.maxUsers ?? (envMaxUsers ? parseMaxUsers(envMaxUsers) : undefined);
  // Announced by default, so clients on the LAN need no configuration.
  const presence =
    opts.presence !== false && relayPresenceAllowed(env)
      ? presenceNetwork(env, ctx.global.presencePort)
      : false;
  checkHost(host);
  await checkDataDir(dataDir);
  const cluster = clusterOptions(opts, env);
  const relay = await startRelay({
    host,
    port,
    dataDir,
    logger: createLogger({
      stream: { write: (line: string) => ctx.io.stderr.write(line) !== false },
      base: { component: 'relay' },
    }),
    ...(name === undefined ? {} : { name }),
    limits: {
      ...(opts.fileQuota === undefined ? {} : { fileQuotaBytes: opts.fileQuota }),
      ...(maxUsers === undefined ? {} : { maxUsers }),
    },
    presence,
    ...(cluster ? { cluster } : {}),
  }).catch((err: unknown) => {
    throw startError(err, host, port, dataDir);
  });
  const shown = isWildcard(host) ? lanAddress() : relay.address.host;
  ctx.out(
    `natter relay listening on ${shown}:${relay.address.port} (relay id ${fingerprint(relay.relayId)}, data ${dataDir}${cluster ? `, cluster ${cluster.servers.join(',')}, ${clusterReplicasText(relay, cluster)}` : ''})`,
  );
  for (const note of startNotes(relay)) ctx.io.stderr.write(`natter: relay: ${note}\n`);
  await ctx.io.stopSignal();
  await relay.close();
}

/**
 * Beside the start-up line, in words on stderr among the JSON log (sixteenth sitting's
 * operator trial): a new relay id, and a disk below the free-space watermark.
 */
function startNotes({ relayId, notes }: RunningRelay): string[] {
  const said: string[] = [];
  if (notes.newKey)
    said.push(
      `created a new relay key: relay id ${fingerprint(relayId)} is new, and clients that knew another relay at this address refuse it until they accept it (--accept-new-relay-key)`,
    );
  if (notes.lowDisk)
    said.push(
      `the data directory's disk has ${formatSize(notes.lowDisk.freeBytes)} free, below the free-space watermark of ${formatSize(notes.lowDisk.minFreeBytes)}: new users and new mail are refused until more is free`,
    );
  if (notes.storeNew !== null) said.push(storeNewWarning(notes.storeNew));
  return said;
}

/** --cluster and its companions (or their NATTER_RELAY_CLUSTER* variables); undefined without one. */
function clusterOptions(
  opts: RelayCliOptions,
  env: Record<string, string | undefined>,
): ClusterOptions | undefined {
  const urls = opts.cluster ?? env.NATTER_RELAY_CLUSTER;
  if (urls === undefined || urls.trim() === '') return undefined;
  const servers = parseClusterServers(urls);
  for (const url of servers) {
    if (!/^(nats|tls):\/\/[^\s/]+$/.test(url) && !/^[^\s/:]+(:\d+)?$/.test(url)) {
      throw new UsageError(`relay: --cluster ${url} is not nats://HOST:PORT`);
    }
  }
  const mixed = mixedSchemes(servers);
  if (mixed) throw new UsageError(`relay: --cluster ${mixed}`);
  const creds = opts.clusterCreds ?? env.NATTER_RELAY_CLUSTER_CREDS;
  const ca = opts.clusterCa ?? env.NATTER_RELAY_CLUSTER_CA;
  const replicasText = env.NATTER_RELAY_CLUSTER_REPLICAS;
  const replicas = opts.clusterReplicas ?? (replicasText ? parseReplicas(replicasText) : undefined);
  return {
    servers,
    ...(creds ? { credsFile: resolve(creds) } : {}),
    ...(ca ? { caFile: resolve(ca) } : {}),
    ...(replicas === undefined ? {} : { replicas }),
  };
}

/** What the start line says of the replica count; "the cluster's" when none was given. */
function clusterReplicasText(relay: RunningRelay, cluster: ClusterOptions): string {
  const n = relay.cluster?.replicas ?? cluster.replicas ?? 1;
  const taken = cluster.replicas === undefined && relay.cluster?.replicasFound === true;
  return `${replicasText(n)}${taken ? " (the cluster's)" : ''}`;
}

/** A dotted quad that is no IPv4 address (999.1.1.1) is a typo, not a host name to look up. */
function checkHost(host: string): void {
  if (isIP(host) === 0 && /^[\d.]+$/.test(host))
    throw new UsageError(`relay: --host ${host} is not an IPv4 address`);
}

/** Checked with the other options, presence or not: clients see the name in every Challenge too. */
function checkName(name: string | undefined, given: string): void {
  const problem = name === undefined ? null : relayNameProblem(name);
  if (problem !== null)
    throw new UsageError(`relay: ${given} ${problem}: a relay name is ${RELAY_NAME_RULE}`);
}

/** A data path that exists must be a directory (EEXIST from mkdir says nothing useful). */
async function checkDataDir(dataDir: string): Promise<void> {
  const found = await stat(dataDir).catch(() => null);
  if (found !== null && !found.isDirectory())
    throw cliError(
      CliCode.RelayData,
      `relay: --data ${dataDir} is a file, not a directory: name a directory (it is created if missing)`,
    );
}

/**
 * A system error from starting the relay as a coded one-liner with the cause (issue 13):
 * the address to listen on, or the data directory. Coded errors pass through.
 */
function startError(err: unknown, host: string, port: number, dataDir: string): unknown {
  if (isNatterError(err) || !(err instanceof Error)) return err;
  const { code = '', syscall = '' } = err as NodeJS.ErrnoException;
  const because = { cause: err };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME')
    return cliError(CliCode.RelayListen, `relay: cannot resolve --host ${host} (${code})`, because);
  if (code === 'EADDRNOTAVAIL')
    return cliError(
      CliCode.RelayListen,
      `relay: ${host} is not an address of this machine (${code})`,
      because,
    );
  if (syscall === 'listen' || syscall === 'bind')
    return cliError(
      CliCode.RelayListen,
      `relay: cannot listen on ${host}:${port} (${code})`,
      because,
    );
  if (code.startsWith('E')) {
    // Which part of the data dir failed (blobs/, relay-key.json), not only the dir.
    const { path } = err as NodeJS.ErrnoException;
    const part = path !== undefined && resolve(path) !== dataDir ? `${path} ` : '';
    const why =
      code === 'EEXIST' && syscall === 'mkdir'
        ? `${part || `${dataDir} `}exists and is not a directory (EEXIST): move it away, or restore the data directory from a backup`
        : `${part ? `${part}: ` : ''}${fsWords(code)}`;
    return cliError(
      CliCode.RelayData,
      `relay: cannot use the data directory ${dataDir}: ${why}`,
      because,
    );
  }
  return err;
}

function envPort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_RELAY_PORT;
  try {
    return parsePort(value);
  } catch {
    throw new UsageError(`NATTER_RELAY_PORT '${value}' is not a port 0-65535`);
  }
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** The address other machines should dial: the first non-internal IPv4 of this host. */
function lanAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
