import assert from 'node:assert/strict';
import { generateIdentity, generateSigningKeyPair } from '../../../src/crypto/index.js';
import { Beacon, type BeaconOptions } from '../../../src/presence/beacon.js';
import { RelayBeacon } from '../../../src/presence/relay-beacon.js';
import type { RosterChange } from '../../../src/presence/roster.js';
import { ManualClock } from '../../../src/util/clock.js';
import { isNatterError } from '../../../src/util/errors.js';
import { MemoryLan as Hub } from '../../helpers/memory-lan.js';

const INTERVAL = 1000;
const MISSED = 3;

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('presence beacon (in-memory LAN, injected clock)', () => {
  let hub: Hub;
  let clock: ManualClock;
  let started: { stop(): Promise<void> }[];

  beforeEach(() => {
    hub = new Hub();
    clock = new ManualClock();
    started = [];
  });

  afterEach(async () => {
    await Promise.all(started.map((b) => b.stop()));
  });

  async function beacon(
    name: string | null,
    address: string,
    extra: Partial<BeaconOptions> = {},
  ): Promise<{ beacon: Beacon; changes: RosterChange[] }> {
    const b = new Beacon({
      ...(name === null ? {} : { identity: generateIdentity(), pseudonym: name }),
      intervalMs: INTERVAL,
      missedBeforeExpiry: MISSED,
      clock,
      openTransport: hub.at(address),
      ...extra,
    });
    const changes: RosterChange[] = [];
    b.on('roster:change', (c) => changes.push(c));
    started.push(b);
    await b.start();
    await flush();
    return { beacon: b, changes };
  }

  const names = (b: Beacon) => b.list().map((i) => i.pseudonym);

  it('never lists itself, although its own broadcasts come back to it', async () => {
    const { beacon: alice } = await beacon('alice', '10.0.0.1');
    assert.deepEqual(names(alice), []);
    assert.equal(alice.stats().filter.accepted, 2);
  });

  it('lists a newcomer at once, and the newcomer hears one unicast answer without waiting', async () => {
    const { beacon: alice, changes } = await beacon('alice', '10.0.0.1');
    const { beacon: bob } = await beacon('bob', '10.0.0.2');
    assert.deepEqual(names(alice), ['bob']);
    assert.deepEqual(names(bob), ['alice']);
    assert.equal(alice.list()[0]?.address, '10.0.0.2');
    assert.deepEqual(
      changes.map((c) => c.type),
      ['join'],
    );
    // bob's HELLO and QUERY arrive together: one answer serves both.
    assert.equal(alice.stats().replies, 1);
    assert.equal(alice.stats().repliesSuppressed, 1);
    assert.equal(hub.unicasts, 1);
  });

  it('lets a listener without identity see everyone after its query, without being listed', async () => {
    const { beacon: alice } = await beacon('alice', '10.0.0.1');
    const { beacon: bob } = await beacon('bob', '10.0.0.2');
    const { beacon: who } = await beacon(null, '10.0.0.3');
    assert.deepEqual(names(who), ['alice', 'bob']);
    assert.deepEqual(names(alice), ['bob']);
    assert.deepEqual(names(bob), ['alice']);
  });

  it('keeps a peer that keeps sending heartbeats', async () => {
    const { beacon: alice } = await beacon('alice', '10.0.0.1');
    await beacon('bob', '10.0.0.2');
    for (let i = 0; i < 10; i++) {
      clock.advance(INTERVAL);
      await flush();
    }
    assert.deepEqual(names(alice), ['bob']);
  });

  it('expires a peer that stops without BYE after the missed-heartbeat budget', async () => {
    const { beacon: alice, changes } = await beacon('alice', '10.0.0.1');
    const { beacon: bob } = await beacon('bob', '10.0.0.2');
    await bob.stop({ bye: false });
    clock.advance(INTERVAL * MISSED - 1);
    await flush();
    assert.deepEqual(names(alice), ['bob']);
    clock.advance(2);
    await flush();
    assert.deepEqual(names(alice), []);
    const last = changes.at(-1);
    assert.equal(last?.type === 'leave' && last.reason, 'expired');
  });

  it('removes a peer at once when it stops with BYE, and stopping twice is safe', async () => {
    const { beacon: alice, changes } = await beacon('alice', '10.0.0.1');
    const { beacon: bob } = await beacon('bob', '10.0.0.2');
    await bob.stop();
    await bob.stop();
    await flush();
    assert.deepEqual(names(alice), []);
    const last = changes.at(-1);
    assert.equal(last?.type === 'leave' && last.reason, 'bye');
  });

  it('held, says nothing that names it (no HELLO, answer, heartbeat, status or BYE) until released, then HELLO', async () => {
    const { beacon: alice, changes } = await beacon('alice', '10.0.0.1');
    const { beacon: carol } = await beacon('carol', '10.0.0.2', { held: true });
    await beacon('bob', '10.0.0.3');
    await carol.setStatus('away');
    clock.advance(INTERVAL);
    await flush();
    assert.deepEqual(names(alice), ['bob']);
    // Held, it still hears: its anonymous QUERY was answered.
    assert.deepEqual(names(carol), ['alice', 'bob']);
    await carol.release();
    await flush();
    assert.deepEqual(names(alice), ['bob', 'carol']);
    assert.deepEqual(
      changes.map((c) => c.type),
      ['join', 'join'],
    );
  });

  it('held and stopped, sends no BYE', async () => {
    const { beacon: alice } = await beacon('alice', '10.0.0.1');
    const { beacon: carol } = await beacon('carol', '10.0.0.2', { held: true });
    const before = alice.stats().filter.accepted;
    await carol.stop();
    await flush();
    assert.equal(alice.stats().filter.accepted, before);
  });

  it('announces a status change at once', async () => {
    const { beacon: alice, changes } = await beacon('alice', '10.0.0.1');
    const { beacon: bob } = await beacon('bob', '10.0.0.2');
    await bob.setStatus('away', 'lunch');
    await flush();
    const last = changes.at(-1);
    assert.equal(last?.type, 'update');
    assert.equal(alice.list()[0]?.status, 'away');
    assert.equal(alice.list()[0]?.statusText, 'lunch');
  });

  it('finds a relay from its answer to the start-up query', async () => {
    const relayKeys = generateSigningKeyPair();
    const relay = new RelayBeacon({
      relayId: relayKeys.publicKey,
      relaySecretKey: relayKeys.secretKey,
      relayPort: 47474,
      name: 'office',
      intervalMs: INTERVAL,
      clock,
      openTransport: hub.at('10.0.0.9'),
    });
    started.push(relay);
    await relay.start();
    const seen: string[] = [];
    const client = new Beacon({ intervalMs: INTERVAL, clock, openTransport: hub.at('10.0.0.3') });
    started.push(client);
    client.on('relay:seen', (r) => seen.push(`${r.name}@${r.address}:${r.port}`));
    await client.start();
    await flush();
    assert.deepEqual(seen, ['office@10.0.0.9:47474']);
    assert.equal(relay.stats().replies, 1);
    assert.equal(client.relays()[0]?.name, 'office');
  });

  it('reports a dropped datagram with its reason and keeps running', async () => {
    const { beacon: alice } = await beacon('alice', '10.0.0.1');
    const dropped: string[] = [];
    alice.on('datagram:dropped', (reason) => dropped.push(reason));
    hub.inject(new Uint8Array([1, 2, 3, 4]), '10.0.0.66', 1234);
    assert.deepEqual(dropped, ['malformed']);
    await beacon('bob', '10.0.0.2');
    assert.deepEqual(names(alice), ['bob']);
  });

  it('keeps delivering events and expiring peers when a listener throws', async () => {
    const { beacon: alice } = await beacon('alice', '10.0.0.1');
    alice.on('roster:change', () => {
      throw new Error('listener bug');
    });
    const after: string[] = [];
    alice.on('roster:change', (c) => after.push(c.type));
    const { beacon: bob } = await beacon('bob', '10.0.0.2');
    assert.deepEqual(names(alice), ['bob']);
    await bob.stop({ bye: false });
    clock.advance(INTERVAL * MISSED + 1);
    await flush();
    assert.deepEqual(after, ['join', 'leave']);
  });

  it('refuses to announce without a pseudonym, and refuses a bad status text', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return isNatterError(err) ? err.code : 'other';
      }
      return 'none';
    };
    assert.equal(
      code(() => new Beacon({ identity: generateIdentity() })),
      'E_BAD_ARGUMENT',
    );
    assert.equal(
      code(() => new Beacon({ identity: generateIdentity(), pseudonym: 'a b' })),
      'E_BAD_ARGUMENT',
    );
    assert.equal(
      code(() => new Beacon({ statusText: 'two\nlines' })),
      'E_BAD_ARGUMENT',
    );
  });

  it('starts once however often start is called, and refuses to start after stop', async () => {
    const b = new Beacon({ clock, openTransport: hub.at('10.0.0.1') });
    started.push(b);
    const first = b.start();
    assert.equal(b.start(), first);
    await first;
    await b.stop();
    const again = new Beacon({ clock, openTransport: hub.at('10.0.0.2') });
    await again.stop();
    await assert.rejects(again.start(), (err) => isNatterError(err, 'E_BEACON_STOPPED'));
  });
});
