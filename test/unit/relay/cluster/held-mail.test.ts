/**
 * The recipient relay's side of held mail (held-mail.ts) over a recorded NATS connection:
 * early mail of a conversation that no session here took refuses the conversation's next
 * early mail too, so that it cannot overtake the refused one at the recipient.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  EARLY_ANSWER_PREFIX,
  EARLY_SUBJECT_PREFIX,
} from '../../../../src/relay/cluster/connection.js';
import { EARLY_ANSWER_DELAY_MS, HeldMail } from '../../../../src/relay/cluster/held-mail.js';
import { DEFAULT_RELAY_LIMITS } from '../../../../src/relay/limits.js';

type Callback = (err: Error | null, msg: unknown) => void;

function relayHere(takes: () => boolean) {
  const subs = new Map<string, Callback>();
  const published: { subject: string; body: string }[] = [];
  const pushed: string[] = [];
  const nc = {
    subscribe: (subject: string, opts: { callback: Callback }) => {
      subs.set(subject, opts.callback);
      return { unsubscribe() {} };
    },
    publish: (subject: string, body: string) => published.push({ subject, body }),
  };
  const held = new HeldMail({
    link: { nc } as never,
    limits: { ...DEFAULT_RELAY_LIMITS, holdForAckMs: 60_000 },
    node: 'here',
    locate: () => undefined,
    pushLocal: (mail) => {
      if (!takes()) return false;
      pushed.push(mail.msgId);
      return true;
    },
    withSeq: (record) => record,
  });
  held.open();
  const early = subs.get(`${EARLY_SUBJECT_PREFIX}here.>`)!;
  let n = 0;
  const arrive = (msgId: string) =>
    early(null, {
      subject: `${EARLY_SUBJECT_PREFIX}here.${msgId}`,
      reply: `${EARLY_ANSWER_PREFIX}origin.${++n}`,
      data: new Uint8Array([1]),
    });
  return { held, published, pushed, arrive };
}

describe('relay/cluster/held-mail: early mail from another relay', () => {
  it('refuses a conversation’s next early mail once one was not taken, and answers in one message', async () => {
    let taking = false;
    const r = relayHere(() => taking);
    r.arrive('s.r.01'); // no session takes it: refused
    taking = true;
    r.arrive('s.r.02'); // a session would take it now, but it must not overtake 01
    r.arrive('t.r.01'); // another conversation is pushed
    assert.deepEqual(r.pushed, ['t.r.01']);
    await sleep(EARLY_ANSWER_DELAY_MS + 20);
    assert.deepEqual(r.published, [{ subject: `${EARLY_ANSWER_PREFIX}origin`, body: '-1 -2' }]);
    r.held.close();
  });
});
