import assert from 'node:assert/strict';
import { SenderQuota } from '../../../../src/relay/cluster/sender-quota.js';

const limits = {
  maxPendingPerSender: 5,
  maxMailboxMessagesPerSender: 3,
  maxMailboxBytesPerSender: 1_000,
};

describe('cluster sender quota: in all, and a share of each mailbox', () => {
  it('counts a publish in its share from the claim, so a burst cannot pass it', () => {
    const q = new SenderQuota(limits);
    const claims = [];
    for (let i = 0; i < 3; i++) {
      assert.equal(q.refusal('s', 'bob', 10), null);
      claims.push(q.claim('s', 'bob', 10));
    }
    assert.match(q.refusal('s', 'bob', 10)?.reason ?? '', /share of the recipient's mailbox/);
    assert.equal(q.refusal('other', 'bob', 10), null, 'another sender still gets in');
    assert.equal(q.refusal('s', 'carol', 10), null, 'and the sender to another mailbox');
    // One was not stored (refused by the stream, a duplicate, delivered while held).
    q.settled(claims[0]!);
    assert.equal(q.refusal('s', 'bob', 10), null);
    assert.deepEqual(q.shareOf('s', 'bob'), { count: 2, bytes: 20 });
  });

  it('keeps a stored claim until its mail is acknowledged or expires', () => {
    const q = new SenderQuota(limits);
    const a = q.claim('s', 'bob', 400);
    q.stored(a, 7, 1_000);
    q.settled(a);
    const b = q.claim('s', 'bob', 400);
    q.stored(b, 9, 2_000);
    q.settled(b);
    assert.deepEqual(q.shareOf('s', 'bob'), { count: 2, bytes: 800 });
    assert.ok(q.refusal('s', 'bob', 300), 'bytes: 800 + 300 is over 1,000');
    assert.equal(q.refusal('s', 'bob', 200), null);
    q.gone('bob', 7);
    assert.deepEqual(q.shareOf('s', 'bob'), { count: 1, bytes: 400 });
    q.expire(3_000);
    assert.deepEqual(q.shareOf('s', 'bob'), { count: 0, bytes: 0 });
    q.gone('bob', 9); // twice: nothing more to give back
    assert.deepEqual(q.shareOf('s', 'bob'), { count: 0, bytes: 0 });
  });

  it('refuses past maxPendingPerSender across mailboxes, and frees on acks heard from other relays', () => {
    const q = new SenderQuota(limits);
    for (let i = 1; i <= 5; i++) {
      const c = q.claim('s', `r${i}`, 10);
      q.stored(c, i, 1_000);
      q.settled(c);
    }
    assert.match(q.refusal('s', 'r9', 10)?.reason ?? '', /too many undelivered/);
    q.heard({ json: <T>() => ({ r: 'r3', s: [3] }) as T });
    assert.equal(q.refusal('s', 'r9', 10), null);
    q.heard({ json: <T>() => ({ r: 'r1', below: 2 }) as T });
    assert.deepEqual(q.shareOf('s', 'r1'), { count: 0, bytes: 0 });
  });
});
