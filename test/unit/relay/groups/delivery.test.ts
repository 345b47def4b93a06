/**
 * Group delivery to one session (src/relay/groups/delivery.ts): whatever mix of
 * early pushes, durable offers and catch-up reads a session sees, it receives each
 * item of a group once, in gseq order, and nothing while its socket is full.
 */
import assert from 'node:assert/strict';
import { GroupDelivery, type GroupLink } from '../../../../src/relay/groups/delivery.js';
import type { GroupItemOut } from '../../../../src/relay/groups/stream.js';
import { DEFAULT_RELAY_LIMITS } from '../../../../src/relay/limits.js';
import { silentLogger } from '../../../../src/util/logger.js';

const G = 'aa'.repeat(16);
const item = (gseq: number): GroupItemOut => ({
  gidHex: G,
  gseq,
  framed: Buffer.from([gseq & 0xff]),
});
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function setup(options: { stored?: number[]; cursor?: number; maxBuffered?: number } = {}) {
  const stored = (options.stored ?? []).map(item);
  const pushed: number[] = [];
  const link: GroupLink & { bufferedBytes: number } = {
    userHex: 'bb'.repeat(32),
    ready: true,
    bufferedBytes: 0,
    sendFramed(framed) {
      pushed.push(framed[0]!);
    },
    fail() {
      throw new Error('failed');
    },
  };
  const source = {
    trackedGroupsOf: () => (options.cursor === undefined ? [] : [G]),
    cursorOf: () => options.cursor ?? 0,
    async read(_g: string, _u: string, after: number, limit: number) {
      const items = stored.filter((i) => i.gseq > after).slice(0, limit);
      return { items, done: items.length < limit };
    },
  };
  const limits = { ...DEFAULT_RELAY_LIMITS, catchUpBatchMessages: 2 };
  if (options.maxBuffered !== undefined) limits.maxSessionBufferedBytes = options.maxBuffered;
  const delivery = new GroupDelivery(link, source, limits, silentLogger);
  return { delivery, link, stored, pushed };
}

describe('relay group delivery (one session)', () => {
  it('catches up from the store in gseq order after the acknowledged cursor, then goes live', async () => {
    const { delivery, pushed } = setup({ stored: [3, 4, 5, 6, 7], cursor: 4 });
    delivery.start();
    await settle();
    assert.deepEqual(pushed, [5, 6, 7]);
    delivery.offerEarly(item(8), 7);
    delivery.offer(item(8));
    assert.deepEqual(pushed, [5, 6, 7, 8]);
  });

  it('pushes an item early only when the session already has the previous one', async () => {
    const { delivery, stored, pushed } = setup({ stored: [1], cursor: 0 });
    delivery.start();
    await settle();
    delivery.offerEarly(item(3), 2);
    assert.deepEqual(pushed, [1], 'item 2 is not here yet');
    stored.push(item(2), item(3));
    delivery.offer(item(2));
    delivery.offer(item(3));
    assert.deepEqual(pushed, [1, 2, 3]);
  });

  it('offers made while catching up are read back from the store, once each', async () => {
    const { delivery, stored, pushed } = setup({ stored: [1, 2, 3], cursor: 0 });
    delivery.start();
    stored.push(item(4));
    delivery.offer(item(4));
    delivery.offer(item(2));
    await settle();
    assert.deepEqual(pushed, [1, 2, 3, 4]);
  });

  it('stops pushing while the socket is full and resumes from the store when it drains', async () => {
    const { delivery, link, stored, pushed } = setup({ stored: [1], cursor: 0, maxBuffered: 10 });
    delivery.start();
    await settle();
    link.bufferedBytes = 10;
    stored.push(item(2), item(3));
    delivery.offerEarly(item(2), 1);
    delivery.offer(item(2));
    delivery.offer(item(3));
    await settle();
    assert.deepEqual(pushed, [1]);
    link.bufferedBytes = 0;
    delivery.resume();
    await settle();
    assert.deepEqual(pushed, [1, 2, 3]);
  });

  it('starts a group joined during the session from the store', async () => {
    const { delivery, stored, pushed } = setup();
    delivery.start();
    stored.push(item(9));
    delivery.offer(item(9));
    await settle();
    assert.deepEqual(pushed, [9]);
  });

  it('does not wait for an offered item that was acknowledged elsewhere before it was read', async () => {
    const { delivery, stored, pushed } = setup({ stored: [1, 2], cursor: 0 });
    delivery.start();
    delivery.offer(item(3)); // never in the store: another session of the user acked it
    await settle();
    assert.deepEqual(pushed, [1, 2]);
    stored.push(item(4));
    delivery.offerEarly(item(4), 3);
    assert.deepEqual(pushed, [1, 2, 4], 'live again after the catch-up');
  });
});
