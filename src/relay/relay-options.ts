/** What startRelay takes and returns (start.ts, server.ts's openRelay). */
import type { RelayBeaconOptions } from '../presence/relay-beacon.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ClusterOptions } from './cluster/connection.js';
import type { RelayLimits } from './limits.js';
import type { RelayStartNotes } from './start-notes.js';

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
