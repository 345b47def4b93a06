/**
 * A session's mail in a cluster (cluster/stream-delivery.ts) on a real nats-server, where
 * the read of the backlog from the stream's leader at login fails: the session carries on
 * and its consumer delivers the mail. (In the frozen-node test a NATS node froze at a
 * login; the read's 15 s of tries ran out and ended the session, in about 1 run in 5.)
 */
import assert from 'node:assert/strict';
import { headers } from '@nats-io/transport-node';
import {
  type ClusterLink,
  connectCluster,
  MAIL_STREAM,
  MAIL_SUBJECT_PREFIX,
} from '../../../src/relay/cluster/connection.js';
import { mailSubject } from '../../../src/relay/cluster/mail-stream.js';
import { MSG_ID_HEADER } from '../../../src/relay/cluster/publisher.js';
import { StreamDelivery } from '../../../src/relay/cluster/stream-delivery.js';
import type { DeliveryLink } from '../../../src/relay/delivery.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from '../../../src/relay/limits.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { type NatsNode, natsServerPath, startNats } from '../../helpers/nats.js';
import { removeTempDirs } from '../../helpers/tmp.js';

/** `link`, but its first `failures` reads of a stored message fail as a frozen node's do. */
function failingReads(
  link: ClusterLink,
  failures: number,
): { link: ClusterLink; tried: () => number } {
  let tried = 0;
  const streams = link.jsm.streams;
  const faultyStreams = Object.create(streams, {
    getMessage: {
      value: (...args: Parameters<typeof streams.getMessage>) => {
        tried++;
        if (tried <= failures) {
          // Final for retry.ts, as the last of its tries is: the session sees it at once.
          return Promise.reject(Object.assign(new Error('timeout'), { code: 'E_INTERNAL' }));
        }
        return streams.getMessage(...args);
      },
    },
  });
  const jsm = Object.create(link.jsm, { streams: { value: faultyStreams } });
  return { link: Object.create(link, { jsm: { value: jsm } }) as ClusterLink, tried: () => tried };
}

/** A ready session of `userHex` that keeps what it is pushed and why it would be ended. */
function recordingSession(userHex: string) {
  const got: Uint8Array[] = [];
  const failed: string[] = [];
  const session: DeliveryLink = {
    userHex,
    ready: true,
    bufferedBytes: 0,
    sendEncoded: (body) => got.push(body),
    send: () => {},
    understands: () => false,
    fail: (code, message) => failed.push(`${code} ${message}`),
  };
  return { session, got, failed };
}

/** A session's StreamDelivery on `link`, nothing else of the mailbox around it. */
function streamDelivery(
  session: DeliveryLink,
  link: ClusterLink,
  limits: Partial<RelayLimits> = {},
): StreamDelivery {
  return new StreamDelivery(session, {
    link,
    clock: systemClock,
    limits: { ...DEFAULT_RELAY_LIMITS, ...limits },
    log: silentLogger,
    withSeq: (record) => record,
    started: () => {},
    stopped: () => {},
    track: () => {},
    goneBelow: () => {},
    deleteMail: async () => {},
    earlyAcked: () => false,
  });
}

(natsServerPath ? describe : describe.skip)('a session’s cluster mail (integration)', function () {
  this.timeout(30_000);
  let nats: NatsNode;
  let link: ClusterLink;

  beforeEach(async () => {
    nats = await startNats();
    link = await connectCluster({ servers: [nats.url] }, silentLogger);
    await link.jsm.streams.add({ name: MAIL_STREAM, subjects: [`${MAIL_SUBJECT_PREFIX}>`] });
  });
  afterEach(async () => {
    await link.close();
    await nats.stop();
  });
  after(removeTempDirs);

  it('carries on when the backlog read at login fails, and its consumer delivers the mail', async () => {
    const userHex = 'ab'.repeat(32);
    const h = headers();
    h.set(MSG_ID_HEADER, 'm1');
    await link.js.publish(mailSubject(userHex), new Uint8Array([1, 2, 3]), { headers: h });
    const { session, got, failed } = recordingSession(userHex);
    const faulty = failingReads(link, 1);
    const delivery = streamDelivery(session, faulty.link);
    delivery.start();
    try {
      const end = Date.now() + 20_000;
      while (got.length === 0 && failed.length === 0 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(faulty.tried(), 1, 'the backlog read was tried and failed');
      assert.deepEqual(failed, [], 'the session was not ended');
      assert.deepEqual(
        got.map((b) => [...b]),
        [[1, 2, 3]],
        'the consumer delivered the waiting mail',
      );
    } finally {
      delivery.stop();
    }
  });

  it('pushes no more than its window of unacknowledged mail, and more as acks come', async () => {
    const userHex = 'cd'.repeat(32);
    const total = 300;
    for (let i = 1; i <= total; i++) {
      const h = headers();
      h.set(MSG_ID_HEADER, `m${i}`);
      await link.js.publish(mailSubject(userHex), new Uint8Array([i & 0xff]), { headers: h });
    }
    const { session, got } = recordingSession(userHex);
    const delivery = streamDelivery(session, link, { maxUnackedDeliveries: 50 });
    const settle = () => new Promise((r) => setTimeout(r, 400));
    delivery.start();
    try {
      await settle();
      assert.equal(got.length, 50, 'the window, and not one more, before any ack');
      delivery.ack(Array.from({ length: 20 }, (_, i) => i + 1));
      await settle();
      assert.equal(got.length, 70, 'an ack opens the window by what it acknowledges');
      while (got.length < total) {
        const before = got.length;
        delivery.ack([before]);
        await settle();
        assert.ok(got.length > before, `stuck at ${before}`);
        assert.ok(got.length <= before + 50, `${got.length - before} pushed past the window`);
      }
      assert.deepEqual(
        got.map((b) => b[0]),
        Array.from({ length: total }, (_, i) => (i + 1) & 0xff),
        'each once, in order',
      );
    } finally {
      delivery.stop();
    }
  });
});
