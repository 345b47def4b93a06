/**
 * The relay's composition root: the store, the relay key and its TLS certificate, the
 * listener (listener.ts: TCP, the connection cap, TLS 1.3), the groups (groups/index.ts),
 * a Session for each connection whose channel is up, and the TTL sweep. `openRelay` is
 * start.ts's `startRelay` without its undoing what a failed start made.
 */
import { relayCertificate } from '../crypto/tls-cert.js';
import { RelayBeacon } from '../presence/relay-beacon.js';
import { systemClock, type Timer } from '../util/clock.js';
import { DelayedFlush } from '../util/delayed-flush.js';
import { describeError, isNatterError, NatterError } from '../util/errors.js';
import { silentLogger } from '../util/logger.js';
import { ConnectionShares } from './address-shares.js';
import { ByteBudget } from './budget.js';
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
import { RegistrationGate } from './registration-gate.js';
import { RELAY_NAME_RULE, relayNameProblem } from './relay-name.js';
import type { RelayOptions, RunningRelay } from './relay-options.js';
import { Session } from './session.js';
import {
  type RelayStartNotes,
  STORE_NEW_CODE,
  startNotes,
  storeMissingBesideKey,
  storeNewWarning,
} from './start-notes.js';
import { RelayStore } from './store/index.js';
import { tellSessions } from './store-reach.js';

export async function openRelay(options: RelayOptions): Promise<RunningRelay> {
  const limits: RelayLimits = { ...DEFAULT_RELAY_LIMITS, ...options.limits };
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const name = options.name ?? 'natter relay';
  // Before anything opens (the CLI says it as bad usage; here, a caller's mistake).
  const nameProblem = relayNameProblem(name);
  if (nameProblem !== null)
    throw new NatterError('E_BAD_ARGUMENT', `relay: the name ${nameProblem}: ${RELAY_NAME_RULE}`);
  // A cluster's local store holds nothing: only a standalone relay loses users with it.
  const storeNew = options.cluster ? null : await storeMissingBesideKey(options.dataDir);
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
    notes = await startNotes(store, own.created && key === own.key, storeNew);
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
    connections: new ConnectionShares(limits),
    registrations: new RegistrationGate(limits, clock, log),
  };
  const listener = new RelayListener({
    host: options.host ?? '0.0.0.0',
    port: options.port ?? DEFAULT_RELAY_PORT,
    credentials,
    limits,
    shares: ctx.connections,
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
  if (notes.storeNew !== null)
    log.warn(storeNewWarning(notes.storeNew), { code: STORE_NEW_CODE, store: notes.storeNew });

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
      sharedKey: cluster !== null,
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
