/**
 * A sender's share of one mailbox in a cluster (cluster/sender-quota.ts), as the standalone
 * relay keeps it (test/integration/relay/fair-shares.test.ts): one sender cannot fill an
 * offline user's mailbox, which the stream's per-subject limit would then close to everyone.
 */
import assert from 'node:assert/strict';
import type { Frame, FrameOf } from '../../../src/wire/types.js';
import { TestCluster } from '../../helpers/cluster-relays.js';
import { natsServerPath } from '../../helpers/nats.js';
import { sealedSend } from '../../helpers/raw-client.js';
import { removeTempDirs } from '../../helpers/tmp.js';

const isAck = (f: Frame): f is FrameOf<'send-ack'> => f.type === 'send-ack';

(natsServerPath ? describe : describe.skip)(
  "a sender's share of a mailbox in a cluster",
  function () {
    this.timeout(30_000);
    const cluster = new TestCluster();
    beforeEach(() => cluster.start());
    afterEach(() => cluster.stop());
    after(removeTempDirs);

    it('refuses a burst past the share (sender-quota), stores other senders’ mail, and frees the share on acks through another relay', async () => {
      const limits = { maxMailboxMessages: 10, maxMailboxMessagesPerSender: 4 };
      const a = await cluster.relay(limits);
      const b = await cluster.relay(limits);
      const bob = await cluster.user(a, 'bob');
      bob.client.close();
      const spammer = await cluster.user(a, 'spam');
      // All at once: the share counts a message from its Send, not from JetStream's ack.
      for (let i = 0; i < 6; i++) spammer.client.send(sealedSend(bob.id.signPk, `flood ${i}`));
      const acks: FrameOf<'send-ack'>[] = [];
      while (acks.length < 6) acks.push((await spammer.client.next(isAck)) as FrameOf<'send-ack'>);
      const codes = acks.map((x) => x.code).sort();
      assert.deepEqual(codes, [
        'sender-quota',
        'sender-quota',
        'stored',
        'stored',
        'stored',
        'stored',
      ]);
      for (const x of acks.filter((x) => x.code === 'sender-quota'))
        assert.match(x.reason, /share of the recipient's mailbox/);

      const friend = await cluster.user(a, 'friend');
      friend.client.send(sealedSend(bob.id.signPk, 'hello bob'));
      assert.equal(((await friend.client.next(isAck)) as FrameOf<'send-ack'>).code, 'stored');

      // Bob takes his mail through the other relay: its acks reach relay a as notes.
      const back = await cluster.user(b, 'bob', 'login', bob.id);
      assert.equal(back.ready.pending, 5);
      const seqs: number[] = [];
      while (seqs.length < 5)
        seqs.push(
          ((await back.client.next((f) => f.type === 'deliver')) as FrameOf<'deliver'>).seq,
        );
      back.client.send({ type: 'deliver-ack', seqs });
      let code = '';
      for (let i = 0; i < 100 && code !== 'stored'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        spammer.client.send(sealedSend(bob.id.signPk, `after ${i}`));
        code = ((await spammer.client.next(isAck)) as FrameOf<'send-ack'>).code;
      }
      assert.equal(code, 'stored', 'the share is free again once bob acknowledged');
    });
  },
);
