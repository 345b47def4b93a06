/**
 * GroupResend through real relays on loopback (docs/protocol.md "Groups", "Resend"), with
 * raw protocol clients: the result comes before the first item sent again, the items
 * after the gseq asked follow in order, live ones after them once; refusals are coded
 * results on an open connection. A standalone relay, and a cluster's two relays (the
 * member on the other one than the sender) where nats-server is here.
 */
import assert from 'node:assert/strict';
import { generateIdentity, type Identity } from '../../../src/crypto/keys.js';
import { GroupResendCode } from '../../../src/relay/errors.js';
import type { RelayLimits } from '../../../src/relay/index.js';
import { RELAY_FEATURE_GROUP_RESEND } from '../../../src/wire/limits.js';
import type { Frame, FrameOf } from '../../../src/wire/types.js';
import { TestCluster } from '../../helpers/cluster-relays.js';
import { changeRequest, TestGroup } from '../../helpers/groups.js';
import { natsServerPath } from '../../helpers/nats.js';
import { RawClient } from '../../helpers/raw-client.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';

interface User {
  id: Identity;
  client: RawClient;
  /** What the user received, in order: `r<after><code>` for a result, the gseq of an item. */
  seen: (string | number)[];
}

/** Where the test's users log in: `sender` and `member` may be two relays of a cluster. */
interface Relays {
  sender: number;
  member: number;
  close(): Promise<void>;
}

function suite(start: (limits: Partial<RelayLimits>) => Promise<Relays>) {
  let relays: Relays;
  const clients: RawClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await relays.close();
    await removeTempDirs();
  });

  async function user(name: string, port: number): Promise<User> {
    const id = generateIdentity();
    const { client } = await RawClient.login(port, id, name);
    clients.push(client);
    const seen: User['seen'] = [];
    client.onFrame = (f: Frame) => {
      if (f.type === 'group-deliver') seen.push(f.gseq);
      if (f.type === 'group-resend-result') seen.push(`r${f.afterGseq}${f.code}`);
    };
    return { id, client, seen };
  }

  async function until(test: () => boolean, what: string): Promise<void> {
    const end = Date.now() + 10_000;
    while (!test()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** alice makes #team with bob and sends `n` messages; bob has them all (gseqs returned). */
  async function team(n: number, limits: Partial<RelayLimits> = {}) {
    relays = await start(limits);
    const alice = await user('alice', relays.sender);
    const bob = await user('bob', relays.member);
    const group = TestGroup.create(alice.id, 'team', [bob.id.signPk]);
    alice.client.send(changeRequest(group.create, 1));
    const made = await alice.client.next((f) => f.type === 'group-change-result');
    assert.equal((made as FrameOf<'group-change-result'>).code, '');
    for (let i = 0; i < n; i++) {
      const f = group.send(alice.id, `m${i}`);
      alice.client.send(f);
      const ack = await alice.client.next((x) => x.type === 'send-ack');
      assert.equal((ack as FrameOf<'send-ack'>).code, 'stored');
    }
    await until(() => bob.seen.length === n + 1, `bob's ${n + 1} items`);
    const gseqs = bob.seen.slice() as number[];
    return { alice, bob, group, gseqs };
  }

  const resend = (u: User, groupId: Uint8Array, afterGseq: number) =>
    u.client.send({ type: 'group-resend', groupId, afterGseq });

  it('announces RELAY_FEATURE_GROUP_RESEND in its Challenge', async () => {
    relays = await start({});
    const raw = await RawClient.connect(relays.member);
    clients.push(raw);
    const challenge = await raw.hello();
    assert.ok((challenge.features & RELAY_FEATURE_GROUP_RESEND) !== 0);
  });

  it('answers before the first item sent again, sends the items after the gseq in order, then live ones once', async () => {
    const { alice, bob, group, gseqs } = await team(4);
    bob.seen.length = 0;
    resend(bob, group.groupId, gseqs[1]!);
    await until(() => bob.seen.length === 4, 'the result and three items again');
    assert.deepEqual(bob.seen, [`r${gseqs[1]}`, ...gseqs.slice(2)]);
    alice.client.send(group.send(alice.id, 'live'));
    await until(() => bob.seen.length === 5, 'the live item');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(bob.seen.length, 5, 'pushed once');
    assert.ok((bob.seen[4] as number) > gseqs[4]!);
  });

  it('refuses an unknown group, a stranger and a gseq beyond the group with coded results, the connection open', async () => {
    const { bob, group, gseqs } = await team(1);
    const carol = await user('carol', relays.member);
    bob.seen.length = 0;
    resend(bob, new Uint8Array(16).fill(7), 0);
    resend(carol, group.groupId, 0);
    resend(bob, group.groupId, gseqs[1]! + 1);
    await until(() => bob.seen.length === 2 && carol.seen.length === 1, 'three results');
    assert.deepEqual(bob.seen, [
      `r0${GroupResendCode.Unknown}`,
      `r${gseqs[1]! + 1}${GroupResendCode.BadGseq}`,
    ]);
    assert.deepEqual(carol.seen, [`r0${GroupResendCode.NotMember}`]);
    // Still served: a good request after the refusals.
    resend(bob, group.groupId, gseqs[0]!);
    await until(() => bob.seen.length === 4, 'a served resend');
    assert.deepEqual(bob.seen.slice(2), [`r${gseqs[0]}`, gseqs[1]]);
  });

  it('refuses a session past maxGroupResendsPerSession with E_GROUP_RESEND_LIMIT', async () => {
    const { bob, group, gseqs } = await team(1, { maxGroupResendsPerSession: 2 });
    bob.seen.length = 0;
    for (const n of [2, 4]) {
      resend(bob, group.groupId, gseqs[0]!);
      await until(() => bob.seen.length === n, 'a served resend');
    }
    resend(bob, group.groupId, gseqs[0]!);
    await until(() => bob.seen.length === 5, 'the third result');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(bob.seen, [
      `r${gseqs[0]}`,
      gseqs[1],
      `r${gseqs[0]}`,
      gseqs[1],
      `r${gseqs[0]}${GroupResendCode.TooMany}`,
    ]);
    assert.ok(!bob.client.socket.destroyed);
  });
}

describe('GroupResend on a relay (integration, loopback)', function () {
  this.timeout(20_000);
  suite(async (limits) => {
    const relay: TestRelay = await startTestRelay({ limits });
    return { sender: relay.port, member: relay.port, close: () => relay.close() };
  });
});

(natsServerPath ? describe : describe.skip)(
  'GroupResend on two relays of a cluster (integration)',
  function () {
    this.timeout(30_000);
    suite(async (limits) => {
      const cluster = new TestCluster();
      await cluster.start();
      const a = await cluster.relay(limits);
      const b = await cluster.relay(limits);
      return {
        sender: a.address.port,
        member: b.address.port,
        close: () => cluster.stop(),
      };
    });
  },
);
