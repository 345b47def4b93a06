/**
 * Mail held for its recipient's ack in a cluster (src/relay/cluster/held-mail.ts;
 * docs/decisions.md, "Held in a cluster"): relays on a throwaway nats-server, raw
 * clients on loopback. Mail acked in time is never published to JetStream, whether
 * its recipient is on the sender's relay or on another.
 */
import assert from 'node:assert/strict';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { MAIL_STREAM } from '../../../src/relay/cluster/connection.js';
import { EARLY_SEQ_BASE } from '../../../src/relay/cluster/held-mail.js';
import type { RunningRelay } from '../../../src/relay/index.js';
import { CLIENT_FEATURES } from '../../../src/wire/limits.js';
import type { Frame, FrameOf } from '../../../src/wire/types.js';
import { type ClusterUser, TestCluster } from '../../helpers/cluster-relays.js';
import { natsServerPath } from '../../helpers/nats.js';
import { generateIdentity, sealedSend } from '../../helpers/raw-client.js';
import { removeTempDirs } from '../../helpers/tmp.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

(natsServerPath ? describe : describe.skip)(
  'relays on one NATS JetStream: mail held for the recipient ack (integration)',
  function () {
    this.timeout(30_000);
    const cluster = new TestCluster();
    let nc: NatsConnection;
    let jsm: JetStreamManager;

    /** `name` as natter's client logs in: announcing that it takes the delivered ack. */
    const user = (on: RunningRelay, name: string, id = generateIdentity()) =>
      cluster.user(on, name, 'register', id, CLIENT_FEATURES);

    async function sendAck(u: ClusterUser): Promise<FrameOf<'send-ack'>> {
      return (await u.client.next((f) => f.type === 'send-ack')) as FrameOf<'send-ack'>;
    }

    async function deliver(u: ClusterUser): Promise<FrameOf<'deliver'>> {
      return (await u.client.next((f) => f.type === 'deliver')) as FrameOf<'deliver'>;
    }

    /** Messages ever published to the mail stream (its last seq). */
    async function published(): Promise<number> {
      return (await jsm.streams.info(MAIL_STREAM)).state.last_seq;
    }

    /**
     * `n` sessions take early mail: each has read its backlog and made its mail consumer
     * (stream-delivery.ts); mail sent before that is published at once, not held.
     */
    async function mailReady(n: number): Promise<void> {
      for (let i = 0; i < 100; i++) {
        if ((await jsm.consumers.list(MAIL_STREAM).next()).length >= n) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`fewer than ${n} mail consumers after 5 s`);
    }

    /** alice and bob on `relay`, and alice's message to bob pushed to him early, not acked. */
    async function pushedEarly(relay: RunningRelay, text: string) {
      const alice = await user(relay, 'alice');
      const bobId = generateIdentity();
      const bob = await user(relay, 'bob', bobId);
      const send = sealedSend(bob.id.signPk, text);
      await mailReady(2);
      alice.client.send(send);
      const early = await deliver(bob);
      return { alice, bob, bobId, send, early };
    }

    /** `watcher` sees `name` online (the roster reached its relay). */
    function seesOnline(watcher: ClusterUser, name: string): Promise<Frame> {
      return watcher.client.next(
        (f) =>
          f.type === 'roster-update' &&
          f.entries.some((e) => e.card.pseudonym === name && e.online),
      );
    }

    beforeEach(async () => {
      await cluster.start();
      nc = await connect({ servers: cluster.nats.url });
      jsm = await jetstreamManager(nc);
    });

    afterEach(async () => {
      await nc.close();
      await cluster.stop();
    });

    after(removeTempDirs);

    it('never publishes mail its recipient on the same relay acks in time; the sender hears delivered', async () => {
      const a = await cluster.relay();
      const alice = await user(a, 'alice');
      const bob = await user(a, 'bob');
      const send = sealedSend(bob.id.signPk, 'straight through');
      await mailReady(2);
      alice.client.send(send);
      const got = await deliver(bob);
      assert.ok(got.seq > EARLY_SEQ_BASE, `an early seq, not ${got.seq}`);
      bob.client.send({ type: 'deliver-ack', seqs: [got.seq] });
      const ack = await sendAck(alice);
      assert.equal(ack.code, 'delivered');
      assert.equal(hex(ack.msgId), hex(send.msgId));
      assert.equal(await published(), 0);
    });

    it('never publishes mail its recipient on another relay acks in time', async () => {
      const a = await cluster.relay();
      const b = await cluster.relay();
      const alice = await user(a, 'alice');
      const online = seesOnline(alice, 'bob');
      const bob = await user(b, 'bob');
      await online;
      const send = sealedSend(bob.id.signPk, 'across relays');
      await mailReady(2);
      alice.client.send(send);
      const got = await deliver(bob);
      assert.ok(got.seq > EARLY_SEQ_BASE, `an early seq, not ${got.seq}`);
      assert.equal(hex(got.msgId), hex(send.msgId));
      bob.client.send({ type: 'deliver-ack', seqs: [got.seq] });
      assert.equal((await sendAck(alice)).code, 'delivered');
      assert.equal(await published(), 0);
    });

    for (const across of [false, true]) {
      it(`publishes the mail when its recipient${across ? ' on another relay' : ''} does not ack in time, pushes that session no copy, and deletes it on the early ack`, async () => {
        const a = await cluster.relay();
        const b = across ? await cluster.relay() : a;
        const alice = await user(a, 'alice');
        const online = seesOnline(alice, 'bob');
        const bob = await user(b, 'bob');
        if (across) await online;
        const send = sealedSend(bob.id.signPk, 'no ack yet');
        await mailReady(2);
        alice.client.send(send);
        const early = await deliver(bob);
        assert.ok(early.seq > EARLY_SEQ_BASE);
        assert.equal((await sendAck(alice)).code, 'stored');
        assert.equal(await published(), 1);
        // The stored copy reaches bob's consumer, which knows the session has it.
        await assert.rejects(
          bob.client.next((f) => f.type === 'deliver', 1_000),
          /timed out/,
          'the stored copy was pushed to the session that had it early',
        );
        // The early ack, late for the hold, acks the stored copy: it is deleted.
        bob.client.send({ type: 'deliver-ack', seqs: [early.seq] });
        for (let i = 0; i < 100 && (await jsm.streams.info(MAIL_STREAM)).state.messages > 0; i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal((await jsm.streams.info(MAIL_STREAM)).state.messages, 0);
      });
    }

    it('delivers the stored copy to the next session when the one pushed early ended without its ack', async () => {
      const a = await cluster.relay();
      const { alice, bob, bobId, send } = await pushedEarly(a, 'read me again');
      assert.equal((await sendAck(alice)).code, 'stored');
      bob.client.close();
      await bob.client.closed;
      const again = await cluster.user(a, 'bob', 'login', bobId, CLIENT_FEATURES);
      const stored = await deliver(again);
      assert.equal(hex(stored.msgId), hex(send.msgId));
      assert.ok(stored.seq < EARLY_SEQ_BASE, `the stream's seq, not ${stored.seq}`);
    });

    it('answers stored, after the publish, to a sender that did not announce the delivered ack', async () => {
      const a = await cluster.relay();
      const alice = await cluster.user(a, 'alice');
      const bob = await user(a, 'bob');
      await mailReady(2);
      alice.client.send(sealedSend(bob.id.signPk, 'old client'));
      const got = await deliver(bob);
      assert.ok(got.seq < EARLY_SEQ_BASE, 'not pushed early');
      assert.equal((await sendAck(alice)).code, 'stored');
      assert.equal(await published(), 1);
    });

    it('ignores an ack of early mail from a session it was not pushed to', async () => {
      const a = await cluster.relay();
      const alice = await user(a, 'alice');
      const bob = await user(a, 'bob');
      const mallory = await user(a, 'mallory');
      await mailReady(3);
      alice.client.send(sealedSend(bob.id.signPk, 'for bob only'));
      const got = await deliver(bob);
      mallory.client.send({ type: 'deliver-ack', seqs: [got.seq] });
      assert.equal((await sendAck(alice)).code, 'stored');
      assert.equal(await published(), 1);
    });

    it('keeps a conversation in order when its recipient leaves with mail held', async () => {
      const a = await cluster.relay({ holdForAckMs: 60_000 });
      // Pushed early, held, not acked.
      const { alice, bob, bobId, send: first } = await pushedEarly(a, 'first');
      bob.client.close();
      await bob.client.closed;
      // Bob is offline: this one is not held, and the held one is published before it.
      const second = sealedSend(bob.id.signPk, 'second');
      alice.client.send(second);
      const acks = [await sendAck(alice), await sendAck(alice)];
      assert.deepEqual(
        acks.map((x) => x.code),
        ['stored', 'stored'],
      );
      const again = await cluster.user(a, 'bob', 'login', bobId, CLIENT_FEATURES);
      const order = [await deliver(again), await deliver(again)];
      assert.deepEqual(
        order.map((d) => hex(d.msgId)),
        [first.msgId, second.msgId].map(hex),
      );
    });

    it('keeps a conversation in order when its recipient comes online here while its mail is held for another relay', async () => {
      // As when bob's relay died (its early mail never answered) and he logged in here
      // (an operator trial: bob saw 2, 3, 4, 5, then 1 with a gap notice).
      const a = await cluster.relay({ holdForAckMs: 1_500 });
      const b = await cluster.relay();
      const alice = await user(a, 'alice');
      const online = seesOnline(alice, 'bob');
      const bobId = generateIdentity();
      const bobOnB = await user(b, 'bob', bobId);
      await online;
      await mailReady(2);
      const first = sealedSend(bobId.signPk, 'first');
      alice.client.send(first);
      // Pushed early to bob's session on B, held on A, not acked.
      assert.equal(hex((await deliver(bobOnB)).msgId), hex(first.msgId));
      const bobOnA = await cluster.user(a, 'bob', 'login', bobId, CLIENT_FEATURES);
      await mailReady(3);
      const second = sealedSend(bobId.signPk, 'second');
      alice.client.send(second);
      const order = [await deliver(bobOnA), await deliver(bobOnA)];
      assert.deepEqual(
        order.map((d) => hex(d.msgId)),
        [first.msgId, second.msgId].map(hex),
      );
    });

    it('publishes what it holds when it closes', async () => {
      const a = await cluster.relay({ holdForAckMs: 60_000 });
      const { bobId, send } = await pushedEarly(a, 'closing');
      await cluster.relays.pop()!.close();
      assert.equal(await published(), 1);
      const b = await cluster.relay();
      const again = await cluster.user(b, 'bob', 'login', bobId, CLIENT_FEATURES);
      assert.equal(hex((await deliver(again)).msgId), hex(send.msgId));
    });
  },
);
