/**
 * Group members' cores (src/peer/groups) over memory, and a relay made of a few
 * lines in between: it applies changes with the same applyChange as the real relay,
 * numbers items per group (gseq), fans them out by the member list, and serves logs
 * and lookups. 1:1 mail is not simulated: deliverMail() hands queued sender keys to
 * their recipients' groups directly, as Incoming would after opening them. Tests
 * drive delivery order by hand (hold(), release()).
 */

import { applyChange, type GroupState, signChange } from '../../src/crypto/group-log.js';
import type { PeerEventMap } from '../../src/peer/events.js';
import { Groups } from '../../src/peer/groups/groups.js';
import { LinkCode, linkError } from '../../src/peer/link/errors.js';
import type { LookupBy } from '../../src/peer/link/lookups.js';
import type { ReplyTo, RequestBody, RequestType } from '../../src/peer/link/requests.js';
import { DamagedReports } from '../../src/peer/messaging/damaged.js';
import { bytesEqual, fromHex, toHex } from '../../src/util/bytes.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import type { Card, Frame, FrameOf, GroupChange, GroupItem } from '../../src/wire/types.js';
import { memoryPeer, type Person, person } from './peer-fixtures.js';

export type Member = Awaited<ReturnType<GroupHub['join']>>;

/** Every `name` event `m` emits from now on. */
export function collect<K extends keyof PeerEventMap>(m: Member, name: K): PeerEventMap[K][] {
  const out: PeerEventMap[K][] = [];
  m.events.on(name, (e) => out.push(e));
  return out;
}

interface RelayGroup {
  state: GroupState;
  log: GroupChange[];
  gseq: number;
}

export class GroupHub {
  readonly members = new Map<string, Member>();
  private readonly groups = new Map<string, RelayGroup>();
  /** Frames not yet delivered to a member (user id hex), in order. */
  private readonly mailbox = new Map<string, FrameOf<'group-deliver'>[]>();
  /** Members whose group items wait until release(). */
  private readonly holding = new Set<string>();
  /** Rewrites each group item on its way to one member (a tampered relay); null drops it. */
  tamper: ((to: string, f: FrameOf<'group-deliver'>) => FrameOf<'group-deliver'> | null) | null =
    null;
  readonly acks: { to: string; f: FrameOf<'group-ack'> }[] = [];
  /** GroupResend requests, as sent (a test answers them by hand). */
  readonly resends: { to: string; f: FrameOf<'group-resend'> }[] = [];
  /** Changes per GroupLogResult page. */
  pageSize = 512;
  /** Every item sent to each member (user id hex), in order: what a new session gets again. */
  readonly sent = new Map<string, FrameOf<'group-deliver'>[]>();
  /** Log requests fail as if offline. */
  logsDown = false;
  /** Members (user ids, hex) whose lookups fail as if offline. */
  readonly lookupsDown = new Set<string>();
  /** Members (user ids, hex) whose link went: not ready, lookups fail; items still come (the last before it went). */
  readonly linkDown = new Set<string>();
  /** Members (user ids, hex) whose lookups by name wait for the promise (a card slow to come). */
  readonly namesWait = new Map<string, Promise<void>>();
  /** What each member joining (or restarted) from now on may hold for keys not come (held.ts). */
  maxHeldGroupBytes: number | undefined = undefined;

  async join(who: Person) {
    const p = await memoryPeer(who);
    const uid = toHex(who.id.signPk);
    const groups = await this.groupsOf(p, who, uid);
    const member = { ...p, who, uid, groups, damagedReports: new DamagedReports(p.store) };
    this.members.set(uid, member);
    return member;
  }

  /** The member's groups opened again over its store (a restart), replacing the old ones. */
  async restart(m: Member): Promise<void> {
    await m.groups.idle();
    m.groups = await this.groupsOf(m, m.who, m.uid);
  }

  private async groupsOf(p: Awaited<ReturnType<typeof memoryPeer>>, who: Person, uid: string) {
    const down = this.linkDown;
    return new Groups(
      {
        me: { userId: who.id.signPk, pseudonym: who.name },
        store: p.store,
        contacts: p.contacts,
        history: p.history,
        outbox: p.outbox,
        damaged: new DamagedReports(p.store),
        events: p.events,
        requests: { request: (type, body) => this.request(uid, type, body) },
        lookups: { request: async (by: LookupBy) => this.lookupFor(uid, by) },
        link: {
          send: (f: Frame) => this.fromClient(uid, f),
          get ready() {
            return !down.has(uid);
          },
        },
        sign: (unsigned) => signChange(who.id.signSk, unsigned),
        clock: systemClock,
        logger: silentLogger,
        activity: () => undefined,
        kick: () => undefined,
        appliedWaitMs: 100,
        maxHeldGroupBytes: this.maxHeldGroupBytes,
      },
      await Groups.load(p.store, systemClock),
    );
  }

  /** A member's items wait (offline) until release(). */
  hold(m: Member): void {
    this.holding.add(m.uid);
  }

  /** Delivers what waited for `m`, in order, and waits until it is handled. */
  async release(m: Member): Promise<void> {
    this.holding.delete(m.uid);
    for (const f of this.mailbox.get(m.uid)?.splice(0) ?? []) m.groups.push(f);
    await this.settle();
  }

  /** Sends every queued outbox entry: group messages to the relay, sender keys to their members. */
  async deliverMail(only?: (kind: string) => boolean): Promise<void> {
    for (const m of this.members.values()) {
      for (const e of m.outbox.list('queued')) {
        if (only !== undefined && !only(e.content.kind)) continue;
        if (e.content.kind === 'sender-key') {
          const to = this.members.get(e.content.to);
          await to?.groups.acceptShares([
            {
              from: m.who.id.signPk,
              groupId: fromHex(e.content.groupId),
              epoch: e.content.epoch,
              share: fromHex(e.content.share),
            },
          ]);
        } else if (e.content.kind === 'group-text' && e.sealedGroup !== undefined) {
          const gid = e.conversation.slice(1);
          this.fanOut(gid, {
            kind: 'message',
            from: m.who.id.signPk,
            msgId: fromHex(e.msgId),
            body: e.sealedGroup,
          });
        }
        await m.outbox.remove(e.msgId);
      }
    }
    await this.settle();
  }

  /** Waits until every member handled what it was given. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.all([...this.members.values()].map((m) => m.groups.idle()));
    }
  }

  relayState(gid: string): GroupState | undefined {
    return this.groups.get(gid)?.state;
  }

  /** Puts `item` in group `gid`'s stream as the relay would, to its members now. */
  fanOut(gid: string, item: GroupItem, extra: readonly Uint8Array[] = []): number {
    const g = this.groups.get(gid);
    if (g === undefined) throw new Error(`hub: no group ${gid}`);
    g.gseq++;
    const f: FrameOf<'group-deliver'> = {
      type: 'group-deliver',
      groupId: fromHex(gid),
      gseq: g.gseq,
      storedAtMs: 1,
      item,
    };
    const to = [...g.state.members.map((m) => m.userId), ...extra];
    for (const uid of to) this.deliver(toHex(uid), f);
    return g.gseq;
  }

  private deliver(to: string, f: FrameOf<'group-deliver'>): void {
    const out = this.tamper === null ? f : this.tamper(to, f);
    if (out === null) return;
    const m = this.members.get(to);
    if (m === undefined) return;
    this.sent.set(to, [...(this.sent.get(to) ?? []), out]);
    if (this.holding.has(to)) this.mailbox.set(to, [...(this.mailbox.get(to) ?? []), out]);
    else m.groups.push(out);
  }

  private async lookupFor(
    uid: string,
    by: LookupBy,
  ): Promise<{ card: Card | null; online: boolean }> {
    if (this.lookupsDown.has(uid) || this.linkDown.has(uid))
      throw linkError(LinkCode.Offline, 'lookup: not connected');
    if ('pseudonym' in by) await this.namesWait.get(uid);
    return { card: this.lookup(by), online: true };
  }

  private lookup(by: LookupBy): Card | null {
    for (const m of this.members.values()) {
      if (
        'userId' in by
          ? bytesEqual(by.userId, m.who.id.signPk)
          : by.pseudonym.toLowerCase() === m.who.name.toLowerCase()
      ) {
        return m.who.card;
      }
    }
    return null;
  }

  private fromClient(uid: string, f: Frame): boolean {
    if (f.type === 'group-ack') this.acks.push({ to: uid, f });
    if (f.type === 'group-resend') this.resends.push({ to: uid, f });
    return true;
  }

  private async request<K extends RequestType>(
    _uid: string,
    type: K,
    body: RequestBody<K>,
  ): Promise<ReplyTo<K>> {
    if (type === 'group-change') {
      const { change } = body as unknown as RequestBody<'group-change'>;
      const gid = toHex(change.groupId);
      const g = this.groups.get(gid);
      let state: GroupState;
      try {
        state = applyChange(g?.state ?? null, change);
      } catch (err) {
        const code = (err as { code: string }).code;
        return {
          type: 'group-change-result',
          requestId: 0,
          code,
          reason: '',
          gseq: 0,
        } as ReplyTo<K>;
      }
      const before = g?.state.members ?? [];
      const group = g ?? { state, log: [], gseq: 0 };
      group.state = state;
      group.log.push(change);
      this.groups.set(gid, group);
      const gone = before.filter((m) => !state.members.some((n) => bytesEqual(n.userId, m.userId)));
      const gseq = this.fanOut(
        gid,
        { kind: 'change', change },
        gone.map((m) => m.userId),
      );
      return {
        type: 'group-change-result',
        requestId: 0,
        code: '',
        reason: '',
        gseq,
      } as ReplyTo<K>;
    }
    if (type === 'group-log-request') {
      if (this.logsDown) throw linkError(LinkCode.Offline, 'group log: not connected');
      const { groupId, fromSeq } = body as unknown as RequestBody<'group-log-request'>;
      const g = this.groups.get(toHex(groupId));
      const rest = g?.log.filter((c) => c.seq >= fromSeq) ?? [];
      const changes = rest.slice(0, this.pageSize);
      const more = rest.length > changes.length;
      const found = g !== undefined;
      return { type: 'group-log-result', requestId: 0, found, changes, more } as ReplyTo<K>;
    }
    throw new Error(`hub: no ${type}`);
  }
}

/** A hub where alice made #team with bob, settled: the start of most group tests. */
export async function teamOfTwo() {
  const hub = new GroupHub();
  const alice = await hub.join(person('alice'));
  const bob = await hub.join(person('bob'));
  const info = await alice.groups.create('team', ['bob']);
  await hub.settle();
  return { hub, alice, bob, info, gid: info.groupId };
}
