/**
 * The online roster across a cluster of relays (issue 15): each relay tells the
 * others what its own users look like (hub.ts onLocalChange, one message per
 * turn), answers a newcomer's sync with its whole roster, and beats every
 * NODE_BEAT_MS. A relay not heard from for NODE_DEAD_MS (killed, cut off) has
 * its users taken offline by every other relay: far inside the budget in which
 * a relay notices a client's crash (idleTimeoutMs). Core NATS, not JetStream:
 * the roster is live state, rebuilt by a sync whenever a relay (re)connects.
 *
 * Messages carry the relay's node id in a header and an encoded RosterUpdate
 * frame as the body, so the codec checks what arrives like any roster frame.
 */
import { headers, type Msg, type Subscription } from '@nats-io/transport-node';
import { randomBytes } from '../../crypto/random.js';
import { toHex } from '../../util/bytes.js';
import type { Clock, Timer } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { TickBatcher } from '../../util/tick-batcher.js';
import { decodeFrame, encodeFrame } from '../../wire/codec.js';
import { MAX_ROSTER_ENTRIES } from '../../wire/limits.js';
import type { RosterEntry } from '../../wire/types.js';
import type { Hub } from '../hub.js';
import {
  type ClusterLink,
  NODE_BEAT_SUBJECT,
  ROSTER_SUBJECT,
  ROSTER_SYNC_SUBJECT,
} from './connection.js';

/** How often a relay says it is alive. */
export const NODE_BEAT_MS = 1_000;
/**
 * Silence after which a relay's users are taken offline: four missed beats. Checked at
 * every beat, so a dead relay's users are offline within NODE_DEAD_MS + NODE_BEAT_MS,
 * the README's 5 s (a trial measured 5.6 s with 5 s here).
 */
export const NODE_DEAD_MS = 4_000;
const NODE_HEADER = 'Natter-Node';

export class ClusterRoster {
  readonly node = toHex(randomBytes(8));
  private readonly lastHeard = new Map<string, number>();
  private readonly changes: TickBatcher<RosterEntry>;
  private readonly subs: Subscription[] = [];
  private timer: Timer | null = null;
  private closed = false;

  constructor(
    private readonly link: ClusterLink,
    private readonly hub: Hub,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.changes = new TickBatcher((entries) => this.publish(entries, false));
  }

  start(): void {
    const { nc } = this.link;
    this.hub.onLocalChange = (entry) => this.changes.push(entry);
    this.subs.push(
      nc.subscribe(ROSTER_SUBJECT, {
        callback: (err, msg) => {
          if (!err) this.onRoster(msg);
        },
      }),
      nc.subscribe(ROSTER_SYNC_SUBJECT, {
        callback: (err, msg) => {
          if (!err && this.heard(msg) !== null) this.publishAll();
        },
      }),
      nc.subscribe(NODE_BEAT_SUBJECT, {
        callback: (err, msg) => {
          if (!err) this.heard(msg);
        },
      }),
    );
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'reconnect') this.sync();
    })().catch(() => {});
    this.sync();
    this.beat();
  }

  /** Tells the others this relay's users are gone (they would learn it in NODE_DEAD_MS). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.hub.onLocalChange = null;
    try {
      this.send([], true);
    } catch {
      // The connection is already gone: the others time us out.
    }
    for (const sub of this.subs) sub.unsubscribe();
  }

  /** Asks every relay for its whole roster, and sends ours. */
  private sync(): void {
    if (this.closed) return;
    try {
      this.link.nc.publish(ROSTER_SYNC_SUBJECT, '', { headers: this.header() });
    } catch (err) {
      this.log.warn('cluster roster sync failed', describeError(err));
      return;
    }
    this.publishAll();
  }

  private publishAll(): void {
    this.publish(this.hub.localEntries(), true);
  }

  private publish(entries: RosterEntry[], full: boolean): void {
    if (this.closed) return;
    try {
      // Several changes of one user in a turn: the last counts.
      const last = full
        ? entries
        : [...new Map(entries.map((e) => [toHex(e.card.userId), e])).values()];
      for (let i = 0; i === 0 || i < last.length; i += MAX_ROSTER_ENTRIES) {
        this.send(last.slice(i, i + MAX_ROSTER_ENTRIES), full && i === 0);
      }
    } catch (err) {
      this.log.warn('cluster roster publish failed', describeError(err));
    }
  }

  private send(entries: RosterEntry[], full: boolean): void {
    const body = encodeFrame({ type: 'roster-update', full, entries });
    this.link.nc.publish(ROSTER_SUBJECT, body, { headers: this.header() });
  }

  private header() {
    const h = headers();
    h.set(NODE_HEADER, this.node);
    return h;
  }

  /** The sender's node id, noted as alive; null for our own or an unnamed message. */
  private heard(msg: Msg): string | null {
    const node = msg.headers?.get(NODE_HEADER) ?? '';
    if (node === '' || node === this.node) return null;
    this.lastHeard.set(node, this.clock.now());
    return node;
  }

  private onRoster(msg: Msg): void {
    const node = this.heard(msg);
    if (node === null) return;
    try {
      const frame = decodeFrame(msg.data);
      if (frame.type === 'roster-update') this.hub.remoteUpdate(node, frame.entries, frame.full);
    } catch (err) {
      this.log.warn('cluster roster message refused', describeError(err));
    }
  }

  private beat(): void {
    if (this.closed) return;
    try {
      this.link.nc.publish(NODE_BEAT_SUBJECT, '', { headers: this.header() });
    } catch {
      // Disconnected: the beat resumes with the connection.
    }
    const deadline = this.clock.now() - NODE_DEAD_MS;
    for (const [node, at] of this.lastHeard) {
      if (at >= deadline) continue;
      this.lastHeard.delete(node);
      this.log.info('cluster relay silent; its users are offline', { node });
      this.hub.remoteNodeGone(node);
    }
    this.timer = this.clock.setTimeout(() => this.beat(), NODE_BEAT_MS);
    (this.timer as { unref?: () => void }).unref?.();
  }
}
