import assert from 'node:assert/strict';
import { signCard } from '../../../../src/crypto/card.js';
import { generateIdentity } from '../../../../src/crypto/keys.js';
import { Lookups } from '../../../../src/peer/link/lookups.js';
import { MAX_OUTSTANDING_REQUESTS, Requests } from '../../../../src/peer/link/requests.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { isNatterError, NatterError } from '../../../../src/util/errors.js';
import type { Frame, FrameOf } from '../../../../src/wire/types.js';

const bobId = generateIdentity();
const bob = {
  id: bobId,
  card: signCard(bobId, 'bob'),
};

function rig(options: { connected?: boolean; maxOutstanding?: number; timeoutMs?: number } = {}) {
  const clock = new ManualClock();
  const sent: FrameOf<'lookup'>[] = [];
  let connected = options.connected ?? true;
  const requests = new Requests({
    send: (f: Frame) => {
      if (!connected) return false;
      if (f.type === 'lookup') sent.push(f);
      return true;
    },
    clock,
    ...(options.maxOutstanding === undefined ? {} : { maxOutstanding: options.maxOutstanding }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const answer = (requestId: number): FrameOf<'lookup-result'> => ({
    type: 'lookup-result',
    requestId,
    card: bob.card,
    online: true,
  });
  return { clock, sent, requests, answer, disconnect: () => (connected = false) };
}

describe('link requests: request/reply by request id', () => {
  it('matches replies to requests by id, whatever their order', async () => {
    const r = rig();
    const first = r.requests.request('lookup', { by: { pseudonym: 'bob' } });
    const second = r.requests.request('lookup', { by: { pseudonym: 'carol' } });
    const [a, b] = r.sent;
    assert.ok(a && b);
    assert.notEqual(a.requestId, b.requestId);
    assert.equal(r.requests.settle({ ...r.answer(b.requestId), card: null }), true);
    assert.equal(r.requests.settle(r.answer(a.requestId)), true);
    assert.deepEqual((await first).card, bob.card);
    assert.equal((await second).card, null);
    assert.equal(r.requests.outstanding, 0);
  });

  it('times out on the injected clock with E_REQUEST_TIMEOUT, and counts the late reply as stray', async () => {
    const r = rig({ timeoutMs: 500 });
    const pending = r.requests.request('lookup', { by: { pseudonym: 'bob' } });
    r.clock.advance(499);
    assert.equal(r.requests.outstanding, 1);
    r.clock.advance(1);
    await assert.rejects(pending, (e) => isNatterError(e, 'E_REQUEST_TIMEOUT'));
    assert.equal(r.requests.settle(r.answer(r.sent[0]!.requestId)), false);
    assert.equal(r.requests.strayReplies, 1);
  });

  it('lets a caller choose its own timeout', async () => {
    const r = rig();
    const pending = r.requests.request('lookup', { by: { pseudonym: 'bob' } }, { timeoutMs: 50 });
    r.clock.advance(50);
    await assert.rejects(pending, (e) => isNatterError(e, 'E_REQUEST_TIMEOUT'));
  });

  it('fails every waiting request at once with E_OFFLINE when the link drops', async () => {
    const r = rig();
    const waiting = [0, 1, 2].map(() => r.requests.request('lookup', { by: { pseudonym: 'x' } }));
    r.requests.cancelAll();
    for (const w of waiting) await assert.rejects(w, (e) => isNatterError(e, 'E_OFFLINE'));
    assert.equal(r.requests.outstanding, 0);
    r.clock.advance(60_000); // their timers are gone: nothing fires twice
  });

  it('fails at once with E_OFFLINE when not connected, leaving nothing outstanding', async () => {
    const r = rig({ connected: false });
    await assert.rejects(r.requests.request('lookup', { by: { pseudonym: 'bob' } }), (e) =>
      isNatterError(e, 'E_OFFLINE'),
    );
    assert.equal(r.requests.outstanding, 0);
  });

  it('passes on a refusal from a full link, leaving nothing outstanding', async () => {
    const requests = new Requests({
      send: () => {
        throw new NatterError('E_LINK_FULL', 'full');
      },
      clock: new ManualClock(),
    });
    await assert.rejects(requests.request('lookup', { by: { pseudonym: 'bob' } }), (e) =>
      isNatterError(e, 'E_LINK_FULL'),
    );
    assert.equal(requests.outstanding, 0);
  });

  it('refuses more than the outstanding bound with E_TOO_MANY_REQUESTS', async () => {
    assert.ok(MAX_OUTSTANDING_REQUESTS >= 100, 'a few hundred contacts fit');
    const r = rig({ maxOutstanding: 3 });
    const ok = [0, 1, 2].map(() => r.requests.request('lookup', { by: { pseudonym: 'x' } }));
    await assert.rejects(r.requests.request('lookup', { by: { pseudonym: 'y' } }), (e) =>
      isNatterError(e, 'E_TOO_MANY_REQUESTS'),
    );
    assert.equal(r.sent.length, 3, 'the refused one was never sent');
    r.requests.settle(r.answer(r.sent[0]!.requestId));
    await ok[0];
    const again = r.requests.request('lookup', { by: { pseudonym: 'y' } });
    assert.equal(r.sent.length, 4, 'room again after a reply');
    r.requests.cancelAll();
    await Promise.allSettled([...ok, again]);
  });

  it('wraps request ids within uint32 and never uses 0', async () => {
    const clock = new ManualClock();
    const ids: number[] = [];
    const requests = new Requests({
      send: (f) => {
        if (f.type === 'lookup') ids.push(f.requestId);
        return true;
      },
      clock,
      firstRequestId: 0xffffffff - 1,
    });
    const waiting = [0, 1, 2].map(() => requests.request('lookup', { by: { pseudonym: 'x' } }));
    assert.deepEqual(ids, [0xffffffff - 1, 0xffffffff, 1]);
    requests.cancelAll();
    await Promise.allSettled(waiting);
  });

  it('gives lookups their answer through the generic requests', async () => {
    const r = rig();
    const lookups = new Lookups(r.requests);
    const pending = lookups.request({ userId: bob.id.signPk });
    const sent = r.sent[0]!;
    assert.deepEqual(sent.by, { userId: bob.id.signPk });
    r.requests.settle(r.answer(sent.requestId));
    assert.deepEqual(await pending, { card: bob.card, online: true });
  });
});
