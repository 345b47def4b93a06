/**
 * Puts held for the recipient's ack (src/relay/held-puts.ts; docs/decisions.md,
 * "Acknowledged before written"): a real relay on a real LevelDB, raw clients on loopback.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateIdentity, type Identity } from '../../../src/crypto/keys.js';
import { type RunningRelay, startRelay } from '../../../src/relay/index.js';
import type { RelayLimits } from '../../../src/relay/limits.js';
import { CLIENT_FEATURES } from '../../../src/wire/limits.js';
import type { Frame, FrameOf } from '../../../src/wire/types.js';
import { RawClient, sealedSend } from '../../helpers/raw-client.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const isDeliver = (f: Frame) => f.type === 'deliver';
const isSendAck = (f: Frame) => f.type === 'send-ack';

describe('relay: mail held for the recipient ack (integration, loopback)', () => {
  let dir: string;
  let relay: RunningRelay;
  const clients: RawClient[] = [];
  const ids = new Map<string, Identity>();

  async function start(limits: Partial<RelayLimits> = {}) {
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, limits });
  }

  /** Stops the relay and starts it again on the same data dir with `limits`. */
  async function restart(limits: Partial<RelayLimits> = {}) {
    await relay.close();
    await start(limits);
  }

  /** Registers `name` the first time, logs in after; `features` as natter's client sends them. */
  async function user(name: string, features = CLIENT_FEATURES) {
    const known = ids.get(name);
    const id = known ?? generateIdentity();
    ids.set(name, id);
    const { client, ready } = await RawClient.login(
      relay.address.port,
      id,
      name,
      known ? 'login' : 'register',
      { features },
    );
    clients.push(client);
    return { client, ready, id };
  }

  async function sendAck(client: RawClient): Promise<FrameOf<'send-ack'>> {
    const ack = await client.next(isSendAck);
    assert.ok(ack.type === 'send-ack');
    return ack;
  }

  async function deliver(client: RawClient): Promise<FrameOf<'deliver'>> {
    const got = await client.next(isDeliver);
    assert.ok(got.type === 'deliver');
    return got;
  }

  /** Whether any file of the relay's data dir holds `bytes` (LevelDB's log keeps every write). */
  async function onDisk(bytes: Uint8Array): Promise<boolean> {
    for (const f of await readdir(dir, { recursive: true })) {
      const content = await readFile(join(dir, f)).catch(() => Buffer.alloc(0));
      if (content.includes(Buffer.from(bytes))) return true;
    }
    return false;
  }

  beforeEach(async () => {
    dir = await makeTempDir('natter-held-');
    ids.clear();
    await start();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await relay.close();
    await removeTempDirs();
  });

  it('never writes mail its online recipient acks at once, and tells the sender it was delivered', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const send = sealedSend(bob.id.signPk, 'straight through');
    alice.client.send(send);
    const got = await deliver(bob.client);
    bob.client.send({ type: 'deliver-ack', seqs: [got.seq] });
    const ack = await sendAck(alice.client);
    assert.equal(ack.code, 'delivered');
    assert.deepEqual(ack.msgId, send.msgId);
    await relay.close();
    assert.equal(await onDisk(send.ciphertext), false, 'the mail reached the relay disk');
    await start();
    bob.client.close();
    const again = await user('bob');
    assert.equal(again.ready.pending, 0);
  });

  it('answers stored, after the synced write, to a client that did not announce the delivered ack', async () => {
    const alice = await user('alice', 0);
    const bob = await user('bob');
    const send = sealedSend(bob.id.signPk, 'old client');
    alice.client.send(send);
    const got = await deliver(bob.client);
    bob.client.send({ type: 'deliver-ack', seqs: [got.seq] });
    assert.equal((await sendAck(alice.client)).code, 'stored');
    await relay.close();
    assert.equal(await onDisk(send.ciphertext), true, 'the mail was not written');
    await start();
  });

  it('writes the mail when its recipient does not ack in time, and keeps it across a restart', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const send = sealedSend(bob.id.signPk, 'no ack yet');
    alice.client.send(send);
    await deliver(bob.client);
    assert.equal((await sendAck(alice.client)).code, 'stored');
    await restart();
    bob.client.close();
    const again = await user('bob');
    assert.equal(again.ready.pending, 1);
    assert.deepEqual((await deliver(again.client)).msgId, send.msgId);
  });

  it('writes what it holds when it closes', async () => {
    // Long enough that only the close can write it.
    await restart({ holdForAckMs: 60_000 });
    const alice = await user('alice');
    const bob = await user('bob');
    const send = sealedSend(bob.id.signPk, 'closing');
    alice.client.send(send);
    await deliver(bob.client);
    await restart();
    bob.client.close();
    const again = await user('bob');
    assert.deepEqual((await deliver(again.client)).msgId, send.msgId);
  });

  it('keeps a recipient order when its next mail is not held', async () => {
    await restart({ holdForAckMs: 60_000 });
    const alice = await user('alice');
    const bob = await user('bob');
    const first = sealedSend(bob.id.signPk, 'first');
    alice.client.send(first);
    await deliver(bob.client); // pushed early, held, not acked
    bob.client.close();
    await bob.client.closed;
    // Bob is offline: this put is not held, and the held one must be written before it.
    const second = sealedSend(bob.id.signPk, 'second');
    alice.client.send(second);
    const acks = [await sendAck(alice.client), await sendAck(alice.client)];
    assert.deepEqual(
      acks.map((a) => a.code),
      ['stored', 'stored'],
    );
    const again = await user('bob');
    assert.equal(again.ready.pending, 2);
    const order = [await deliver(again.client), await deliver(again.client)];
    assert.deepEqual(
      order.map((d) => Buffer.from(d.msgId).toString('hex')),
      [first.msgId, second.msgId].map((id) => Buffer.from(id).toString('hex')),
    );
    assert.ok(order[0]!.seq < order[1]!.seq);
  });

  it('holds no more than maxHeldPuts: past it, mail is written at once', async () => {
    await restart({ maxHeldPuts: 1, holdForAckMs: 60_000 });
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    const toBob = sealedSend(bob.id.signPk, 'held');
    const toCarol = sealedSend(carol.id.signPk, 'over the cap');
    alice.client.send(toBob);
    alice.client.send(toCarol);
    // Carol's put was not held: it is acked stored without any ack of hers.
    const first = await sendAck(alice.client);
    assert.deepEqual(first.msgId, toCarol.msgId);
    assert.equal(first.code, 'stored');
    const got = await deliver(bob.client);
    bob.client.send({ type: 'deliver-ack', seqs: [got.seq] });
    const second = await sendAck(alice.client);
    assert.deepEqual(second.msgId, toBob.msgId);
    assert.equal(second.code, 'delivered');
  });

  it('holds again once mail it wrote is acked in time, though each next send comes before the ack', async () => {
    await restart({ holdForAckMs: 200 });
    const alice = await user('alice');
    const bob = await user('bob');
    /** `n` sends to bob back to back; bob acks them all once he has them, if `acks`; the SendAcks' codes. */
    async function round(n: number, acks: boolean): Promise<string[]> {
      for (let i = 0; i < n; i++) alice.client.send(sealedSend(bob.id.signPk, `m${i}`));
      const seqs: number[] = [];
      for (let i = 0; i < n; i++) seqs.push((await deliver(bob.client)).seq);
      if (acks) bob.client.send({ type: 'deliver-ack', seqs });
      const codes: string[] = [];
      for (let i = 0; i < n; i++) codes.push((await sendAck(alice.client)).code);
      return codes;
    }
    // A window of held puts nobody acks: holding stops paying, and mail is written at once.
    assert.ok((await round(64, false)).every((c) => c === 'stored'));
    // Bob now acks at once, but the relay sees each next put for him before his ack: a probe
    // held among them is released by the next put, to keep his order, unless it came last.
    const rounds: string[][] = [];
    for (let r = 0; r < 8; r++) rounds.push(await round(20, true));
    const last = rounds.at(-1)!;
    assert.deepEqual(
      last,
      Array(20).fill('delivered'),
      `codes by round: ${JSON.stringify(rounds)}`,
    );
  });

  it('holds nothing when holdForAckMs is 0', async () => {
    await restart({ holdForAckMs: 0 });
    const alice = await user('alice');
    const bob = await user('bob');
    alice.client.send(sealedSend(bob.id.signPk, 'never held'));
    const got = await deliver(bob.client);
    bob.client.send({ type: 'deliver-ack', seqs: [got.seq] });
    assert.equal((await sendAck(alice.client)).code, 'stored');
  });
});
