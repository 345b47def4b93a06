/**
 * The relay's link to a NATS cluster with JetStream (issue 15): one connection,
 * the JetStream and key-value handles, and the streams and buckets the cluster
 * stores keep their state in, created on first use and checked at every start.
 * Everything a relay shares with the others goes through here; sessions,
 * dispatch, budgets and the protocol stay as on a single relay.
 *
 * Names are versioned like LevelDB's key prefixes (STYLE.md §11): a later layout
 * gets new names and a migration, never a silent change of meaning.
 */

import { readFile } from 'node:fs/promises';
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { systemClock } from '../../util/clock.js';
import { describeError, isNatterError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { RelayFailureCode, relayFailure } from '../errors.js';
import { chooseReplicas, existingReplicas, replicasText, tooManyReplicas } from './replicas.js';
import { sayWhileWaiting } from './wait-notice.js';

/** The stream of stored 1:1 mail: one subject per recipient. */
export const MAIL_STREAM = 'NATTER_MAIL_1';
export const MAIL_SUBJECT_PREFIX = 'natter.1.mail.';
/** Every group's items, one stream: `<prefix><gid hex>.log` (changes) and `.msg` (messages). */
export const GROUP_STREAM = 'NATTER_GROUPS_1';
export const GROUP_SUBJECT_PREFIX = 'natter.1.group.';
/** The stream of file chunks: one subject per chunk, `<prefix><transfer id hex>.<index>`. */
export const FILES_STREAM = 'NATTER_FILES_1';
export const FILE_SUBJECT_PREFIX = 'natter.1.file.';
/** Core NATS subjects (not stored): stored-mail notes, acks, the roster, relay heartbeats. */
export const LIVE_SUBJECT_PREFIX = 'natter.1.live.';
export const ACKED_SUBJECT = 'natter.1.acked';
export const ROSTER_SUBJECT = 'natter.1.roster';
export const ROSTER_SYNC_SUBJECT = 'natter.1.roster-sync';
export const NODE_BEAT_SUBJECT = 'natter.1.beat';
/** Mail held for its ack, pushed through another relay: `<prefix><node>.<msg id>` (held-mail.ts). */
export const EARLY_SUBJECT_PREFIX = 'natter.1.early.';
/** That relay's answers: `<prefix><origin node>` (held-mail.ts). */
export const EARLY_ANSWER_PREFIX = 'natter.1.early-answer.';
/** Key-value buckets: cards by user id, owners by folded name, the cluster's relay key. */
export const USERS_BUCKET = 'natter_users_1';
export const NAMES_BUCKET = 'natter_names_1';
export const SERVICE_BUCKET = 'natter_service_1';
/** File transfer records (expire with the file TTL) and users' FilePolicy (kept). */
export const FILES_BUCKET = 'natter_files_1';
export const FILE_POLICIES_BUCKET = 'natter_file_policies_1';
/** Group members' cursors: `<gid hex>.<user hex>` -> the highest gseq acknowledged. */
export const GROUP_CURSORS_BUCKET = 'natter_gcursors_1';
/** Every stream the relays keep (a bucket is the stream KV_<bucket>): one replica count for all. */
export const CLUSTER_STREAMS: readonly string[] = [
  MAIL_STREAM,
  GROUP_STREAM,
  FILES_STREAM,
  ...[
    USERS_BUCKET,
    NAMES_BUCKET,
    SERVICE_BUCKET,
    FILES_BUCKET,
    FILE_POLICIES_BUCKET,
    GROUP_CURSORS_BUCKET,
  ].map((bucket) => `KV_${bucket}`),
];

export interface ClusterOptions {
  /** NATS server URLs (nats://user:pass@host:port, tls://host:port). */
  servers: string[];
  /** A NATS credentials file (JWT + nkey seed), as `nats --creds` takes. */
  credsFile?: string;
  /** A CA certificate (PEM) to verify the NATS servers' TLS certificates with. */
  caFile?: string;
  /**
   * Replicas of every stream and bucket: 1 on one nats-server, 3 on a three-node cluster.
   * Default: the count the cluster's streams and buckets have, or 1 on a new cluster;
   * another count than theirs is refused (E_CLUSTER_REPLICAS), never applied.
   */
  replicas?: number;
  /** How long to wait for JetStream at start; default CLUSTER_SETUP_TIMEOUT_MS. */
  setupTimeoutMs?: number;
  /** How often a relay still waiting for NATS at start says so; default WAIT_NOTICE_MS. */
  waitNoticeMs?: number;
  /** Name this relay gives its NATS connection (shown by `nats server report connections`). */
  name?: string;
}

/** Where a cluster of relays keeps what they share, ready to use. */
export interface ClusterLink {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly users: KV;
  readonly names: KV;
  readonly service: KV;
  readonly replicas: number;
  /** True when `replicas` is what the cluster's streams and buckets already had. */
  readonly replicasFound: boolean;
  close(): Promise<void>;
}

/**
 * How long a starting relay waits for JetStream to take its buckets: a NATS
 * cluster that has just started needs a few seconds to elect its leaders, and
 * relays and NATS nodes are often started together (a machine boots).
 */
export const CLUSTER_SETUP_TIMEOUT_MS = 30_000;
/** How often a relay pings its NATS node (two unanswered: the connection is given up). */
export const NATS_PING_MS = 4_000;
/** How long a NATS node has to answer a new connection before the next one is tried. */
export const NATS_CONNECT_TIMEOUT_MS = 4_000;
const SETUP_RETRY_MS = 500;

/**
 * The replica count and the buckets, created or opened; retried until JetStream
 * answers or the time is up. An answer no retry changes (no JetStream, another
 * replica count) ends it at once, coded.
 */
async function setUp(
  nc: NatsConnection,
  wanted: number | undefined,
  log: Logger,
  timeoutMs: number,
) {
  const deadline = systemClock.now() + timeoutMs;
  for (;;) {
    let replicas = wanted ?? 1;
    try {
      const jsm = await jetstreamManager(nc).catch((err: unknown) => {
        throw noJetStream(nc, err) ?? err;
      });
      const choice = chooseReplicas(await existingReplicas(jsm, CLUSTER_STREAMS), wanted);
      replicas = choice.replicas;
      const kvm = new Kvm(nc);
      const bucket = (name: string) => kvm.create(name, { replicas, history: 1 });
      const [users, names, service] = await Promise.all([
        bucket(USERS_BUCKET),
        bucket(NAMES_BUCKET),
        bucket(SERVICE_BUCKET),
      ]);
      return { jsm, users, names, service, choice };
    } catch (err) {
      if (isNatterError(err)) throw err;
      const placement = tooManyReplicas(err, replicas);
      if (placement?.final) throw placement.error;
      if (systemClock.now() + SETUP_RETRY_MS > deadline) throw placement?.error ?? err;
      log.info('waiting for JetStream', describeError(err));
      await new Promise((r) => setTimeout(r, SETUP_RETRY_MS));
    }
  }
}

/** JetStream's "not enabled" (no server answers its API) as a coded failure, or null. */
function noJetStream(nc: NatsConnection, err: unknown): Error | null {
  if ((err as Error | null)?.name !== 'JetStreamNotEnabled') return null;
  return relayFailure(
    RelayFailureCode.ClusterNoJetStream,
    `relay: nats-server at ${nc.getServer()} runs without JetStream: start it with -js (and -sd DIR for its store)`,
    err,
  );
}

/**
 * A tls:// URL means TLS is required (system CAs unless caFile): without this, the
 * client library took a server without TLS in plaintext (operator trial).
 */
function wantsTls(options: ClusterOptions): boolean {
  return options.caFile !== undefined || options.servers.some((s) => /^tls:\/\//i.test(s));
}

/** A TLS server that offers none, as a coded failure, or null. */
function tlsRefused(options: ClusterOptions, err: unknown): Error | null {
  if (!wantsTls(options) || !/does not support 'tls'/.test(String((err as Error)?.message))) {
    return null;
  }
  return relayFailure(
    RelayFailureCode.ClusterTls,
    `relay: the NATS server at ${options.servers.join(',')} offers no TLS, and ${options.caFile ? '--cluster-ca' : 'a tls:// URL'} requires it: configure TLS on nats-server, or use nats:// URLs (no encryption) without --cluster-ca`,
    err,
  );
}

export async function connectCluster(options: ClusterOptions, log: Logger): Promise<ClusterLink> {
  let nc: NatsConnection;
  try {
    const creds = options.credsFile ? await readFile(options.credsFile) : null;
    const ca = options.caFile ? await readFile(options.caFile, 'utf8') : null;
    const connecting = connect({
      servers: options.servers,
      name: options.name ?? 'natter relay',
      // A relay acts on its own publishes directly; it does not need them back.
      noEcho: true,
      // A stack trace captured for every request costs a sixth of the relay's CPU at load.
      noAsyncTraces: true,
      // Keep trying: a NATS node restarting must not end the relay.
      maxReconnectAttempts: -1,
      // A node that dies silently (cut off, no RST) is left within about 10 s for another;
      // the library's default (a ping every 2 min, 2 unanswered) stalled relays for 7+
      // minutes in a new-user trial.
      pingInterval: NATS_PING_MS,
      maxPingOut: 2,
      reconnectTimeWait: 250,
      // A frozen node still accepts TCP (the kernel does) and never says hello: the
      // library's default wait (20 s) held a relay that long before it tried the next.
      timeout: NATS_CONNECT_TIMEOUT_MS,
      ...(creds ? { authenticator: credsAuthenticator(creds) } : {}),
      ...(wantsTls(options) ? { tls: ca ? { ca } : {} } : {}),
    });
    nc = await sayWhileWaiting(
      connecting,
      log,
      'still connecting to NATS: no server has answered yet, trying the others',
      { servers: options.servers.join(',') },
      options.waitNoticeMs,
    );
    log.info('connected to NATS', { server: nc.getServer() });
  } catch (err) {
    throw (
      tlsRefused(options, err) ??
      relayFailure(
        RelayFailureCode.ClusterUnreachable,
        `relay: cannot reach the NATS cluster at ${options.servers.join(',')}: ${natsCause(err)}`,
        err,
      )
    );
  }
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
        log.warn('cluster connection', {
          event: s.type,
          server: 'server' in s ? String(s.server) : '',
        });
      }
    }
  })().catch(() => {});
  const timeoutMs = options.setupTimeoutMs ?? CLUSTER_SETUP_TIMEOUT_MS;
  try {
    const { jsm, users, names, service, choice } = await sayWhileWaiting(
      setUp(nc, options.replicas, log, timeoutMs),
      log,
      "still waiting for JetStream to take the relay's buckets",
      { server: nc.getServer(), timeoutMs },
      options.waitNoticeMs,
    );
    return {
      nc,
      js: jetstream(nc),
      jsm,
      users,
      names,
      service,
      replicas: choice.replicas,
      replicasFound: choice.found,
      close: async () => {
        await nc
          .drain()
          .catch((err: unknown) => log.warn('cluster drain failed', describeError(err)));
      },
    };
  } catch (err) {
    await nc.close();
    if (isNatterError(err)) throw err;
    const replicas = options.replicas ?? 1;
    throw relayFailure(
      RelayFailureCode.ClusterUnreachable,
      `relay: JetStream did not take the relay's buckets within ${timeoutMs} ms (is every nats-server running with -js${replicas > 1 ? `, at least ${replicas} of them in one JetStream cluster for ${replicasText(replicas)}` : ''}?)`,
      err,
    );
  }
}

/** The client library's reason, with the system's code under it ("connection refused (ECONNREFUSED)"). */
function natsCause(err: unknown): string {
  const { message } = describeError(err);
  const code = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}
