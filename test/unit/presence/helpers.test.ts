import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { generateSigningKeyPair } from '../../../src/crypto/index.js';
import { MAX_ADDRESSES_PER_RELAY } from '../../../src/presence/constants.js';
import { SeqCounter } from '../../../src/presence/datagram.js';
import { ReplyLimiter } from '../../../src/presence/rate-limit.js';
import { RelayTracker } from '../../../src/presence/relays.js';
import { directedBroadcasts, parseIPv4 } from '../../../src/presence/targets.js';
import { LruMap } from '../../../src/util/lru.js';
import { T0 } from './fixtures.js';

function iface(address: string, netmask: string, internal = false): NetworkInterfaceInfo {
  return {
    address,
    netmask,
    family: 'IPv4',
    mac: '00:00:00:00:00:00',
    internal,
    cidr: null,
  };
}

describe('presence helpers', () => {
  describe('directed broadcast targets', () => {
    it('computes the broadcast address of every non-internal IPv4 interface from its netmask', () => {
      const targets = directedBroadcasts({
        lo: [iface('127.0.0.1', '255.0.0.0', true)],
        eth0: [
          iface('192.168.1.23', '255.255.255.0'),
          {
            address: 'fe80::1',
            netmask: 'ffff:ffff:ffff:ffff::',
            family: 'IPv6',
            mac: '00:00:00:00:00:00',
            internal: false,
            cidr: null,
            scopeid: 2,
          },
        ],
        eth1: [iface('10.77.130.5', '255.255.128.0')],
        wg0: [iface('10.9.0.2', '255.255.255.255')],
        p2p: [iface('10.9.1.0', '255.255.255.254')],
        dup: [iface('192.168.1.99', '255.255.255.0')],
      });
      assert.deepEqual(targets, ['192.168.1.255', '10.77.255.255']);
    });

    it('rejects malformed dotted quads', () => {
      assert.equal(parseIPv4('10.0.0'), null);
      assert.equal(parseIPv4('10.0.0.256'), null);
      assert.equal(parseIPv4('10.0.0.x'), null);
      assert.equal(parseIPv4('255.255.255.255'), 0xffffffff);
    });
  });

  describe('sequence numbers', () => {
    it('never go backwards and start from the clock, so a restart continues above', () => {
      const seq = new SeqCounter();
      assert.equal(seq.next(T0), T0);
      assert.equal(seq.next(T0), T0 + 1);
      assert.equal(seq.next(T0 - 5000), T0 + 2);
      const restarted = new SeqCounter();
      assert.ok(restarted.next(T0 + 10) > T0 + 2);
    });
  });

  describe('LRU map', () => {
    it('evicts the least recently used entry, skipping the ones it must keep', () => {
      const lru = new LruMap<string, number>(2);
      lru.set('a', 1);
      lru.set('b', 2);
      lru.get('a');
      lru.set('c', 3);
      assert.deepEqual(
        [...lru.entries()],
        [
          ['a', 1],
          ['c', 3],
        ],
      );
      assert.equal(
        lru.set('d', 4, () => true),
        false,
      );
      assert.equal(lru.size, 2);
    });
  });

  describe('reply limiter', () => {
    it('answers one target once per gap, and caps replies in total', () => {
      const limiter = new ReplyLimiter({
        ratePerSecond: 1,
        burst: 3,
        minGapMs: 250,
        maxTargets: 16,
      });
      assert.equal(limiter.allow('10.0.0.1', 1, T0), true);
      assert.equal(limiter.allow('10.0.0.1', 1, T0 + 100), false);
      assert.equal(limiter.allow('10.0.0.2', 1, T0 + 100), true);
      assert.equal(limiter.allow('10.0.0.3', 1, T0 + 100), true);
      assert.equal(limiter.allow('10.0.0.4', 1, T0 + 100), false);
      assert.equal(limiter.allow('10.0.0.1', 1, T0 + 1100), true);
    });
  });

  describe('relay tracker', () => {
    const relay = generateSigningKeyPair();
    const beacon = (seq: number, relayPort = 47474) => ({
      kind: 'relay' as const,
      relayId: relay.publicKey,
      relayPort,
      relayName: 'office',
      seq,
      timestampMs: T0,
    });
    const id = Buffer.from(relay.publicKey).toString('hex');

    it('lists a relay until its budget passes and ignores a repeated older beacon from the same address', () => {
      const tracker = new RelayTracker(1000);
      const seen = tracker.seen(beacon(5), '10.77.1.1', T0);
      assert.equal(seen?.port, 47474);
      assert.equal(seen?.address, '10.77.1.1');
      assert.equal(tracker.seen(beacon(5), '10.77.1.1', T0 + 1), null);
      assert.equal(tracker.seen(beacon(4), '10.77.1.1', T0 + 1), null);
      assert.equal(tracker.list(T0 + 999).length, 1);
      assert.equal(tracker.list(T0 + 1000).length, 0);
    });

    it('keeps a replay from another address beside the genuine one, freshest first', () => {
      const tracker = new RelayTracker(1000);
      // The replay of seq 5 arrives first; the relay's own answer carries seq 6.
      assert.ok(tracker.seen(beacon(5), '10.77.1.66', T0));
      assert.ok(tracker.seen(beacon(5), '10.77.1.1', T0 + 1), 'the same seq from another address');
      assert.deepEqual(
        tracker.candidates(id, T0 + 2).map((s) => s.address),
        ['10.77.1.66', '10.77.1.1'],
        'same seq: the first to deliver it leads (the link decides which is the relay)',
      );
      assert.ok(tracker.seen(beacon(6), '10.77.1.1', T0 + 3));
      assert.deepEqual(
        tracker.candidates(id, T0 + 4).map((s) => s.address),
        ['10.77.1.1', '10.77.1.66'],
      );
      assert.equal(tracker.list(T0 + 4)[0]?.address, '10.77.1.1', 'listed at its best address');
      assert.equal(tracker.list(T0 + 4).length, 1, 'one relay');
    });

    it(`remembers at most MAX_ADDRESSES_PER_RELAY (${MAX_ADDRESSES_PER_RELAY}) addresses per relay, forgetting the stalest, never the freshest`, () => {
      const tracker = new RelayTracker(10_000);
      assert.ok(tracker.seen(beacon(10), '10.77.1.1', T0));
      // Replays of an older beacon from spoofed sources, more than the limit.
      for (let i = 0; i < MAX_ADDRESSES_PER_RELAY + 5; i++) {
        tracker.seen(beacon(9), `10.77.2.${i}`, T0 + 1 + i);
      }
      const kept = tracker.candidates(id, T0 + 100);
      assert.equal(kept.length, MAX_ADDRESSES_PER_RELAY);
      assert.equal(kept[0]?.address, '10.77.1.1');
      // A replay that would be the stalest is not kept at all.
      assert.equal(tracker.seen(beacon(8), '10.77.3.1', T0 + 200), null);
    });
  });
});
