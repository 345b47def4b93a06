/**
 * Group delivery to one session (src/relay/groups/delivery.ts): whatever mix of
 * early pushes, durable offers and catch-up reads a session sees, it receives each
 * item of a group once, in gseq order, and nothing while its socket is full.
 */
import assert from 'node:assert/strict';
import { GroupResendCode, type GroupResendCodeValue } from '../../../../src/relay/errors.js';
import { GroupDelivery, type GroupLink } from '../../../../src/relay/groups/delivery.js';
import type { GroupItemOut } from '../../../../src/relay/groups/stream.js';
import { DEFAULT_RELAY_LIMITS } from '../../../../src/relay/limits.js';
import { silentLogger } from '../../../../src/util/logger.js';
import type { Frame, FrameOf } from '../../../../src/wire/types.js';

const G = 'aa'.repeat(16);
const item = (gseq: number): GroupItemOut => ({
  gidHex: G,
  gseq,
  framed: Buffer.from([gseq & 0xff]),
});
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function setup(
  options: {
    stored?: number[];
    cursor?: number;
    maxBuffered?: number;
    maxResends?: number;
    refusal?: GroupResendCodeValue | null;
  } = {},
) {
  const stored = (options.stored ?? []).map(item);
  const pushed: number[] = [];
  const results: Frame[] = [];
  /** Everything queued, in order: `r<after>` for a resend result, the gseq for an item. */
  const order: (string | number)[] = [];
  /** Resolves the reads held by `gate` (tests of a read in flight). */
  const gate = { held: false, waiting: [] as (() => void)[] };
  const link: GroupLink & { bufferedBytes: number } = {
    userHex: 'bb'.repeat(32),
    ready: true,
    bufferedBytes: 0,
    sendFramed(framed) {
      pushed.push(framed[0]!);
      order.push(framed[0]!);
    },
    send(frame) {
      results.push(frame);
      if (frame.type === 'group-resend-result') order.push(`r${frame.afterGseq}${frame.code}`);
    },
    fail() {
      throw new Error('failed');
    },
  };
  const source = {
    trackedGroupsOf: () => (options.cursor === undefined ? [] : [G]),
    cursorOf: () => options.cursor ?? 0,
    async read(_g: string, _u: string, after: number, limit: number) {
      if (gate.held) await new Promise<void>((resolve) => gate.waiting.push(resolve));
      const items = stored.filter((i) => i.gseq > after).slice(0, limit);
      return { items, done: items.length < limit };
    },
    resendRefusal: () => options.refusal ?? null,
  };
  const limits = { ...DEFAULT_RELAY_LIMITS, catchUpBatchMessages: 2 };
  if (options.maxResends !== undefined) limits.maxGroupResendsPerSession = options.maxResends;
  if (options.maxBuffered !== undefined) limits.maxSessionBufferedBytes = options.maxBuffered;
  const delivery = new GroupDelivery(link, source, limits, silentLogger);
  return { delivery, link, stored, pushed, results, order, gate };
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

  describe('GroupResend', () => {
    const GID = Buffer.from(G, 'hex');

    it('answers before the first item, then pushes the items after the gseq again in order, live ones after them', async () => {
      const { delivery, stored, order } = setup({ stored: [1, 2, 3, 4, 5], cursor: 0 });
      delivery.start();
      await settle();
      assert.deepEqual(order, [1, 2, 3, 4, 5]);
      delivery.resend(GID, G, 2);
      // Offered while the resend reads: waits behind it, pushed once.
      stored.push(item(6));
      delivery.offer(item(6));
      delivery.offerEarly(item(7), 6);
      await settle();
      assert.deepEqual(order, [1, 2, 3, 4, 5, 'r2', 3, 4, 5, 6]);
      stored.push(item(7));
      delivery.offer(item(7));
      delivery.offerEarly(item(8), 7);
      assert.deepEqual(order.slice(10), [7, 8], 'live again after the resend, each item once');
    });

    it('drops a catch-up read that was in flight when the resend came, and reads from the gseq asked', async () => {
      const { delivery, order, gate } = setup({ stored: [1, 2, 3, 4, 5, 6], cursor: 3 });
      gate.held = true;
      delivery.start();
      await settle();
      delivery.resend(GID, G, 1);
      gate.held = false;
      for (const open of gate.waiting.splice(0)) open();
      await settle();
      assert.deepEqual(order, ['r1', 2, 3, 4, 5, 6]);
    });

    it('reads again only as the socket drains, a page at a time', async () => {
      const { delivery, link, order } = setup({ stored: [1, 2, 3, 4], cursor: 4, maxBuffered: 10 });
      delivery.start();
      await settle();
      link.bufferedBytes = 10;
      delivery.resend(GID, G, 0);
      await settle();
      assert.deepEqual(order, ['r0'], 'the result goes out; no item while the socket is full');
      link.bufferedBytes = 0;
      delivery.resume();
      await settle();
      assert.deepEqual(order, ['r0', 1, 2, 3, 4]);
    });

    it('sends only a coded result for a group the source refuses', async () => {
      for (const refusal of [
        GroupResendCode.Unknown,
        GroupResendCode.NotMember,
        GroupResendCode.BadGseq,
      ]) {
        const { delivery, order, results } = setup({ stored: [1, 2], cursor: 2, refusal });
        delivery.start();
        await settle();
        delivery.resend(GID, G, 0);
        await settle();
        assert.deepEqual(order, [`r0${refusal}`]);
        const r = results[0] as FrameOf<'group-resend-result'>;
        assert.ok(r.reason.length > 0 && Buffer.from(r.groupId).equals(GID));
      }
    });

    it('refuses a session past maxGroupResendsPerSession with E_GROUP_RESEND_LIMIT', async () => {
      const { delivery, order } = setup({ stored: [1], cursor: 1, maxResends: 2 });
      delivery.start();
      await settle();
      for (let i = 0; i < 3; i++) {
        delivery.resend(GID, G, 0);
        await settle();
      }
      assert.deepEqual(order, ['r0', 1, 'r0', 1, `r0${GroupResendCode.TooMany}`]);
    });
  });
});
