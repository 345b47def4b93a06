import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { generateIdentity, generateSigningKeyPair, signCard } from '../../../src/crypto/index.js';
import { signPresence } from '../../../src/presence/datagram.js';
import { RelayBeacon } from '../../../src/presence/relay-beacon.js';
import { isNatterError } from '../../../src/util/errors.js';
import { encodePresence, encodeSignedDatagram } from '../../../src/wire/codec.js';
import type { Card } from '../../../src/wire/types.js';
import { BeaconSet, freeUdpPort, loopback, names, sleep, waitFor } from './helpers.js';

/** Long enough that only HELLO/QUERY/BYE, not heartbeats or expiry, can explain what a test sees. */
const SLOW_MS = 10_000;

describe('presence beacon (integration, loopback broadcast)', function () {
  this.timeout(5000);
  let set: BeaconSet;
  let cleanup: (() => Promise<void>)[];

  beforeEach(async () => {
    set = new BeaconSet(await freeUdpPort());
    cleanup = [];
  });

  afterEach(async () => {
    await set.stopAll();
    await Promise.all(cleanup.map((fn) => fn()));
  });

  // Bounds prove which mechanism acted (HELLO/QUERY/BYE: heartbeats are SLOW_MS apart),
  // not speed: `npm run bench -- presence` measures that.
  it('lists a newcomer in every other roster at once, and the newcomer lists them', async () => {
    const slow = { intervalMs: SLOW_MS };
    const others = [
      await set.start('alice', slow),
      await set.start('bob', slow),
      await set.start('carol', slow),
    ];
    await waitFor(() => others.every((o) => o.beacon.list().length === 2), 1000, 'the first three');
    const { beacon: dave } = await set.start('dave', slow);
    const elapsed = await waitFor(
      () => others.every((o) => names(o.beacon).includes('dave')) && dave.list().length === 3,
      2000,
      'dave to appear everywhere',
    );
    assert.ok(elapsed <= 2000);
    assert.deepEqual(names(dave), ['alice', 'bob', 'carol']);
    assert.equal(dave.list()[0]?.address, '127.0.0.1');
  });

  it('removes a peer from the others at once when it stops with BYE', async () => {
    const slow = { intervalMs: SLOW_MS };
    const alice = await set.start('alice', slow);
    const bob = await set.start('bob', slow);
    const carol = await set.start('carol', slow);
    await waitFor(() => names(alice.beacon).length === 2, 1000, 'everyone to meet');
    await bob.beacon.stop();
    await waitFor(
      () => !names(alice.beacon).includes('bob') && !names(carol.beacon).includes('bob'),
      2000,
      'bob to leave',
    );
    const leave = alice.changes.find((c) => c.type === 'leave');
    assert.equal(leave?.type === 'leave' && leave.reason, 'bye');
    assert.equal(leave?.item.pseudonym, 'bob');
  });

  it('expires a peer that dies without BYE after the missed-heartbeat budget', async () => {
    // Budget 3 x 300 ms: wide enough that a busy machine cannot fake an early expiry.
    const fast = { intervalMs: 300, missedBeforeExpiry: 3 };
    const alice = await set.start('alice', fast);
    const bob = await set.start('bob', fast);
    await waitFor(() => names(alice.beacon).includes('bob'), 2000, 'bob to appear');
    await sleep(700); // a few heartbeats, so expiry is not just the first one's deadline
    await bob.beacon.stop({ bye: false });
    const diedAt = performance.now();
    await sleep(150);
    assert.deepEqual(names(alice.beacon), ['bob'], 'still listed within the budget');
    await waitFor(() => names(alice.beacon).length === 0, 4000, 'bob to expire');
    const removedAfter = performance.now() - diedAt;
    // Last heartbeat was at most one interval before the crash: budget is 600..900 ms after it.
    assert.ok(removedAfter >= 590 && removedAfter < 4000, `removed after ${removedAfter} ms`);
    const leave = alice.changes.find((c) => c.type === 'leave');
    assert.equal(leave?.type === 'leave' && leave.reason, 'expired');
  });

  it('keeps live peers listed across many heartbeats without flicker', async () => {
    const fast = { intervalMs: 50, missedBeforeExpiry: 3 };
    const alice = await set.start('alice', fast);
    await set.start('bob', fast);
    await set.start('carol', fast);
    await sleep(600);
    assert.deepEqual(names(alice.beacon), ['bob', 'carol']);
    assert.deepEqual(
      alice.changes.map((c) => c.type),
      ['join', 'join'],
    );
  });

  it('lets a listener that does not announce see everyone after its QUERY, unlisted itself', async () => {
    const slow = { intervalMs: SLOW_MS };
    const alice = await set.start('alice', slow);
    const bob = await set.start('bob', slow);
    await waitFor(() => names(alice.beacon).length === 1, 1000, 'alice and bob to meet');
    const who = await set.start(null);
    await waitFor(() => who.beacon.list().length === 2, 2000, 'the listener to see both');
    assert.deepEqual(names(who.beacon), ['alice', 'bob']);
    await sleep(50);
    assert.deepEqual(names(alice.beacon), ['bob']);
    assert.deepEqual(names(bob.beacon), ['alice']);
  });

  it('finds a relay through its beacon and its answer to a QUERY', async () => {
    const keys = generateSigningKeyPair();
    const relay = new RelayBeacon({
      ...loopback(set.port),
      relayId: keys.publicKey,
      relaySecretKey: keys.secretKey,
      relayPort: 47474,
      name: 'office',
      intervalMs: SLOW_MS,
    });
    cleanup.push(() => relay.stop());
    await relay.start();
    const who = await set.start(null);
    await waitFor(() => who.beacon.relays().length === 1, 2000, 'the relay');
    const [sighting] = who.beacon.relays();
    assert.equal(sighting?.name, 'office');
    assert.equal(sighting?.port, 47474);
    assert.equal(sighting?.address, '127.0.0.1');
  });

  it('keeps the real roster intact while one source floods forged heartbeats', async () => {
    const alice = await set.start('alice', { intervalMs: 100 });
    await set.start('bob', { intervalMs: 100 });
    await waitFor(() => names(alice.beacon).includes('bob'), 1000, 'bob');
    const flooder = createSocket('udp4');
    cleanup.push(() => new Promise((resolve) => flooder.close(() => resolve())));
    await new Promise<void>((resolve) => flooder.bind(0, '127.0.0.1', () => resolve()));
    // Broadcast: a unicast to the shared port would reach only one of the bound sockets.
    flooder.setBroadcast(true);
    // Bob's real card with signatures nobody can produce: each would move bob to 'busy'.
    const bobCard = alice.beacon.list()[0]!.card;
    for (let seq = 1; seq <= 500; seq++) {
      const body = encodePresence({
        kind: 'heartbeat',
        card: bobCard,
        status: 'busy',
        statusText: 'forged',
        seq,
        timestampMs: Date.now(),
      });
      flooder.send(
        encodeSignedDatagram({ body, signature: new Uint8Array(64).fill(9) }),
        set.port,
        '127.255.255.255',
      );
      if (seq % 50 === 0) await sleep(1);
    }
    await sleep(200);
    const stats = alice.beacon.stats().filter;
    assert.ok(stats.rate > 0, 'the flood hit the rate limit');
    assert.ok(stats.forged <= 60, `at most one burst plus refill verified: ${stats.forged}`);
    assert.deepEqual(names(alice.beacon), ['bob']);
    assert.equal(alice.beacon.list()[0]?.status, 'online');
  });

  it("drops a heartbeat whose card was re-labelled with another name, though the card's own key signed it", async () => {
    const alice = await set.start('alice', { intervalMs: SLOW_MS });
    // Dave's key signs the datagram, but the card in it is his card signed for 'dave',
    // shown as 'bob': without a signature over the name, this would list dave as bob.
    const dave = generateIdentity();
    const sender = createSocket('udp4');
    cleanup.push(() => new Promise((resolve) => sender.close(() => resolve())));
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', () => resolve()));
    sender.setBroadcast(true);
    const send = (card: Card, seq: number) =>
      sender.send(
        signPresence(
          { kind: 'hello', card, status: 'online', statusText: '', seq, timestampMs: Date.now() },
          dave.signSk,
        ),
        set.port,
        '127.255.255.255',
      );
    send({ ...signCard(dave, 'dave'), pseudonym: 'bob' }, 1);
    await waitFor(() => alice.beacon.stats().filter.forged === 1, 1000, 'the re-labelled card');
    assert.deepEqual(names(alice.beacon), []);
    send(signCard(dave, 'dave'), 2);
    await waitFor(() => names(alice.beacon).includes('dave'), 1000, 'dave as he signed');
  });

  it('fails to start with E_PRESENCE_BIND when another program holds the port exclusively', async () => {
    const holder = createSocket('udp4'); // no reuseAddr: the port cannot be shared
    cleanup.push(() => new Promise((resolve) => holder.close(() => resolve())));
    await new Promise<void>((resolve) => holder.bind(set.port, '0.0.0.0', () => resolve()));
    await assert.rejects(set.start('alice'), (err) => isNatterError(err, 'E_PRESENCE_BIND'));
  });
});
