/**
 * Groups across two relays on one nats-server (issue 15): a group made through
 * one relay reaches members on the other, messages and changes arrive in one
 * gseq order everywhere, a member catches up through any relay from where it
 * acknowledged, a change raced on two relays is applied once, a message sealed
 * for an epoch a change through the other relay ended is refused, a relay
 * started later rebuilds every group from the stream, and items every member
 * acknowledged leave the stream.
 */
import assert from 'node:assert/strict';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { GROUP_STREAM } from '../../../src/relay/cluster/connection.js';
import { msgSubject, storedItem } from '../../../src/relay/cluster/group-stream.js';
import { decodeFrame } from '../../../src/wire/codec.js';
import type { Frame, FrameOf } from '../../../src/wire/types.js';
import { TestCluster } from '../../helpers/cluster-relays.js';
import { changeRequest, TestGroup } from '../../helpers/groups.js';
import { natsServerPath } from '../../helpers/nats.js';
import type { RawClient } from '../../helpers/raw-client.js';
import { removeTempDirs } from '../../helpers/tmp.js';

type Deliver = FrameOf<'group-deliver'>;

const isType =
  <T extends Frame['type']>(type: T) =>
  (f: Frame): f is FrameOf<T> =>
    f.type === type;

/** The next `n` items of `group` this client receives. */
async function items(
  client: RawClient,
  group: TestGroup,
  n: number,
  timeoutMs = 5_000,
): Promise<Deliver[]> {
  const out: Deliver[] = [];
  for (let i = 0; i < n; i++) {
    const f = await client.next(
      (x) => x.type === 'group-deliver' && Buffer.from(x.groupId).toString('hex') === group.gidHex,
      timeoutMs,
    );
    out.push(f as Deliver);
  }
  return out;
}

function textOf(d: Deliver): string {
  return d.item.kind === 'message' ? 'message' : d.item.change.op;
}

(natsServerPath ? describe : describe.skip)(
  'groups across relays on one NATS JetStream (integration)',
  function () {
    this.timeout(30_000);
    const cluster = new TestCluster();
    const relay = () => cluster.relay();
    const user = cluster.user.bind(cluster);

    async function change(client: RawClient, c: TestGroup['create'], requestId = 1) {
      client.send(changeRequest(c, requestId));
      const r = await client.next(
        (f) => f.type === 'group-change-result' && f.requestId === requestId,
      );
      return r as FrameOf<'group-change-result'>;
    }

    async function send(client: RawClient, frame: FrameOf<'group-send'>) {
      client.send(frame);
      const ack = await client.next(
        (f) => f.type === 'send-ack' && Buffer.from(f.msgId).equals(Buffer.from(frame.msgId)),
      );
      return ack as FrameOf<'send-ack'>;
    }

    /** Two relays; alice on A made a group of her and the users `onB` (logged in on B). */
    async function groupOnTwoRelays(...onB: string[]) {
      const a = await relay();
      const b = await relay();
      const alice = await user(a, 'alice');
      const members: Awaited<ReturnType<typeof user>>[] = [];
      for (const name of onB) members.push(await user(b, name));
      const g = TestGroup.create(
        alice.id,
        'team',
        members.map((m) => m.id.signPk),
      );
      const created = await change(alice.client, g.create);
      assert.equal(created.code, '');
      return { a, b, alice, members, g, created };
    }

    async function aliceOnABobAndCarolOnB() {
      const { alice, members, g, created } = await groupOnTwoRelays('bob', 'carol');
      const [bob, carol] = members as [(typeof members)[0], (typeof members)[0]];
      return { alice, bob, carol, g, created };
    }

    beforeEach(() => cluster.start());
    afterEach(() => cluster.stop());

    after(removeTempDirs);

    it('carries a group made on one relay to members on the other, in one order', async () => {
      const { alice, bob, carol, g, created } = await aliceOnABobAndCarolOnB();
      const first = g.send(alice.id, 'hello from A');
      assert.equal((await send(alice.client, first)).code, 'stored');
      const reply = g.send(bob.id, 'hello from B');
      assert.equal((await send(bob.client, reply)).code, 'stored');
      for (const who of [alice, bob, carol]) {
        const got = await items(who.client, g, 3);
        assert.deepEqual(got.map(textOf), ['create', 'message', 'message']);
        assert.equal(got[0]!.gseq, created.gseq);
        assert.ok(got[0]!.gseq < got[1]!.gseq && got[1]!.gseq < got[2]!.gseq);
        const second = got[1]!.item;
        assert.ok(second.kind === 'message');
        assert.deepEqual(Buffer.from(second.msgId), Buffer.from(first.msgId));
      }
    });

    it('lets a member catch up through either relay from where it acknowledged', async () => {
      const { a, b, alice, members, g } = await groupOnTwoRelays('bob');
      const bob = members[0]!;
      const [create] = await items(bob.client, g, 1);
      bob.client.send({ type: 'group-ack', groupId: g.groupId, throughGseq: create!.gseq });
      // Let the ack reach the cursors' bucket before bob leaves.
      await new Promise((r) => setTimeout(r, 400));
      bob.client.close();
      for (let i = 0; i < 3; i++) {
        assert.equal((await send(alice.client, g.send(alice.id, `m${i}`))).code, 'stored');
      }
      const again = await user(a, 'bob', 'login', bob.id);
      const got = await items(again.client, g, 3);
      assert.deepEqual(got.map(textOf), ['message', 'message', 'message']);
      again.client.send({ type: 'group-ack', groupId: g.groupId, throughGseq: got[2]!.gseq });
      await new Promise((r) => setTimeout(r, 400));
      again.client.close();
      const third = await user(b, 'bob', 'login', bob.id);
      const late = g.send(alice.id, 'after');
      assert.equal((await send(alice.client, late)).code, 'stored');
      const [next] = await items(third.client, g, 1);
      const item = next!.item;
      assert.ok(item.kind === 'message');
      assert.deepEqual(Buffer.from(item.msgId), Buffer.from(late.msgId), 'nothing acked came back');
    });

    it('applies one of two changes raced on two relays, and says so to the other', async () => {
      const a = await relay();
      const b = await relay();
      const alice = await user(a, 'alice');
      const aliceOnB = await user(b, 'alice', 'login', alice.id);
      const bob = await user(b, 'bob');
      const g = TestGroup.create(alice.id, 'team', [bob.id.signPk]);
      assert.equal((await change(alice.client, g.create)).code, '');
      await items(aliceOnB.client, g, 1);
      const x = g.sign(alice.id, { op: 'rename', name: 'x' });
      const y = g.sign(alice.id, { op: 'rename', name: 'y' });
      const [rx, ry] = await Promise.all([
        change(alice.client, x, 2),
        change(aliceOnB.client, y, 2),
      ]);
      const codes = [rx.code, ry.code].sort();
      assert.deepEqual(codes, ['', 'E_GROUP_CHAIN_BROKEN']);
      const got = await items(bob.client, g, 2);
      assert.deepEqual(got.map(textOf), ['create', 'rename']);
      const renamed = got[1]!.item;
      assert.ok(renamed.kind === 'change' && renamed.change.op === 'rename');
      assert.equal(renamed.change.name, rx.code === '' ? 'x' : 'y');
    });

    it('refuses a message sealed for an epoch a removal through the other relay ended', async () => {
      const { alice, bob, carol, g } = await aliceOnABobAndCarolOnB();
      await items(bob.client, g, 1);
      const oldEpoch = g.state.epoch;
      const stale = g.send(bob.id, 'for the old epoch', oldEpoch);
      const removal = g.change(alice.id, { op: 'remove', target: carol.id.signPk });
      assert.equal((await change(alice.client, removal, 2)).code, '');
      const ack = await send(bob.client, stale);
      assert.equal(ack.code, 'stale-epoch');
      // Carol receives her removal and nothing after it.
      const got = await items(carol.client, g, 2);
      assert.deepEqual(got.map(textOf), ['create', 'remove']);
      const fresh = g.send(bob.id, 'new epoch');
      assert.equal((await send(bob.client, fresh)).code, 'stored');
      await assert.rejects(items(carol.client, g, 1, 1_000).then(() => undefined));
    });

    it('drops, on every relay alike, a stored message whose epoch a change before it ended', async () => {
      const { alice, bob, carol, g } = await aliceOnABobAndCarolOnB();
      const stale = g.send(bob.id, 'checked before the removal', g.state.epoch);
      const removal = g.change(alice.id, { op: 'remove', target: carol.id.signPk });
      assert.equal((await change(alice.client, removal, 2)).code, '');
      // As a relay that checked it before it saw the removal would have published it.
      const nc = await connect({ servers: cluster.nats.url });
      try {
        const js = jetstream(nc);
        const item = {
          kind: 'message' as const,
          from: bob.id.signPk,
          msgId: stale.msgId,
          body: stale.body,
        };
        await js.publish(
          msgSubject(g.gidHex),
          storedItem({ groupId: g.groupId, storedAtMs: Date.now(), item }),
        );
      } finally {
        await nc.close();
      }
      const fresh = g.send(bob.id, 'new epoch');
      assert.equal((await send(bob.client, fresh)).code, 'stored');
      for (const who of [alice, bob]) {
        const got = await items(who.client, g, 3);
        assert.deepEqual(got.map(textOf), ['create', 'remove', 'message']);
        const last = got[2]!.item;
        assert.ok(last.kind === 'message');
        assert.deepEqual(Buffer.from(last.msgId), Buffer.from(fresh.msgId));
      }
    });

    it('rebuilds every group on a relay started later, which then serves it', async () => {
      const a = await relay();
      const alice = await user(a, 'alice');
      const bob = await user(a, 'bob');
      const g = TestGroup.create(alice.id, 'team', [bob.id.signPk]);
      assert.equal((await change(alice.client, g.create)).code, '');
      assert.equal((await send(alice.client, g.send(alice.id, 'before'))).code, 'stored');
      const c = await relay();
      const bobOnC = await user(c, 'bob', 'login', bob.id);
      const got = await items(bobOnC.client, g, 2);
      assert.deepEqual(got.map(textOf), ['create', 'message']);
      const aliceOnC = await user(c, 'alice', 'login', alice.id);
      assert.equal((await send(aliceOnC.client, g.send(alice.id, 'via C'))).code, 'stored');
      const log = await (async () => {
        bobOnC.client.send({
          type: 'group-log-request',
          requestId: 9,
          groupId: g.groupId,
          fromSeq: 0,
        });
        return (await bobOnC.client.next(
          isType('group-log-result'),
        )) as FrameOf<'group-log-result'>;
      })();
      assert.equal(log.found, true);
      assert.equal(log.changes.length, 1);
    });

    it('counts who put whom in groups alike on every relay (E_GROUP_TOO_MANY_FROM_ONE), one started later too', async () => {
      const limits = { maxGroupsAddedByOne: 2 };
      const a = await cluster.relay(limits);
      const b = await cluster.relay(limits);
      const alice = await user(a, 'alice');
      const bob = await user(b, 'bob');
      const carol = await user(b, 'carol');
      const mine = ['one', 'two'].map((n) => TestGroup.create(alice.id, n, [bob.id.signPk]));
      for (const [i, g] of mine.entries()) {
        assert.equal((await change(alice.client, g.create, i + 1)).code, '');
        await items(bob.client, g, 1);
      }
      // Bob's relay applied both: alice, there too, is refused a third; carol is not.
      const aliceOnB = await user(b, 'alice', 'login', alice.id);
      const third = TestGroup.create(alice.id, 'three', [bob.id.signPk]);
      assert.equal(
        (await change(aliceOnB.client, third.create, 5)).code,
        'E_GROUP_TOO_MANY_FROM_ONE',
      );
      assert.equal((await change(alice.client, third.create, 6)).code, 'E_GROUP_TOO_MANY_FROM_ONE');
      const carols = TestGroup.create(carol.id, 'carols', [bob.id.signPk]);
      assert.equal((await change(carol.client, carols.create, 7)).code, '');
      // A relay started later reads the stream and counts alike.
      const c = await cluster.relay(limits);
      const aliceOnC = await user(c, 'alice', 'login', alice.id);
      const bobOnC = await user(c, 'bob', 'login', bob.id);
      await items(bobOnC.client, carols, 1);
      assert.equal(
        (await change(aliceOnC.client, third.create, 8)).code,
        'E_GROUP_TOO_MANY_FROM_ONE',
      );
    });

    it('deletes messages every member acknowledged, and keeps the log', async () => {
      const { alice, members, g } = await groupOnTwoRelays('bob');
      const bob = members[0]!;
      for (let i = 0; i < 4; i++) {
        assert.equal((await send(alice.client, g.send(alice.id, `m${i}`))).code, 'stored');
      }
      for (const who of [alice, bob]) {
        const got = await items(who.client, g, 5);
        who.client.send({ type: 'group-ack', groupId: g.groupId, throughGseq: got[4]!.gseq });
      }
      const nc = await connect({ servers: cluster.nats.url });
      try {
        const jsm = await jetstreamManager(nc);
        const deadline = Date.now() + 5_000;
        let messages = -1;
        while (Date.now() < deadline) {
          messages = (await jsm.streams.info(GROUP_STREAM)).state.messages;
          if (messages === 1) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(messages, 1, 'only the create is left');
        const left = await jsm.streams.getMessage(GROUP_STREAM, {
          last_by_subj: `natter.1.group.${g.gidHex}.log`,
        });
        assert.ok(left);
        const stored = decodeFrame(left.data);
        assert.ok(stored.type === 'group-deliver' && stored.item.kind === 'change');
      } finally {
        await nc.close();
      }
    });
  },
);
