/**
 * The group half of the fake core (fake-core.ts): groups in memory, changed as
 * the real core would after the relay applied a change, each change announced
 * with 'group:changed'. Refs are conversation ids or names, like the core's.
 */
import type {
  ConversationId,
  GroupEventEntry,
  GroupInfo,
  GroupMemberInfo,
  GroupNotice,
  HistoryEntry,
  PeerEventMap,
  ReceivedMessage,
} from '../../../src/peer/index.js';
import { nameKey } from '../../../src/peer/ui/text.js';
import { NatterError } from '../../../src/util/errors.js';

export const member = (
  name: string,
  role: GroupMemberInfo['role'] = 'member',
): GroupMemberInfo => ({
  userId: `id-${name}`,
  pseudonym: name,
  fingerprint: 'abcd-efgh-ijkl-mnop',
  role,
});

/** A group id (32 hex digits) made from a digit, and its conversation id. */
export const groupId = (digit: string) => digit.repeat(32);
export const groupConv = (digit: string) => `#${groupId(digit)}` as ConversationId;

export class FakeGroups {
  readonly byId = new Map<string, GroupInfo>();
  /** Every change asked for, as 'verb ref arg'. */
  readonly calls: string[] = [];
  private next = 0;
  /** Changes announced so far: each one's log seq (one counter for every group will do). */
  private seq = 0;
  private messages = 0;

  constructor(
    private readonly core: {
      me: { pseudonym: string };
      now: number;
      emit<K extends keyof PeerEventMap>(name: K, e: PeerEventMap[K]): void;
      entries(conversation: string): HistoryEntry[];
      keptChanges: Map<string, GroupEventEntry[]>;
      unread: ReceivedMessage[];
      screenOpen: boolean;
    },
  ) {}

  /** Puts a group in place without an event (as if it existed before the screen opened). */
  put(digit: string, name: string, members: GroupMemberInfo[], myRole: GroupInfo['myRole']) {
    const info: GroupInfo = {
      conversation: groupConv(digit),
      groupId: groupId(digit),
      name,
      epoch: 0,
      members,
      myRole,
    };
    this.byId.set(info.conversation, info);
    return info;
  }

  resolve(ref: string): GroupInfo {
    const found =
      this.byId.get(ref) ??
      [...this.byId.values()].find((g) => nameKey(g.name) === nameKey(ref.replace(/^#/, '')));
    if (found === undefined) throw new NatterError('E_UNKNOWN_GROUP', `no group '${ref}'`);
    return found;
  }

  /** A message from `from` in the group `conversation`, stored and announced, as the core does. */
  receive(conversation: ConversationId, from: string, text: string): ReceivedMessage {
    const at = this.core.now + ++this.messages * 1_000;
    const m: ReceivedMessage = {
      conversation,
      from: { pseudonym: from, userId: `id-${from}`, fingerprint: 'abcd-efgh-ijkl-mnop' },
      text,
      sentAtMs: at,
      receivedAtMs: at,
      msgId: `g${this.messages}`,
      group: { name: this.resolve(conversation).name },
    };
    this.core.entries(conversation).push({
      conversation,
      direction: 'in',
      msgId: m.msgId,
      peer: { pseudonym: from, userId: m.from.userId },
      text,
      sentAtMs: at,
      receivedAtMs: at,
    });
    if (this.core.screenOpen) this.core.unread.push(m);
    this.core.emit('message:received', m);
    return m;
  }

  /** A change applied (by me or someone else): stored and announced, as the core does. */
  change(info: GroupInfo, notice: GroupNotice): GroupInfo {
    this.byId.set(info.conversation, info);
    const { conversation, groupId } = info;
    const event = { conversation, groupId, notice, seq: ++this.seq, atMs: this.core.now };
    const kept = this.core.keptChanges.get(conversation) ?? [];
    this.core.keptChanges.set(conversation, [...kept, { kind: 'event', ...event }]);
    this.core.emit('group:changed', { group: info, notice, seq: event.seq, atMs: event.atMs });
    return info;
  }

  create(name: string, members: string[]): GroupInfo {
    this.calls.push(`create ${name} ${members.join(',')}`);
    const me = this.core.me.pseudonym;
    const info = this.put(String(++this.next % 10), name, [member(me, 'admin')], 'admin');
    info.members.push(...members.map((m) => member(m)));
    return this.change(info, { kind: 'created', by: me });
  }

  add(ref: string, name: string): GroupInfo {
    this.calls.push(`add ${ref} ${name}`);
    const g = this.resolve(ref);
    const members = [...g.members, member(name)];
    return this.change(
      { ...g, members },
      { kind: 'added', by: this.core.me.pseudonym, member: name },
    );
  }

  remove(ref: string, name: string): GroupInfo {
    this.calls.push(`remove ${ref} ${name}`);
    const g = this.resolve(ref);
    const members = g.members.filter((m) => nameKey(m.pseudonym) !== nameKey(name));
    const by = this.core.me.pseudonym;
    return this.change(
      { ...g, members, epoch: g.epoch + 1 },
      { kind: 'removed', by, member: name },
    );
  }

  /** Makes `name` an admin (promote) or a member again (demote). */
  role(ref: string, name: string, op: 'promote' | 'demote'): GroupInfo {
    this.calls.push(`${op} ${ref} ${name}`);
    const g = this.resolve(ref);
    const role = op === 'promote' ? ('admin' as const) : ('member' as const);
    const members = g.members.map((m) =>
      nameKey(m.pseudonym) === nameKey(name) ? { ...m, role } : m,
    );
    const kind = op === 'promote' ? ('promoted' as const) : ('demoted' as const);
    return this.change({ ...g, members }, { kind, by: this.core.me.pseudonym, member: name });
  }

  rename(ref: string, to: string): GroupInfo {
    this.calls.push(`rename ${ref} ${to}`);
    const g = this.resolve(ref);
    const by = this.core.me.pseudonym;
    return this.change({ ...g, name: to }, { kind: 'renamed', by, from: g.name, to });
  }

  leave(ref: string): void {
    this.calls.push(`leave ${ref}`);
    const g = this.resolve(ref);
    const me = this.core.me.pseudonym;
    const members = g.members.filter((m) => nameKey(m.pseudonym) !== nameKey(me));
    this.change({ ...g, members, myRole: null }, { kind: 'left', member: me });
  }
}
