/**
 * The relay's composition root: the store, the relay key and its TLS certificate, the
 * listener (listener.ts: TCP, the connection cap, TLS 1.3), the groups (groups/index.ts),
 * a Session for each connection whose channel is up, and the TTL sweep. `openRelay` is
 * start.ts's `startRelay` without its undoing what a failed start made.
 */
import { relayCertificate } from '../crypto/tls-cert.js';
import { RelayBeacon, type RelayBeaconOptions } from '../presence/relay-beacon.js';
import { type Clock, systemClock, type Timer } from '../util/clock.js';
import { DelayedFlush } from '../util/delayed-flush.js';
import { describeError, isNatterError } from '../util/errors.js';
import { type Logger, silentLogger } from '../util/logger.js';
import { ByteBudget } from './budget.js';
import type { ClusterOptions } from './cluster/connection.js';
import type { RelayContext } from './context.js';
import { deliverStoredAt } from './deliver-record.js';
import { Directory, type DirectoryStore } from './directory.js';
import { RelayFailureCode, relayFailure } from './errors.js';
import { Fanout } from './fanout.js';
import { RelayFiles } from './files/service.js';
import { createGroups, type RelayGroups } from './groups/index.js';
import { Hub } from './hub.js';
import { type RelayKey, relayKeyIn } from './identity.js';
import { InflightShares } from './inflight.js';
import { DEFAULT_RELAY_LIMITS, DEFAULT_RELAY_PORT, type RelayLimits } from './limits.js';
import { RelayListener } from './listener.js';
import type { MailStore } from './mail-store.js';
import { Mailbox } from './mailbox.js';
import { Session } from './session.js';
import { type RelayStartNotes, startNotes } from './start-notes.js';
import { RelayStore } from './store/index.js';
import { tellSessions } from './store-reach.js';

export interface RelayOptions {
  /** Data directory (LevelDB store and relay key). Required. */
  dataDir: string;
  /** Listen address. Default '0.0.0.0' (all IPv4 interfaces). */
  host?: string;
  /** TCP port. Default 47474; 0 picks a free port (tests). */
  port?: number;
  /** Name shown to clients. Default 'natter relay'. */
  name?: string;
  logger?: Logger; // default silent; the CLI passes a JSON logger
  clock?: Clock; // default the system clock
  /** Lower limits for tests; defaults in limits.ts. */
  limits?: Partial<RelayLimits>;
  /** Free bytes on the data dir's file system (tests); default statfs. */
  freeBytes?: (dir: string) => Promise<number | null>;
  /**
   * Signed UDP relay beacons on the LAN, so clients find it unconfigured (DESIGN.md §5).
   * Default off for the library (tests run many); `natter relay` turns it on.
   */
  presence?: false | Omit<RelayBeaconOptions, 'relayId' | 'relaySecretKey' | 'relayPort' | 'name'>;
  /**
   * One of several relays as one service on NATS JetStream (issue 15, README "Running
   * several relays"): directory, mail, groups, files and roster live in the cluster.
   * Default: none (LevelDB in dataDir holds everything).
   */
  cluster?: ClusterOptions;
  /**
   * Default true: TLS 1.3 (DESIGN.md §2). false serves plain TCP for `npm run bench`'s
   * figures beside TLS; no client can use it (they speak TLS only), the CLI never sets it.
   */
  tls?: boolean;
}

export interface RunningRelay {
  readonly address: { host: string; port: number };
  readonly relayId: Uint8Array;
  readonly name: string;
  /** With `cluster`: the replica count used, and whether it is the one the cluster had. */
  readonly cluster?: { readonly replicas: number; readonly replicasFound: boolean };
  /** What the start-up line says beside the address (start-notes.ts). */
  readonly notes: RelayStartNotes;
  /** Live counts for monitoring and tests. */
  stats(): {
    connections: number;
    onlineUsers: number;
    storedMessages: number;
    users: number;
    groups: number;
    /** Group items held (each stored once, whatever the number of members). */
    storedGroupItems: number;
    /** File transfers stored (each once, whatever the number of recipients). */
    storedFiles: number;
    /** Largest number of bytes queued for any one connection right now. */
    maxBufferedBytes: number;
  };
  /** Stop accepting, say goodbye to every session, flush the store, close it. Idempotent. */
  close(): Promise<void>;
}

export async function openRelay(options: RelayOptions): Promise<RunningRelay> {
  const limits: RelayLimits = { ...DEFAULT_RELAY_LIMITS, ...options.limits };
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const name = options.name ?? 'natter relay';
  const store = await RelayStore.open({
    dataDir: options.dataDir,
    minFreeDiskBytes: limits.minFreeDiskBytes,
    clock,
    log,
    ...(options.freeBytes ? { freeBytes: options.freeBytes } : {}),
  });
  let key: RelayKey;
  let notes: RelayStartNotes;
  let credentials: Awaited<ReturnType<typeof relayCertificate>> | null = null;
  const hub = new Hub<Session>(limits.maxSessionsPerUser, clock);
  // Loaded only for a cluster (cluster/parts.ts): a standalone relay never loads NATS.
  const cluster = options.cluster
    ? await (await import('./cluster/parts.js')).clusterParts(options.cluster, {
        dataDir: options.dataDir,
        store,
        hub,
        limits,
        clock,
        log,
      })
    : null;
  const link = cluster?.link ?? null;
  const roster = cluster?.roster ?? null;
  const directory: DirectoryStore & { close?: () => void } =
    cluster?.directory ?? new Directory(store, log);
  const mailbox: MailStore =
    cluster?.mailbox ?? new Mailbox(store, { limits, clock, storedAtOf: deliverStoredAt });
  const isRegistered = (userHex: string) => directory.byUserId(userHex) !== undefined;
  const groups: RelayGroups =
    cluster?.groups ?? createGroups({ store, hub, limits, clock, log, isRegistered });
  const files = new RelayFiles({
    store,
    dataDir: options.dataDir,
    limits,
    clock,
    log,
    isRegistered: (userHex) => directory.byUserId(userHex) !== undefined,
    groupMembers: (gidHex) => groups.registry.get(gidHex)?.memberHexes,
    ...(cluster ? { storage: cluster.fileStorage } : {}),
  });
  // What start-up opened, closed in reverse when a later step fails.
  const undoOpen = async () => {
    await files.close();
    await groups.streams.close();
    directory.close?.();
    await mailbox.close();
    await link?.close();
    await store.close();
  };
  try {
    const own = await relayKeyIn(options.dataDir);
    // A cluster's key is the one stored there first: new only if it is the one just made.
    key = cluster ? await cluster.relayKey(own.key) : own.key;
    notes = await startNotes(store, own.created && key === own.key);
    // A new certificate at every start: it carries nothing but the relay id's key.
    if (options.tls !== false) credentials = await relayCertificate(key);
    await directory.open();
    await mailbox.open();
    await groups.streams.open();
    await files.open();
  } catch (err) {
    await undoOpen();
    // A timeout from the client library says too little: name the step and the cluster.
    if (link && !isNatterError(err)) {
      throw relayFailure(
        RelayFailureCode.ClusterUnreachable,
        `relay: JetStream did not answer while the relay set up its mail and directory (${describeError(err).message})`,
        err,
      );
    }
    throw err;
  }
  roster?.start();
  if (mailbox.reach) tellSessions(mailbox.reach, hub.connections);
  const fanout = new Fanout(mailbox, hub);
  const budget = new ByteBudget<Session>(limits.maxRelayBufferedBytes);
  const ctx: RelayContext = {
    key,
    name,
    limits,
    clock,
    log,
    directory,
    mailbox,
    hub,
    fanout,
    groups,
    files,
    budget,
    inflight: new InflightShares(limits),
    delayedAcks: new DelayedFlush(limits.sendAckDelayMs, { clock }),
  };
  const listener = new RelayListener({
    host: options.host ?? '0.0.0.0',
    port: options.port ?? DEFAULT_RELAY_PORT,
    credentials,
    limits,
    clock,
    log,
    accepted: (stream, binding, remote) => hub.attach(new Session(stream, ctx, remote, binding)),
  });
  const addr = await listener.listen().catch(async (err: NodeJS.ErrnoException) => {
    roster?.close();
    await undoOpen();
    throw err.code === 'EADDRINUSE'
      ? relayFailure(
          RelayFailureCode.AddressInUse,
          `relay: ${options.host ?? '0.0.0.0'}:${options.port} is already in use`,
          err,
        )
      : err;
  });
  // Only after listen succeeded: a bind failure is reported once, as E_ADDRESS_IN_USE.
  listener.onError((err) => log.error('listener error', describeError(err)));
  ctx.delayedAcks.start();

  // The TTL sweep, on the injected clock (each run arms the next).
  let sweepTimer: Timer | null = null;
  const sweep = () => {
    const dropped = mailbox.sweep();
    if (dropped > 0) log.info('expired mail dropped', { count: dropped });
    const expired = groups.streams.sweep();
    if (expired > 0) log.info('expired group items dropped', { count: expired });
    sweepTimer = clock.setTimeout(sweep, limits.ttlSweepIntervalMs);
    (sweepTimer as { unref?: () => void }).unref?.();
  };
  sweep();

  log.info('relay listening', {
    host: addr.address,
    port: addr.port,
    users: directory.size,
    tls: credentials !== null,
  });

  let beacon: RelayBeacon | null = null;
  if (options.presence) {
    beacon = new RelayBeacon({
      logger: log,
      ...options.presence,
      relayId: key.publicKey,
      relaySecretKey: key.secretKey,
      relayPort: addr.port,
      listenHost: addr.address,
      name,
    });
    try {
      await beacon.start();
    } catch (err) {
      // Discovery is a convenience: a relay whose UDP port is taken still relays.
      log.warn('relay beacon could not start; clients need --relay', describeError(err));
      beacon = null;
    }
  }

  let closing: Promise<void> | null = null;
  return {
    address: { host: addr.address, port: addr.port },
    relayId: key.publicKey,
    name,
    notes,
    ...(link ? { cluster: { replicas: link.replicas, replicasFound: link.replicasFound } } : {}),
    stats: () => ({
      connections: hub.connections.size,
      onlineUsers: hub.onlineUsers,
      storedMessages: mailbox.size,
      users: directory.size,
      groups: groups.registry.size,
      storedGroupItems: groups.streams.heldItems,
      storedFiles: files.registry.size,
      maxBufferedBytes: Math.max(0, ...[...hub.connections].map((s) => s.bufferedBytes)),
    }),
    close() {
      closing ??= (async () => {
        if (sweepTimer) clock.clearTimeout(sweepTimer);
        ctx.delayedAcks.stop();
        await beacon?.stop();
        const closed = listener.close();
        roster?.close();
        for (const session of [...hub.connections]) session.close('E_SHUTDOWN');
        await mailbox.close();
        await groups.streams.close();
        await files.close();
        await closed;
        directory.close?.();
        await link?.close();
        await store.close();
        log.info('relay stopped');
      })();
      return closing;
    },
  };
}
