/**
 * A mail stream that starts its seqs again under running relays (nats-server 2.9
 * resets a stream's replicas when a node rejoins: a new-user trial lost an
 * acknowledged message around one). Here the stream is deleted and made again,
 * which gives seqs again from 1: a relay must not delete a new message for an ack
 * of an old one at the same seq, and a session past those seqs must not skip the
 * new mail (docs/decisions.md "A reset stream").
 */
import assert from 'node:assert/strict';
import { jetstreamManager, type StreamConfig } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { MAIL_STREAM } from '../../../src/relay/cluster/connection.js';
import type { Frame, FrameOf } from '../../../src/wire/types.js';
import { TestCluster } from '../../helpers/cluster-relays.js';
import { natsServerPath } from '../../helpers/nats.js';
import { sealedSend } from '../../helpers/raw-client.js';
import { removeTempDirs } from '../../helpers/tmp.js';

const isDeliver = (f: Frame): f is FrameOf<'deliver'> => f.type === 'deliver';

/** Deletes the mail stream and makes it again as it was: its seqs start from 1 again. */
async function restartMailStream(url: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const config = (await jsm.streams.info(MAIL_STREAM)).config as StreamConfig;
    await jsm.streams.delete(MAIL_STREAM);
    await jsm.streams.add(config);
  } finally {
  }
}

(natsServerPath ? describe : describe.skip)(
  'a mail stream reset under the relays (integration)',
  function () {
    this.timeout(60_000);
    const cluster = new TestCluster();
    beforeEach(() => cluster.start());
    afterEach(() => cluster.stop());
    after(removeTempDirs);

    it('neither deletes new mail for an old seq’s ack nor skips it', async () => {
      const a = await cluster.relay();
      const alice = await cluster.user(a, 'alice');
      const bob = await cluster.user(a, 'bob');
      const carol = await cluster.user(a, 'carol');
      // Carol is pushed seqs 1-3 and has not acked them yet.
      for (let i = 0; i < 3; i++) {
        alice.client.send(sealedSend(carol.id.signPk, `old ${i}`));
        await alice.client.next((f) => f.type === 'send-ack');
      }
      const old = [];
      for (let i = 0; i < 3; i++) old.push(await carol.client.next(isDeliver));
      assert.deepEqual(
        old.map((d) => (d as FrameOf<'deliver'>).seq),
        [1, 2, 3],
      );

      // The stream starts again from seq 1, as a reset one can.
      await restartMailStream(cluster.nats.url);

      // Bob's new mail takes seqs 1 and 2 again.
      const fresh = [sealedSend(bob.id.signPk, 'new 1'), sealedSend(bob.id.signPk, 'new 2')];
      for (const m of fresh) {
        alice.client.send(m);
        const ack = await alice.client.next((f) => f.type === 'send-ack', 15_000);
        assert.equal(ack.type === 'send-ack' && ack.code, 'stored');
      }
      // Carol acks her old seqs 1-3 now: seqs 1 and 2 name bob's new mail.
      carol.client.send({ type: 'deliver-ack', seqs: [1, 2, 3] });
      await new Promise((r) => setTimeout(r, 500));

      const back = await cluster.user(a, 'bob', 'login', bob.id);
      assert.equal(back.ready.pending, 2, 'an ack of an old seq deleted new mail');
      const got = [await back.client.next(isDeliver), await back.client.next(isDeliver)];
      assert.deepEqual(
        got.map((d) => (d as FrameOf<'deliver'>).ciphertext),
        fresh.map((m) => m.ciphertext),
      );
    });

    it('ends a session that has passed the seqs new mail is stored at, and the next one reads it', async () => {
      const a = await cluster.relay();
      const alice = await cluster.user(a, 'alice');
      const bob = await cluster.user(a, 'bob');
      for (let i = 0; i < 3; i++) {
        alice.client.send(sealedSend(bob.id.signPk, `old ${i}`));
        await alice.client.next((f) => f.type === 'send-ack');
      }
      for (let i = 0; i < 3; i++) {
        const d = (await bob.client.next(isDeliver)) as FrameOf<'deliver'>;
        bob.client.send({ type: 'deliver-ack', seqs: [d.seq] });
      }
      await new Promise((r) => setTimeout(r, 500));

      await restartMailStream(cluster.nats.url);

      const fresh = sealedSend(bob.id.signPk, 'after the reset');
      alice.client.send(fresh);
      const ack = await alice.client.next((f) => f.type === 'send-ack', 15_000);
      assert.equal(ack.type === 'send-ack' && ack.code, 'stored');
      // Bob's session is past seq 1: it ends, and his next one reads the new mail.
      await Promise.race([
        bob.client.closed,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('bob’s session went on')), 10_000),
        ),
      ]);
      const back = await cluster.user(a, 'bob', 'login', bob.id);
      const got = (await back.client.next(isDeliver)) as FrameOf<'deliver'>;
      assert.deepEqual(got.ciphertext, fresh.ciphertext);
    });
  },
);
