/**
 * Dialling the relays of a cluster (src/peer/link/relay-list.ts): staggered, the
 * first channel up wins, a dead first address costs a stagger rather than a
 * connect timeout, and the first address's failure is reported when all fail.
 */
import assert from 'node:assert/strict';
import type { RelayChannel } from '../../../../src/peer/link/channel.js';
import { DIAL_STAGGER_MS, dialFirst } from '../../../../src/peer/link/relay-list.js';
import type { RelayAddress } from '../../../../src/peer/relay-address.js';
import { ManualClock } from '../../../../src/util/clock.js';

const addresses: RelayAddress[] = [1, 2, 3].map((i) => ({ host: `10.0.0.${i}`, port: 47474 }));

interface Pending {
  host: string;
  resolve: (c: RelayChannel) => void;
  reject: (e: Error) => void;
}

function fakeDialer() {
  const pending: Pending[] = [];
  const destroyed: string[] = [];
  const channel = (host: string) =>
    ({ stream: { destroy: () => destroyed.push(host) } }) as unknown as RelayChannel;
  const dial = (a: RelayAddress) =>
    new Promise<RelayChannel>((resolve, reject) => pending.push({ host: a.host, resolve, reject }));
  return { pending, destroyed, channel, dial };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('dialFirst: the relays of a cluster', () => {
  it('uses the first address when it answers, dialling no other', async () => {
    const clock = new ManualClock();
    const d = fakeDialer();
    const got = dialFirst(addresses, 0, d.dial, clock);
    d.pending[0]!.resolve(d.channel('10.0.0.1'));
    assert.equal((await got).index, 0);
    clock.advance(10 * DIAL_STAGGER_MS);
    assert.equal(d.pending.length, 1);
  });

  it('dials the next beside a silent one after the stagger, and closes the late one', async () => {
    const clock = new ManualClock();
    const d = fakeDialer();
    const got = dialFirst(addresses, 0, d.dial, clock);
    assert.equal(d.pending.length, 1);
    clock.advance(DIAL_STAGGER_MS);
    assert.deepEqual(
      d.pending.map((p) => p.host),
      ['10.0.0.1', '10.0.0.2'],
    );
    d.pending[1]!.resolve(d.channel('10.0.0.2'));
    assert.equal((await got).index, 1);
    // The silent one answers at last: not used, closed.
    d.pending[0]!.resolve(d.channel('10.0.0.1'));
    await tick();
    assert.deepEqual(d.destroyed, ['10.0.0.1']);
  });

  it('moves on at once when an address refuses, starting from the one given', async () => {
    const clock = new ManualClock();
    const d = fakeDialer();
    const got = dialFirst(addresses, 2, d.dial, clock);
    assert.equal(d.pending[0]!.host, '10.0.0.3');
    d.pending[0]!.reject(new Error('refused'));
    await tick();
    assert.equal(d.pending[1]!.host, '10.0.0.1', 'no stagger after a refusal');
    d.pending[1]!.resolve(d.channel('10.0.0.1'));
    assert.equal((await got).index, 0);
  });

  it('reports the first address’s failure once every address failed', async () => {
    const clock = new ManualClock();
    const d = fakeDialer();
    const got = dialFirst(addresses, 0, d.dial, clock);
    clock.advance(2 * DIAL_STAGGER_MS);
    assert.equal(d.pending.length, 3);
    d.pending[2]!.reject(new Error('third'));
    d.pending[1]!.reject(new Error('second'));
    d.pending[0]!.reject(new Error('first'));
    await assert.rejects(got, /first/);
  });
});
