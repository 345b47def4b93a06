/**
 * What the control socket (control.ts) can ask of the running client: one request
 * kind per natter command that may run beside it (issue 13 item 3; `who` and
 * `status` from before), each with the parser of its fields and its handler. A
 * typed table: a kind added to ControlOps without a handler does not compile.
 *
 * A handler runs on the running client's NatterClient and answers with data,
 * never with printed text: the command prints it with the same code as when it
 * runs alone (via-control.ts runs the same handler in-process then), so its
 * stdout, stderr and exit status are the same either way.
 */
import {
  type ContactInfo,
  type NatterClient,
  type OnlinePeer,
  type PeerEventMap,
  PRESENCE_STATUSES,
  type PresenceStatus,
  type TrustResult,
} from '../peer/index.js';
import type { ControlDispatch, ControlSession } from './control.js';
import { BLOCK_OPS, type BlockControlOps, type BlockControlTarget } from './control-blocks.js';
import {
  badRequest as bad,
  type HandlerTable,
  type NoFields,
  noFields,
  textField as text,
} from './control-fields.js';
import { FILE_OPS, type FileControlOps, type FileControlTarget } from './control-files.js';
import { GROUP_OPS, type GroupControlOps, type GroupControlTarget } from './control-groups.js';
import {
  HISTORY_OPS,
  type HistoryControlOps,
  type HistoryControlTarget,
} from './control-history.js';
import {
  type InboxBatch,
  type InboxReports,
  inboxRead,
  inboxTake,
  inboxWait,
} from './control-inbox.js';
import { asContact, safetyNumberOf } from './control-lookup.js';
import { OUTBOX_OPS, type OutboxControlOps, type OutboxControlTarget } from './control-outbox.js';
import { type Delivery, sendAndWait } from './delivery.js';
import { CliCode, cliError } from './errors.js';
import type { Target } from './send-input.js';

/** What the running client offers the socket: its NatterClient, as far as the handlers use it. */
export type ControlTarget = Pick<
  NatterClient,
  | 'setStatus'
  | 'online'
  | 'impostors'
  | 'on'
  | 'me'
  | 'contacts'
  | 'contact'
  | 'fingerprint'
  | 'findUser'
  | 'askHolder'
  | 'relayReached'
  | 'trust'
  | 'groups'
  | 'group'
  | 'unread'
  | 'markRead'
  | 'takeGroupUpdates'
  | 'takeDamaged'
  | 'takeNotices'
  | 'send'
  | 'sendToGroup'
  | 'status'
  | 'flush'
  | 'connect'
> &
  BlockControlTarget &
  FileControlTarget &
  GroupControlTarget &
  HistoryControlTarget &
  OutboxControlTarget;

/** `natter fingerprint [NAME]`: mine, or the safety number with NAME. */
export type FingerprintView =
  | { me: { pseudonym: string; fingerprint: string; userId: string } }
  | { contact: ContactInfo | null; safetyNumber: string };

/** `natter trust NAME`: what to compare (no --safety-number), or what trusting did. */
export type TrustView =
  | { compare: { contact: ContactInfo | null; safetyNumber: string } }
  | { result: TrustResult };

/**
 * Each request kind: its fields and its answer's (besides `ok`); files, groups, history
 * and the outbox: control-files.ts, control-groups.ts, control-history.ts, control-outbox.ts.
 */
export interface ControlOps
  extends BlockControlOps,
    FileControlOps,
    GroupControlOps,
    HistoryControlOps,
    OutboxControlOps {
  status: { request: { status: PresenceStatus; text?: string }; answer: NoFields };
  /**
   * `impostors`: who claims a pinned name with another key now, left out of `peers` (a
   * standalone `who` says them as it hears them); absent from an older natter.
   */
  who: {
    request: NoFields;
    answer: { peers: OnlinePeer[]; impostors?: PeerEventMap['roster:conflict'][] };
  };
  /**
   * Then one {"event": "roster:change"|"roster:conflict", ...} line per change. `complete`
   * (added by the server, control.ts): the list is whole (holder-view.ts); absent from an
   * older natter.
   */
  /** `impostors`: as `who` answers them, said before the changes that follow. */
  watch: {
    request: NoFields;
    answer: {
      peers: OnlinePeer[];
      complete?: boolean;
      impostors?: PeerEventMap['roster:conflict'][];
    };
  };
  contacts: { request: NoFields; answer: { contacts: ContactInfo[] } };
  fingerprint: { request: { name?: string }; answer: FingerprintView };
  trust: { request: { name: string; safetyNumber?: string }; answer: TrustView };
  /** `failFastMs`: the command's --wait was not given (sendAndWait). */
  send: {
    request: { target: Target; texts: string[]; waitMs: number; failFastMs?: number };
    answer: Delivery;
  };
  'inbox.take': { request: NoFields; answer: InboxBatch };
  'inbox.read': { request: { marks: string[]; reports: boolean }; answer: InboxReports };
  'inbox.wait': { request: { after: number }; answer: { mark: number } };
}

export type ControlOp = keyof ControlOps;
export type ControlRequestOf<K extends ControlOp> = { op: K } & ControlOps[K]['request'];
export type AnyControlRequest = { [K in ControlOp]: ControlRequestOf<K> }[ControlOp];

export type ControlEvent =
  | ({ event: 'roster:change' } & PeerEventMap['roster:change'])
  | ({ event: 'roster:conflict' } & PeerEventMap['roster:conflict']);

/** The most texts one send request carries (a long --each-line is one request). */
export const MAX_CONTROL_SEND_TEXTS = 100_000;

function optionalText(raw: Record<string, unknown>, key: string): { [k: string]: string } {
  return raw[key] === undefined ? {} : { [key]: text(raw, key) };
}

function count(raw: Record<string, unknown>, key: string): number {
  const v = raw[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < -1) throw bad(`${key}: a count`);
  return v;
}

function texts(raw: Record<string, unknown>, key: string, max: number): string[] {
  const v = raw[key];
  if (!Array.isArray(v) || v.length > max || !v.every((t) => typeof t === 'string'))
    throw bad(`${key}: at most ${max} strings`);
  return v as string[];
}

function target(raw: unknown): Target {
  const t = (raw ?? {}) as Record<string, unknown>;
  if (t.kind === 'direct') return { kind: 'direct', to: text(t, 'to') };
  if (t.kind === 'group') return { kind: 'group', group: text(t, 'group') };
  throw bad('target: direct or group');
}

const none = noFields;

const OPS: HandlerTable<ControlOps, ControlTarget> = {
  status: {
    parse(raw) {
      const status = raw.status;
      const statusText = raw.text ?? '';
      if (!PRESENCE_STATUSES.includes(status as PresenceStatus) || typeof statusText !== 'string')
        throw cliError(CliCode.BadStatus, `status: expected ${PRESENCE_STATUSES.join('|')}`);
      return { status: status as PresenceStatus, text: statusText };
    },
    async run(t, r) {
      await t.setStatus(r.status, r.text);
      return {};
    },
  },
  who: { parse: none, run: async (t) => ({ peers: t.online(), impostors: t.impostors() }) },
  watch: {
    parse: none,
    async run(t, _r, session) {
      // Subscribed before the answer is written (no await after this), so no change falls in between.
      const offs = [
        t.on('roster:change', (e) => session.write({ event: 'roster:change', ...e })),
        t.on('roster:conflict', (e) => session.write({ event: 'roster:conflict', ...e })),
      ];
      session.onClose(() => {
        for (const off of offs) off();
      });
      return { peers: t.online(), impostors: t.impostors() };
    },
  },
  contacts: { parse: none, run: async (t) => ({ contacts: t.contacts() }) },
  fingerprint: {
    parse: (raw) => optionalText(raw, 'name'),
    async run(t, { name }) {
      if (name === undefined) {
        const { pseudonym, fingerprint, userId } = t.me;
        return { me: { pseudonym, fingerprint, userId } };
      }
      const safetyNumber = await safetyNumberOf(t, name);
      return { contact: t.contact(name) ?? null, safetyNumber };
    },
  },
  trust: {
    parse: (raw) => ({ name: text(raw, 'name'), ...optionalText(raw, 'safetyNumber') }),
    async run(t, { name, safetyNumber }) {
      if (safetyNumber === undefined) {
        const safety = await safetyNumberOf(t, name);
        return { compare: { contact: t.contact(name) ?? null, safetyNumber: safety } };
      }
      return { result: await asContact(t, name, () => t.trust(name, { safetyNumber })) };
    },
  },
  send: {
    parse: (raw) => ({
      target: target(raw.target),
      texts: texts(raw, 'texts', MAX_CONTROL_SEND_TEXTS),
      waitMs: count(raw, 'waitMs'),
      ...(raw.failFastMs === undefined ? {} : { failFastMs: count(raw, 'failFastMs') }),
    }),
    run: (t, r) => sendAndWait(t, r.target, r.texts, r.waitMs, r.failFastMs),
  },
  'inbox.take': { parse: none, run: (t, _r, session) => inboxTake(t, session) },
  'inbox.read': {
    parse: (raw) => ({
      marks: texts(raw, 'marks', MAX_CONTROL_SEND_TEXTS),
      reports: raw.reports === true,
    }),
    run: (t, r) => inboxRead(t, r.marks, r.reports),
  },
  'inbox.wait': {
    parse: (raw) => ({ after: count(raw, 'after') }),
    run: (_t, r, session) => inboxWait(session, r.after),
  },
  ...BLOCK_OPS,
  ...FILE_OPS,
  ...GROUP_OPS,
  ...HISTORY_OPS,
  ...OUTBOX_OPS,
};

/** Runs one request kind on `target`: the socket's dispatcher, and a command running alone. */
export function runControlOp<K extends ControlOp>(
  op: K,
  target: ControlTarget,
  request: ControlOps[K]['request'],
  session: ControlSession,
): Promise<ControlOps[K]['answer']> {
  const handler = OPS[op];
  return handler.run(target, request, session);
}

/** The socket's dispatcher over the table: unknown kinds are refused, not ignored. */
export function controlDispatch(target: ControlTarget): ControlDispatch {
  return async (raw, session) => {
    const op = raw.op;
    if (typeof op !== 'string' || !Object.hasOwn(OPS, op)) throw bad('unknown op');
    return dispatchOne(op as ControlOp, target, raw, session);
  };
}

function dispatchOne<K extends ControlOp>(
  op: K,
  target: ControlTarget,
  raw: Record<string, unknown>,
  session: ControlSession,
): Promise<object> {
  const handler = OPS[op];
  return handler.run(target, handler.parse(raw), session);
}
