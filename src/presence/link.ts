/**
 * What the client beacon and the relay beacon share: the transport's lifecycle
 * (idempotent start and stop, ordered teardown), a periodic tick on the
 * injected clock, the receive filter, and rate-limited unicast replies. The
 * owner supplies what to send, which interface broadcasts to send it to, and
 * what to do with accepted datagrams.
 */
import { networkInterfaces as osNetworkInterfaces } from 'node:os';
import { type Clock, systemClock, type Timer } from '../util/clock.js';
import { describeError } from '../util/errors.js';
import { type Logger, silentLogger } from '../util/logger.js';
import {
  DEFAULT_PRESENCE_PORT,
  HEARTBEAT_INTERVAL_MS,
  MAX_TRACKED_SOURCES,
  REPLY_BURST,
  REPLY_MIN_GAP_MS,
  REPLY_RATE_PER_SECOND,
} from './constants.js';
import { PresenceCode, presenceError } from './errors.js';
import {
  DatagramFilter,
  type DropReason,
  type FilterOptions,
  type FilterResult,
  type FilterStats,
} from './filter.js';
import { ReplyLimiter } from './rate-limit.js';
import type { InterfaceList } from './targets.js';
import type { OpenTransport, PresenceTransport } from './transport.js';

/** Options common to both beacons; each is documented with its default. */
export interface LinkOptions {
  /** Shared UDP presence port. Default DEFAULT_PRESENCE_PORT (47475). */
  port?: number;
  /**
   * Local address the sockets bind (a relay beacon on a specific listenHost sends
   * from that instead). Default '0.0.0.0'.
   */
  bindAddress?: string;
  /** Time between periodic sends. Default HEARTBEAT_INTERVAL_MS (2000). */
  intervalMs?: number;
  /** Extra targets besides interface broadcasts, e.g. ['127.255.255.255']. Default []. */
  extraTargets?: readonly string[];
  /**
   * Broadcast on the interfaces (every non-internal IPv4 one for a client; the
   * relay's listening ones for a relay beacon). Default true; tests turn it off.
   */
  broadcastInterfaces?: boolean;
  /** The interface list, asked before each broadcast. Default os.networkInterfaces; tests pass fixed data. */
  networkInterfaces?: () => InterfaceList;
  /** Receive-pipeline options (limits, verify spies). Its clock defaults to `clock`. */
  filter?: FilterOptions;
  /** Time source for ticks, expiry and filtering. Default systemClock. */
  clock?: Clock;
  /** Default silentLogger. */
  logger?: Logger;
}

export type Accepted = Extract<FilterResult, { ok: true }>;

/** LinkOptions plus what the owning beacon decides rather than its caller. */
export interface LinkSetup extends LinkOptions {
  /** Local address of the sending socket (the source of every datagram). Default bindAddress. */
  sendAddress?: string;
}

export interface LinkHandlers {
  /** Each datagram that passed the filter. */
  accepted(datagram: Accepted): void;
  /** Each datagram the filter dropped. */
  dropped(reason: DropReason): void;
  /** Once after binding, before the first tick. */
  started(): Promise<void>;
  /** Every interval while running. */
  tick(): Promise<void>;
  /** The interface broadcast targets, from the current list; asked on every broadcast. */
  interfaceTargets(interfaces: InterfaceList): readonly string[];
}

export interface LinkStats {
  filter: FilterStats;
  sent: number;
  replies: number;
  repliesSuppressed: number;
}

export class PresenceLink {
  readonly clock: Clock;
  readonly log: Logger;
  readonly intervalMs: number;
  /** The current interface list (options.networkInterfaces). */
  readonly interfaces: () => InterfaceList;
  private readonly filter: DatagramFilter;
  private readonly replies = new ReplyLimiter({
    ratePerSecond: REPLY_RATE_PER_SECOND,
    burst: REPLY_BURST,
    minGapMs: REPLY_MIN_GAP_MS,
    maxTargets: MAX_TRACKED_SOURCES,
  });
  private transport: PresenceTransport | null = null;
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private timer: Timer | null = null;
  private counters = { sent: 0, replies: 0, repliesSuppressed: 0 };

  constructor(
    private readonly options: LinkSetup,
    private readonly openTransport: OpenTransport,
    private readonly handlers: LinkHandlers,
  ) {
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? silentLogger;
    this.intervalMs = options.intervalMs ?? HEARTBEAT_INTERVAL_MS;
    this.interfaces = options.networkInterfaces ?? osNetworkInterfaces;
    if (!(this.intervalMs > 0))
      throw presenceError(PresenceCode.BadArgument, 'presence: intervalMs must be > 0');
    this.filter = new DatagramFilter({ clock: this.clock, ...options.filter });
  }

  /** True between a successful bind and the start of stop(). */
  get running(): boolean {
    return this.transport !== null && this.stopping === null;
  }

  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  /** Stops ticking, runs `beforeClose` (e.g. send BYE) while the socket is open, closes. */
  stop(beforeClose?: () => Promise<void>): Promise<void> {
    this.stopping ??= this.doStop(beforeClose);
    return this.stopping;
  }

  /** Sends to every broadcast target. Never rejects. */
  async broadcast(build: () => Uint8Array): Promise<void> {
    const transport = this.transport;
    if (transport === null) return;
    try {
      const bytes = build();
      this.counters.sent++;
      await transport.broadcast(bytes);
    } catch (err) {
      this.log.warn('presence: send failed', describeError(err));
    }
  }

  /**
   * Answers the source of a HELLO or QUERY by unicast, within the reply limits.
   * The one place a source address is used: as a reply target, never as identity.
   */
  reply(to: Accepted, build: () => Uint8Array): void {
    if (!this.running || this.transport === null) return;
    if (!this.replies.allow(to.address, to.port, this.clock.now())) {
      this.counters.repliesSuppressed++;
      return;
    }
    this.counters.replies++;
    try {
      void this.transport.sendTo(build(), to.address, to.port);
    } catch (err) {
      this.log.warn('presence: reply failed', describeError(err));
    }
  }

  stats(): LinkStats {
    return { filter: this.filter.stats(), ...this.counters };
  }

  private async doStart(): Promise<void> {
    if (this.stopping)
      throw presenceError(PresenceCode.BeaconStopped, 'presence: start after stop');
    const o = this.options;
    const bindAddress = o.bindAddress ?? '0.0.0.0';
    this.transport = await this.openTransport(
      {
        port: o.port ?? DEFAULT_PRESENCE_PORT,
        bindAddress,
        sendAddress: o.sendAddress ?? bindAddress,
        targets: () => this.targets(),
        logger: this.log,
      },
      (d) => this.onDatagram(d.bytes, d.address, d.port),
    );
    await this.handlers.started();
    this.schedule();
  }

  private async doStop(beforeClose?: () => Promise<void>): Promise<void> {
    await this.starting?.catch(() => undefined);
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    const transport = this.transport;
    if (transport === null) return;
    try {
      await beforeClose?.();
    } finally {
      await transport.close();
    }
  }

  /** Interface targets (while broadcastInterfaces is on) and the extra targets, deduplicated. */
  private targets(): string[] {
    const o = this.options;
    const fromInterfaces =
      (o.broadcastInterfaces ?? true) ? this.handlers.interfaceTargets(this.interfaces()) : [];
    return [...new Set([...fromInterfaces, ...(o.extraTargets ?? [])])];
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (!this.running) return;
      void this.handlers.tick();
      this.schedule();
    }, this.intervalMs);
  }

  private onDatagram(bytes: Uint8Array, address: string, port: number): void {
    if (!this.running) return;
    try {
      const r = this.filter.accept(bytes, address, port);
      if (r.ok) this.handlers.accepted(r);
      else this.handlers.dropped(r.reason);
    } catch (err) {
      // A throwing event listener must not take the socket's owner down.
      this.log.warn('presence: datagram handling failed', describeError(err));
    }
  }
}
