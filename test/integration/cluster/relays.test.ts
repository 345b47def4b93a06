/**
 * Two relays on one nats-server act as one service (issue 15): one relay id,
 * one directory (registration atomic across relays), mail stored in JetStream
 * and delivered through whichever relay the recipient is on, one roster.
 */
import assert from 'node:assert/strict';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';
import { GROUP_STREAM, MAIL_STREAM } from '../../../src/relay/cluster/connection.js';
import { CONSUMER_INACTIVE_MS } from '../../../src/relay/cluster/consumers.js';
import { createLogger } from '../../../src/util/logger.js';
import type { FileRecipients, Frame, FrameOf } from '../../../src/wire/types.js';
import { TestCluster } from '../../helpers/cluster-relays.js';
import { makeFile, putFrame } from '../../helpers/file-frames.js';
import { natsServerPath } from '../../helpers/nats.js';
import { sealedSend } from '../../helpers/raw-client.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { freeUdpPort, sleep } from '../presence/helpers.js';

const isType =
  <T extends Frame['type']>(type: T) =>
  (f: Frame): f is FrameOf<T> =>
    f.type === type;

(natsServerPath ? describe : describe.skip)(
  'relays on one NATS JetStream (integration)',
  function () {
    this.timeout(30_000);
    const cluster = new TestCluster();
    const { relays } = cluster;
    const relay = cluster.relay.bind(cluster);
    const user = cluster.user.bind(cluster);

    beforeEach(() => cluster.start());
    afterEach(() => cluster.stop());

    after(removeTempDirs);

    it('gives every relay of the cluster one relay id', async () => {
      const a = await relay();
      const b = await relay();
      assert.deepEqual(b.relayId, a.relayId);
    });

    it('its relays announce one id on the LAN without warning of a twin (E_RELAY_TWIN)', async () => {
      const presence = {
        port: await freeUdpPort(),
        extraTargets: ['127.255.255.255'],
        broadcastInterfaces: false,
        intervalMs: 100,
      };
      const lines: Record<string, unknown>[] = [];
      const logger = createLogger({
        level: 'warn',
        stream: { write: (line: string) => lines.push(JSON.parse(line)) > 0 },
      });
      const a = await relay({}, { presence, logger });
      const b = await relay({}, { presence, logger });
      assert.deepEqual(b.relayId, a.relayId);
      await sleep(2_000);
      assert.deepEqual(
        lines.filter((l) => l.code === 'E_RELAY_TWIN' || l.code === 'E_SEVERAL_RELAYS'),
        [],
      );
    });

    it('makes consumers the server removes soon after their relay stops pulling (a killed relay leaves none for long)', async () => {
      const a = await relay();
      await user(a, 'alice');
      const nc = await connect({ servers: cluster.nats.url });
      try {
        const jsm = await jetstreamManager(nc);
        for (const stream of [MAIL_STREAM, GROUP_STREAM]) {
          // A session makes its mail consumer after Ready, once its backlog is read from the leader.
          let consumers = await jsm.consumers.list(stream).next();
          for (let i = 0; i < 50 && consumers.length === 0; i++) {
            await new Promise((r) => setTimeout(r, 100));
            consumers = await jsm.consumers.list(stream).next();
          }
          assert.ok(consumers.length > 0, `${stream} has the relay's consumers`);
          for (const c of consumers) {
            assert.equal(c.config.inactive_threshold, nanos(CONSUMER_INACTIVE_MS), stream);
          }
        }
      } finally {
        await nc.close();
      }
    });

    it('lets a user registered on one relay log in on another', async () => {
      const a = await relay();
      const b = await relay();
      const alice = await user(a, 'alice');
      alice.client.close();
      const again = await user(b, 'alice', 'login', alice.id);
      assert.equal(again.ready.card.pseudonym, 'alice');
    });

    it('gives a name raced for on two relays to exactly one identity', async () => {
      const a = await relay();
      const b = await relay();
      for (let i = 0; i < 10; i++) {
        const name = `racer${i}`;
        const results = await Promise.allSettled([user(a, name), user(b, name)]);
        const won = results.filter((r) => r.status === 'fulfilled');
        assert.equal(won.length, 1, `${name}: ${won.length} owners`);
        const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.equal((lost.reason as { code?: string }).code, 'E_PSEUDONYM_TAKEN');
      }
    });

    it('delivers live from a sender on one relay to a recipient on another', async () => {
      const a = await relay();
      const b = await relay();
      const alice = await user(a, 'alice');
      const bob = await user(b, 'bob');
      const sends = [0, 1, 2].map((i) => sealedSend(bob.id.signPk, `hi ${i}`));
      for (const s of sends) alice.client.send(s);
      for (const s of sends) {
        const ack = await alice.client.next(isType('send-ack'));
        assert.equal(ack.type === 'send-ack' && ack.code, 'stored');
        void s;
      }
      const got: FrameOf<'deliver'>[] = [];
      for (let i = 0; i < 3; i++)
        got.push((await bob.client.next(isType('deliver'))) as FrameOf<'deliver'>);
      assert.deepEqual(
        got.map((g) => g.ciphertext),
        sends.map((s) => s.ciphertext),
        'in order, each once',
      );
      assert.equal(got[0]!.from.pseudonym, 'alice');
      assert.ok(got[0]!.seq > 0 && got[1]!.seq > got[0]!.seq);
    });

    it('keeps mail sent through one relay for collection through another, until acked', async () => {
      const a = await relay();
      const b = await relay();
      const alice = await user(a, 'alice');
      const bob = await user(a, 'bob');
      bob.client.close();
      const send = sealedSend(bob.id.signPk, 'while you were out');
      alice.client.send(send);
      const ack = await alice.client.next(isType('send-ack'));
      assert.equal(ack.type === 'send-ack' && ack.code, 'stored');
      const back = await user(b, 'bob', 'login', bob.id);
      assert.equal(back.ready.pending, 1);
      const got = (await back.client.next(isType('deliver'))) as FrameOf<'deliver'>;
      assert.deepEqual(got.ciphertext, send.ciphertext);
      back.client.send({ type: 'deliver-ack', seqs: [got.seq] });
      await new Promise((r) => setTimeout(r, 200));
      back.client.close();
      const later = await user(a, 'bob', 'login', bob.id);
      assert.equal(later.ready.pending, 0, 'the ack through b deleted it for everyone');
    });

    it('never deletes another user’s mail on a forged ack', async () => {
      const a = await relay();
      const alice = await user(a, 'alice');
      const bob = await user(a, 'bob');
      const eve = await user(a, 'eve');
      bob.client.close();
      alice.client.send(sealedSend(bob.id.signPk, 'for bob only'));
      const ack = await alice.client.next(isType('send-ack'));
      assert.equal(ack.type === 'send-ack' && ack.code, 'stored');
      // Stream seqs are small and guessable: eve acks all of them.
      eve.client.send({ type: 'deliver-ack', seqs: Array.from({ length: 20 }, (_, i) => i + 1) });
      await new Promise((r) => setTimeout(r, 200));
      const back = await user(a, 'bob', 'login', bob.id);
      assert.equal(back.ready.pending, 1);
    });

    it('refuses mail beyond the recipient quota on every relay alike', async () => {
      const a = await relay({ maxMailboxMessages: 2 });
      const b = await relay({ maxMailboxMessages: 2 });
      const alice = await user(a, 'alice');
      const carol = await user(b, 'carol');
      const bob = await user(a, 'bob');
      bob.client.close();
      const codes: string[] = [];
      for (const sender of [alice, carol, alice]) {
        sender.client.send(sealedSend(bob.id.signPk, 'm'));
        const ack = await sender.client.next(isType('send-ack'));
        if (ack.type === 'send-ack') codes.push(ack.code);
      }
      assert.deepEqual(codes, ['stored', 'stored', 'recipient-quota']);
    });

    it('shows users of every relay in the roster, and takes them offline when they leave', async () => {
      const a = await relay();
      const b = await relay();
      const alice = await user(a, 'alice');
      const online = alice.client.next(
        (f) =>
          f.type === 'roster-update' &&
          f.entries.some((e) => e.card.pseudonym === 'bob' && e.online),
      );
      const bob = await user(b, 'bob');
      await online;
      const full = await user(b, 'carol');
      const roster = (await full.client.next(isType('roster-update'))) as FrameOf<'roster-update'>;
      assert.ok(roster.entries.some((e) => e.card.pseudonym === 'alice' && e.online));
      const offline = alice.client.next(
        (f) =>
          f.type === 'roster-update' &&
          f.entries.some((e) => e.card.pseudonym === 'bob' && !e.online),
      );
      bob.client.close();
      await offline;
    });

    it('takes a closed relay’s users offline on the others', async () => {
      const a = await relay();
      const b = await relay();
      const alice = await user(a, 'alice');
      await user(b, 'bob');
      const offline = alice.client.next(
        (f) =>
          f.type === 'roster-update' &&
          f.entries.some((e) => e.card.pseudonym === 'bob' && !e.online),
      );
      await relays.pop()!.close();
      await offline;
    });

    it('takes a file put on a relay of the cluster (files.test.ts carries it across)', async () => {
      const a = await relay();
      const alice = await user(a, 'alice');
      const bob = await user(a, 'bob');
      const recipients: FileRecipients = { to: [bob.id.signPk] };
      alice.client.send(putFrame(makeFile(1000), recipients));
      const put = await alice.client.next(isType('file-put-result'));
      assert.equal(put.type === 'file-put-result' && put.code, '');
    });
  },
);
