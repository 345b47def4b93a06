/**
 * The group choreography of a cluster (cluster/groups.ts; one relay's is
 * groups/fanout.ts): check against this relay's view, publish to the groups'
 * stream, answer once this relay has applied the item (group-applier.ts),
 * which also pushes it to the members' sessions here; the other relays push
 * it to theirs.
 *
 * - A change is published on condition that the group's log has not moved
 *   since this relay's view (Nats-Expected-Last-Subject-Sequence): a change
 *   made meanwhile through another relay makes it fail, and its sender hears
 *   E_GROUP_CHAIN_BROKEN, as on one relay for a change that no longer chains.
 *   Its message id (group, seq, signature) stores a resend once.
 * - A message is checked as on one relay (member, header, epoch), published,
 *   and answered `stored` once applied here, or with the refusal every relay
 *   reached on it. Its message id (sender, msg_id, epoch) stores a resend once.
 * - A sender's messages to one group are stored in the order taken, pipelined
 *   while nothing fails and one at a time once something does (a lane per sender
 *   and group: cluster/ordered-lanes.ts). Tried again each on its own, those lost
 *   with a stream leader or a NATS node were stored after later ones, for good:
 *   members saw "2, 1, 3" (docs/decisions.md "A sender's group messages are stored
 *   in the order sent").
 */
import { GroupCode } from '../../crypto/group-errors.js';
import { toHex } from '../../util/bytes.js';
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { FrameOf, GroupChange } from '../../wire/types.js';
import { type GroupResultCodeValue, SessionCode } from '../errors.js';
import { checkGroupSend, type GroupSender } from '../groups/fanout.js';
import type { GroupChoreography } from '../groups/index.js';
import type { GroupRegistry } from '../groups/registry.js';
import type { RelayLimits } from '../limits.js';
import type { ClusterLink } from './connection.js';
import type { GroupApplier, Refused } from './group-applier.js';
import { logSubject, msgSubject, storedItem } from './group-stream.js';
import { OrderedLanes } from './ordered-lanes.js';
import { retrying } from './retry.js';

/** The answer to a message every relay refused (group-applier.ts). */
const ACK_OF: Record<Refused['kind'], FrameOf<'send-ack'>['code']> = {
  'not-member': 'unknown-recipient',
  'stale-epoch': 'stale-epoch',
  'bad-change': 'internal',
  unreadable: 'internal',
};

/** JetStream's "wrong last sequence": the group's log moved since this relay's view. */
const JS_WRONG_LAST_SEQUENCE = 10071;

/** Stands for JetStream's 10071 inside retrying(): an answer, not a hiccup. */
class LogMoved extends Error {
  readonly code = GroupCode.ChainBroken;
}

export interface ClusterFanoutDeps {
  link: ClusterLink;
  registry: GroupRegistry;
  applier: GroupApplier;
  limits: RelayLimits;
  clock: Clock;
  log: Logger;
  /** A message this relay stored at `seq`: this relay deletes it once every member is past it. */
  published: (gidHex: string, seq: number) => void;
  /** A message this relay stored that every relay refused (group-applier.ts): deleted now. */
  discard: (gidHex: string, seq: number) => void;
}

export class ClusterGroupFanout implements GroupChoreography {
  /** A sender's messages to a group in order (`<sender>.<gid>`). */
  private readonly lanes: OrderedLanes;

  constructor(private readonly d: ClusterFanoutDeps) {
    this.lanes = new OrderedLanes(d.clock);
  }

  /** Watches the NATS connection: publishes in flight when it drops may be lost (ordered-lanes.ts). */
  watch(): void {
    void (async () => {
      for await (const s of this.d.link.nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect') this.lanes.suspect();
      }
    })().catch(() => {});
  }

  change(sender: GroupSender, requestId: number, change: GroupChange): void {
    const answer = (code: GroupResultCodeValue | '', reason: string, gseq = 0) =>
      sender.send({ type: 'group-change-result', requestId, code, reason, gseq });
    const checked = this.d.registry.check(change, sender.userHex);
    if (!checked.ok) {
      answer(checked.code, checked.reason);
      return;
    }
    const gidHex = checked.next.gidHex;
    const { clock } = this.d;
    const data = storedItem({
      groupId: change.groupId,
      storedAtMs: clock.now(),
      item: { kind: 'change', change },
    });
    // The signature tells two changes at one seq apart: only a resend of this one is a duplicate.
    const msgID = `${gidHex}.${change.seq}.${toHex(change.signature).slice(0, 32)}`;
    const lastSubjectSequence = this.d.applier.lastLogSeq(gidHex);
    sender.sendStarted();
    void this.publish(logSubject(gidHex), data, msgID, lastSubjectSequence)
      .then(async (seq) => {
        const refused = await this.settled(seq);
        if (refused === undefined)
          answer(SessionCode.Internal, 'the relay lost track of the change; try again');
        else if (refused !== null) answer(GroupCode.ChainBroken, refused.reason);
        else answer('', '', seq);
      })
      .catch((err: unknown) => {
        if (err instanceof LogMoved) {
          answer(
            GroupCode.ChainBroken,
            'the group changed meanwhile (through another relay); try again',
          );
          return;
        }
        this.d.log.warn('group change publish failed', describeError(err));
        answer(SessionCode.Internal, 'the cluster did not store the change; try again');
      })
      .finally(() => sender.sendFinished());
  }

  send(sender: GroupSender, frame: FrameOf<'group-send'>): void {
    const ack = (code: FrameOf<'send-ack'>['code'], reason: string) =>
      sender.send({ type: 'send-ack', msgId: frame.msgId, code, reason });
    const checked = checkGroupSend(this.d.registry, sender.userHex, frame);
    if (!checked.ok) {
      ack(checked.code, checked.reason);
      return;
    }
    const { group, from, epoch } = checked;
    const { gidHex } = group;
    const ledger = this.d.applier.ledgers.get(gidHex);
    const { maxPendingGroupMessages, maxPendingGroupBytes } = this.d.limits;
    if (
      ledger &&
      (ledger.pending >= maxPendingGroupMessages ||
        ledger.pendingBytes + frame.body.length > maxPendingGroupBytes)
    ) {
      ack('recipient-quota', 'the group holds too many unacknowledged items');
      return;
    }
    const data = storedItem({
      groupId: frame.groupId,
      storedAtMs: this.d.clock.now(),
      item: { kind: 'message', from, msgId: frame.msgId, body: frame.body },
    });
    const msgID = `${sender.userHex}.${toHex(frame.msgId)}.${epoch}`;
    // Only the publish keeps the lane's order, not the wait for the item to come round.
    sender.sendStarted();
    void this.lanes
      .run(`${sender.userHex}.${gidHex}`, () => this.publishOnce(msgSubject(gidHex), data, msgID))
      .then((ack) => ack.seq)
      .then(async (seq) => {
        this.d.published(gidHex, seq);
        const refused = await this.settled(seq);
        if (refused === undefined)
          ack('internal', 'the relay lost track of the message; send again');
        else if (refused === null) ack('stored', '');
        else {
          this.d.discard(gidHex, seq);
          ack(ACK_OF[refused.kind], refused.reason);
        }
      })
      .catch((err: unknown) => {
        this.d.log.warn('group message publish failed', describeError(err));
        ack('internal', 'the cluster did not store the message; send again');
      })
      .finally(() => sender.sendFinished());
  }

  /** Stored with the stream's replicas, tried again while JetStream elects: its seq. */
  private async publish(
    subject: string,
    data: Uint8Array,
    msgID: string,
    lastSubjectSequence?: number,
  ): Promise<number> {
    const publish = () => this.publishOnce(subject, data, msgID, lastSubjectSequence);
    return (await retrying(this.d.clock, publish)).seq;
  }

  /** One attempt at a publish. */
  private async publishOnce(
    subject: string,
    data: Uint8Array,
    msgID: string,
    lastSubjectSequence?: number,
  ): Promise<{ seq: number }> {
    try {
      return await this.d.link.js.publish(subject, data, {
        msgID,
        ...(lastSubjectSequence === undefined ? {} : { expect: { lastSubjectSequence } }),
      });
    } catch (err) {
      if ((err as { code?: number }).code === JS_WRONG_LAST_SEQUENCE) throw new LogMoved();
      throw err;
    }
  }

  /** null once item `seq` is applied here, its refusal, or undefined if it never came round. */
  private async settled(seq: number): Promise<Refused | null | undefined> {
    if (!(await this.d.applier.reached(seq))) return undefined;
    return this.d.applier.refusalOf(seq);
  }
}
