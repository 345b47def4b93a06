/** What every session and handler of one relay shares. */
import type { Clock } from '../util/clock.js';
import type { DelayedFlush } from '../util/delayed-flush.js';
import type { Logger } from '../util/logger.js';
import type { ConnectionShares } from './address-shares.js';
import type { ByteBudget } from './budget.js';
import type { DirectoryStore } from './directory.js';
import type { Fanout } from './fanout.js';
import type { RelayFiles } from './files/service.js';
import type { RelayGroups } from './groups/index.js';
import type { Hub } from './hub.js';
import type { RelayKey } from './identity.js';
import type { InflightShares } from './inflight.js';
import type { RelayLimits } from './limits.js';
import type { MailStore } from './mail-store.js';
import type { RegistrationGate } from './registration-gate.js';
import type { Session } from './session.js';

export interface RelayContext {
  readonly key: RelayKey;
  readonly name: string;
  readonly limits: RelayLimits;
  readonly clock: Clock;
  readonly log: Logger;
  readonly directory: DirectoryStore;
  readonly mailbox: MailStore;
  readonly hub: Hub<Session>;
  readonly fanout: Fanout;
  /** Group registry, streams and choreography (docs/groups.md). */
  readonly groups: RelayGroups;
  /** Stored file transfers (docs/files.md). */
  readonly files: RelayFiles;
  /** Durable SendAcks waiting for company on their connection (limits.sendAckDelayMs). */
  readonly delayedAcks: DelayedFlush;
  /** Sends in flight, shared among the sessions with any (maxRelayInflightSends). */
  readonly inflight: InflightShares;
  /** What all connections hold, against maxRelayBufferedBytes. */
  readonly budget: ByteBudget<Session>;
  /** Each remote address's share of the connections (the listener's; the Login updates it). */
  readonly connections: ConnectionShares;
  /** Registrations of new users: each address's rate, and the relay's most users. */
  readonly registrations: RegistrationGate;
}
