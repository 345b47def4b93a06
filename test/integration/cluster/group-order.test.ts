/**
 * One sender's group messages in the order sent, across a failure (an operator
 * trial of issue 15: with the groups' stream leader killed mid-burst, members got
 * "2, 1, 3", and with the sender's relay and its NATS node killed "2, 4, 3, 5, 1",
 * stored so for good). Three NATS nodes, two relays; the sender sends a message
 * every few milliseconds while a node (and a relay) dies, and every member, the
 * one online and the one that catches up afterwards, gets them in order, each once.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { GROUP_STREAM } from '../../../src/relay/cluster/connection.js';
import { type RunningRelay, startRelay } from '../../../src/relay/index.js';
import { toHex } from '../../../src/util/bytes.js';
import { createLogger } from '../../../src/util/logger.js';
import type { FrameOf } from '../../../src/wire/types.js';
import { changeRequest, TestGroup } from '../../helpers/groups.js';
import { type NatsNode, natsServerPath, startNatsCluster } from '../../helpers/nats.js';
import { freeTcpPort, listening } from '../../helpers/ports.js';
import { RawClient } from '../../helpers/raw-client.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

/** Messages in the burst, one every SEND_EVERY_MS; the node dies after KILL_AFTER of them. */
const BURST = 40;
const SEND_EVERY_MS = 5;
const KILL_AFTER = 10;

/** The index of the node leading `stream` (n0, n1, n2). */
async function leaderOf(nats: NatsNode[], stream: string): Promise<number> {
  const nc = await connect({ servers: nats.map((n) => n.url) });
  try {
    const leader = (await (await jetstreamManager(nc)).streams.info(stream)).cluster?.leader;
    const index = Number(leader?.slice(1));
    assert.ok(index >= 0 && index < nats.length, `leader ${leader}`);
    return index;
  } finally {
    await nc.close();
  }
}

/** The message ids of the next `n` group messages `client` receives, in order, each acked. */
async function messagesIn(client: RawClient, g: TestGroup, n: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < n) {
    const f = (await client.next(
      (x) => x.type === 'group-deliver' && toHex(x.groupId) === g.gidHex,
      30_000,
    )) as FrameOf<'group-deliver'>;
    if (f.item.kind === 'message') out.push(toHex(f.item.msgId));
    client.send({ type: 'group-ack', groupId: g.groupId, throughGseq: f.gseq });
  }
  return out;
}

(natsServerPath ? describe : describe.skip)(
  'one sender’s group messages in order across a failure (integration)',
  function () {
    this.timeout(120_000);
    let nats: NatsNode[] = [];
    const relays: RunningRelay[] = [];
    const clients: RawClient[] = [];

    /** Relay processes of a test's own, killed at the end whatever happened. */
    const killed: ChildProcess[] = [];

    afterEach(async () => {
      for (const p of killed.splice(0)) p.kill('SIGKILL');
      for (const c of clients.splice(0)) c.close();
      for (const r of relays.splice(0)) await r.close();
      for (const n of nats.splice(0)) await n.kill();
    });
    after(removeTempDirs);

    /** A relay on the three nodes, `first` the node it connects to first. */
    async function relayOn(first: number): Promise<RunningRelay> {
      const servers = nats.map((n) => n.url);
      const r = await startRelay({
        dataDir: await makeTempDir('natter-group-order-'),
        host: '127.0.0.1',
        port: 0,
        cluster: { servers: [...servers.slice(first), ...servers.slice(0, first)], replicas: 3 },
        ...(process.env.NATTER_TEST_LOG
          ? { logger: createLogger({ base: { relay: relays.length } }) }
          : {}),
      });
      relays.push(r);
      return r;
    }

    async function login(on: RunningRelay, name: string, id = generateIdentity()) {
      const { client } = await RawClient.login(on.address.port, id, name, 'register', {
        readyTimeoutMs: 30_000,
      });
      clients.push(client);
      return { id, client };
    }

    it('stores a burst in the order sent while the groups’ stream leader is killed', async () => {
      nats = await startNatsCluster();
      const a = await relayOn(0);
      const b = await relayOn(1);
      const alice = await login(a, 'alice');
      const bob = await login(b, 'bob');
      const carolId = generateIdentity();
      const carol = await login(b, 'carol', carolId);
      carol.client.close();
      const g = TestGroup.create(alice.id, 'team', [bob.id.signPk, carolId.signPk]);
      alice.client.send(changeRequest(g.create));
      const created = await alice.client.next((f) => f.type === 'group-change-result', 30_000);
      assert.equal(created.type === 'group-change-result' && created.code, '');

      const leader = await leaderOf(nats, GROUP_STREAM);
      const sent: string[] = [];
      const acks = new Map<string, string>();
      const acked = (async () => {
        while (acks.size < BURST) {
          const f = await alice.client.next((x) => x.type === 'send-ack', 60_000);
          if (f.type === 'send-ack') acks.set(toHex(f.msgId), f.code);
        }
      })();
      for (let i = 0; i < BURST; i++) {
        const frame = g.send(alice.id, `in order ${i}`);
        sent.push(toHex(frame.msgId));
        alice.client.send(frame);
        if (i === KILL_AFTER) void nats[leader]!.kill();
        await new Promise((r) => setTimeout(r, SEND_EVERY_MS));
      }
      await acked;
      assert.deepEqual(
        sent.map((id) => acks.get(id)),
        sent.map(() => 'stored'),
      );

      const atBob = await messagesIn(bob.client, g, BURST);
      assert.deepEqual(atBob.map(at(sent)), sent.map(at(sent)), 'bob, online');
      const later = await RawClient.login(b.address.port, carolId, 'carol', 'login', {
        readyTimeoutMs: 30_000,
      });
      clients.push(later.client);
      const atCarol = await messagesIn(later.client, g, BURST);
      assert.deepEqual(atCarol.map(at(sent)), sent.map(at(sent)), 'carol, catching up');
    });

    it('stores a burst in the order sent when the sender’s relay and the leader’s node are killed', async () => {
      nats = await startNatsCluster();
      const b = await relayOn(1);
      const leader = await leaderOf(nats, GROUP_STREAM);
      // Relay A, on the leader's node, is a process of its own so that it can die with SIGKILL.
      const port = await freeTcpPort();
      const servers = [leader, ...[0, 1, 2].filter((i) => i !== leader)].map((i) => nats[i]!.url);
      const relayA = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(ROOT, 'src', 'cli.ts'),
          'relay',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--data',
          await makeTempDir('natter-group-order-killed-'),
          '--cluster',
          servers.join(','),
          '--cluster-replicas',
          '3',
        ],
        {
          cwd: ROOT,
          stdio: 'ignore',
          env: { ...process.env, NATTER_RELAY_PRESENCE: '0', NATTER_PRESENCE_INTERFACES: '0' },
        },
      );
      killed.push(relayA);
      await listening(port, { timeoutMs: 30_000, process: relayA });
      const aliceId = generateIdentity();
      const { client: onA } = await RawClient.login(port, aliceId, 'alice', 'register', {
        readyTimeoutMs: 30_000,
      });
      clients.push(onA);
      const bob = await login(b, 'bob');
      const carolId = generateIdentity();
      (await login(b, 'carol', carolId)).client.close();
      const g = TestGroup.create(aliceId, 'team', [bob.id.signPk, carolId.signPk]);
      onA.send(changeRequest(g.create));
      const created = await onA.next((f) => f.type === 'group-change-result', 30_000);
      assert.equal(created.type === 'group-change-result' && created.code, '');

      const frames = Array.from({ length: BURST }, (_, i) => g.send(aliceId, `in order ${i}`));
      const sent = frames.map((f) => toHex(f.msgId));
      for (const f of frames.slice(0, KILL_AFTER)) {
        onA.send(f);
        await new Promise((r) => setTimeout(r, SEND_EVERY_MS));
      }
      relayA.kill('SIGKILL');
      await Promise.all([new Promise((r) => relayA.once('exit', r)), nats[leader]!.kill()]);
      const acks = new Map<string, string>();
      for (;;) {
        const f = await onA.next((x) => x.type === 'send-ack', 50).catch(() => null);
        if (f === null) break;
        if (f.type === 'send-ack') acks.set(toHex(f.msgId), f.code);
      }
      // As natter's client does on its next relay: everything not acknowledged, in order.
      const { client: onB } = await RawClient.login(b.address.port, aliceId, 'alice', 'login', {
        readyTimeoutMs: 30_000,
      });
      clients.push(onB);
      const unacked = frames.filter((f) => acks.get(toHex(f.msgId)) !== 'stored');
      for (const f of unacked) {
        onB.send(f);
        if (frames.indexOf(f) >= KILL_AFTER) await new Promise((r) => setTimeout(r, SEND_EVERY_MS));
      }
      for (let n = 0; n < unacked.length; n++) {
        const f = await onB.next((x) => x.type === 'send-ack', 60_000);
        if (f.type === 'send-ack') acks.set(toHex(f.msgId), f.code);
      }
      assert.deepEqual(
        sent.map((id) => acks.get(id)),
        sent.map(() => 'stored'),
      );

      const atBob = await messagesIn(bob.client, g, BURST);
      assert.deepEqual(atBob.map(at(sent)), sent.map(at(sent)), 'bob, online');
      const later = await RawClient.login(b.address.port, carolId, 'carol', 'login', {
        readyTimeoutMs: 30_000,
      });
      clients.push(later.client);
      const atCarol = await messagesIn(later.client, g, BURST);
      assert.deepEqual(atCarol.map(at(sent)), sent.map(at(sent)), 'carol, catching up');
    });
  },
);

/** A message id as its place in `sent` (so a failure reads as "2, 1, 3"). */
function at(sent: string[]): (id: string) => number {
  return (id) => sent.indexOf(id);
}
