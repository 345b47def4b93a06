/**
 * Queueing a send and hearing the relay's answers, shared by `natter send` alone
 * (commands/send.ts) and by the running client a send goes through (the control
 * socket's `send` request, control-ops.ts): the same states either way.
 */
import {
  isFinalRelayRefusal,
  type NatterClient,
  type OutgoingState,
  type RefusedMessage,
} from '../peer/index.js';
import { isNatterError, NatterError } from '../util/errors.js';
import { groupInsteadHint } from './group-format.js';
import { unknownOnRelay } from './relay-hint.js';
import type { Target } from './send-input.js';
import { renamedNote } from './send-renamed.js';

/** What became of one message: printed by `send --json`, checked by its report. */
export interface MessageState {
  msgId: string;
  state: OutgoingState | 'unknown';
  reason?: string;
}

type Sender = Pick<NatterClient, 'on' | 'send' | 'sendToGroup' | 'status'>;

/** The state of each message, in order. */
export async function statesOf(client: Sender, ids: string[]): Promise<MessageState[]> {
  const states: MessageState[] = [];
  for (const msgId of ids) {
    const status = await client.status(msgId);
    states.push({
      msgId,
      state: status?.state ?? 'unknown',
      ...(status?.reason === undefined ? {} : { reason: status.reason }),
    });
  }
  return states;
}

/**
 * The relay's answer to each message of this run, from the core's events:
 * stored, failed, held, or refused for now. `refused` resolves once every message
 * has an answer and at least one was a refusal for now; otherwise it never does,
 * and flush() decides.
 */
export class RelayAnswers {
  readonly refused: Promise<RefusedMessage[]>;
  /** Every message of this run stored (or otherwise settled) with none refused for now. */
  readonly settled: Promise<void>;
  private settle: () => void = () => undefined;
  private readonly waiting: Set<string>;
  private readonly refusals = new Map<string, RefusedMessage>();
  private readonly unsubscribe: (() => void)[];
  private resolve: (refused: RefusedMessage[]) => void = () => undefined;

  constructor(client: Sender, ids: string[]) {
    this.waiting = new Set(ids);
    this.refused = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.settled = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.unsubscribe = [
      client.on('message:refused', (e) => {
        if (!this.waiting.has(e.msgId) && !this.refusals.has(e.msgId)) return;
        this.refusals.set(e.msgId, e);
        this.answered(e.msgId);
      }),
      client.on('message:status', (e) => {
        if (e.state === 'queued') return;
        // A retry may have gone through meanwhile.
        this.refusals.delete(e.msgId);
        this.answered(e.msgId);
      }),
    ];
  }

  off(): void {
    for (const off of this.unsubscribe) off();
  }

  private answered(msgId: string): void {
    this.waiting.delete(msgId);
    if (this.waiting.size > 0) return;
    if (this.refusals.size > 0) this.resolve([...this.refusals.values()]);
    else this.settle();
  }
}

/** Queues every text durably; resolves with their message ids, in order. */
export async function queue(client: Sender, target: Target, texts: string[]): Promise<string[]> {
  // All queued in one turn: one durable batch, order kept.
  if (target.kind === 'direct') return Promise.all(texts.map((t) => client.send(target.to, t)));
  // One at a time: each takes the next index of my sender chain (DESIGN.md §6).
  const ids: string[] = [];
  for (const t of texts) ids.push((await client.sendToGroup(target.group, t)).msgId);
  return ids;
}

/** A send done by the running client for a command that went through it (control-ops.ts). */
export interface Delivery {
  states: MessageState[];
  /** The refusals for now, when every message was answered and some refused; null: not all stored in time. */
  refused: RefusedMessage[] | null;
  /** A group send: the group's name now, for the report. */
  groupName?: string;
  /** A direct send refused for an unknown recipient: groupInsteadHint's clause. */
  groupHint?: string;
  /**
   * The running client's relay refused it or is something else (failFastMs): the core's
   * E_RELAY_UNREACHABLE or E_RELAY_TLS_FAILED and its message; or the link gave up for
   * good (E_RELAY_KEY_CHANGED, a refused login: isFinalRelayRefusal). `refused` is null then.
   */
  unreachable?: { code: string; message: string };
  /** A direct send to an old name of a contact: where it went (send-renamed.ts), for stderr. */
  renamed?: string;
}

/**
 * What a running client's send hears at once instead of waiting out --wait (sendAndWait):
 * a relay that refuses the dial or is no relay, and a link that gave up for good (a relay
 * with another key: the sixteenth sitting's trial waited 30 s for it and said a timeout).
 */
const DEFINITE = new Set(['E_RELAY_UNREACHABLE', 'E_RELAY_TLS_FAILED']);
const isDefinite = (err: unknown): err is NatterError =>
  isNatterError(err) && (DEFINITE.has(err.code) || isFinalRelayRefusal(err));

/**
 * Queues `texts` in an already running client and waits up to `waitMs` for the
 * relay to store them all, or to have answered each and refused some for now.
 * `failFastMs` (the command's --wait not given): a relay that refuses the running
 * client's dial for that long, or answers in no TLS, is said then (`unreachable`), as
 * `natter send` alone says it (cli/connect.ts), rather than after all of `waitMs`.
 */
export async function sendAndWait(
  client: Sender &
    Pick<
      NatterClient,
      'flush' | 'group' | 'groups' | 'connect' | 'relayReached' | 'online' | 'contact' | 'askHolder'
    >,
  target: Target,
  texts: string[],
  waitMs: number,
  failFastMs?: number,
): Promise<Delivery> {
  const groupName = target.kind === 'group' ? (await client.group(target.group)).name : undefined;
  const renamed = target.kind === 'direct' ? await renamedNote(client, target.to) : undefined;
  const ids = await queue(client, target, texts);
  const answers = new RelayAnswers(client, ids);
  const stop = new AbortController();
  let refused: RefusedMessage[] | null;
  let unreachable: Delivery['unreachable'];
  try {
    const flushed = client
      .flush(waitMs, { signal: stop.signal })
      .then((stored) => (stored ? [] : null));
    // This run's messages stored: the rest of the outbox is the running client's.
    const mine = answers.settled.then(() => []);
    const racers: Promise<RefusedMessage[] | null | NatterError>[] = [
      flushed,
      answers.refused,
      mine,
    ];
    // A link given up for good is said whatever --wait; a refused dial only without it.
    racers.push(definiteFailure(client, waitMs, failFastMs));
    const answer = await Promise.race(racers);
    if (answer instanceof NatterError) {
      refused = null;
      unreachable = { code: answer.code, message: answer.message };
    } else refused = answer;
  } finally {
    stop.abort();
    answers.off();
  }
  const states = await statesOf(client, ids);
  const groupHint = await hintFor(client, target, states);
  return {
    states,
    refused,
    ...(groupName === undefined ? {} : { groupName }),
    ...(groupHint === '' ? {} : { groupHint }),
    ...(unreachable === undefined ? {} : { unreachable }),
    ...(renamed === undefined ? {} : { renamed }),
  };
}

/**
 * The running client's link, waited for as `connect` waits (ready at once when it is):
 * settles only with a definite failure (DEFINITE), else never. The link keeps retrying.
 */
function definiteFailure(
  client: Pick<NatterClient, 'connect'>,
  waitMs: number,
  failFastMs: number | undefined,
): Promise<NatterError> {
  return client
    .connect({ timeoutMs: waitMs, ...(failFastMs === undefined ? {} : { failFastMs }) })
    .then(
      () => new Promise<never>(() => undefined),
      (err: unknown) => (isDefinite(err) ? err : new Promise<never>(() => undefined)),
    );
}

/**
 * For a direct send the relay refused as addressed to nobody: which relay (relay-hint.ts),
 * and a group of that name, if any.
 */
export async function hintFor(
  client: Pick<NatterClient, 'groups' | 'relayReached' | 'online'>,
  target: Target,
  states: readonly MessageState[],
): Promise<string> {
  if (target.kind !== 'direct') return '';
  if (!states.some((s) => s.state === 'failed' && s.reason === 'unknown-recipient')) return '';
  const group = groupInsteadHint(
    await client.groups(),
    target.to,
    (r) => `natter send --group ${r}`,
  );
  return unknownOnRelay(client, target.to) + group;
}
