/**
 * Kept consumers and watches (cluster/kept-consumer.ts, kept-watch.ts) on a real
 * nats-server: what a relay reads from a stream or a bucket carries on, in order and
 * with nothing skipped, when its consumer is taken away on the server. (A frozen
 * node, the case they were made for, is in node-down.test.ts.)
 */
import assert from 'node:assert/strict';
import type { JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { type ClusterLink, connectCluster } from '../../../src/relay/cluster/connection.js';
import { KeptConsumer } from '../../../src/relay/cluster/kept-consumer.js';
import { KeptWatch, type WatchedEntry } from '../../../src/relay/cluster/kept-watch.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { type NatsNode, natsServerPath, startNats } from '../../helpers/nats.js';
import { removeTempDirs } from '../../helpers/tmp.js';

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Deletes every consumer of `stream` on the server, as a node that lost them would. */
async function dropConsumers(jsm: JetStreamManager, stream: string): Promise<number> {
  let n = 0;
  for await (const c of jsm.consumers.list(stream)) {
    await jsm.consumers.delete(stream, c.name);
    n++;
  }
  return n;
}

(natsServerPath ? describe : describe.skip)(
  'kept consumers and watches (integration)',
  function () {
    this.timeout(60_000);
    let nats: NatsNode;
    let link: ClusterLink;

    beforeEach(async () => {
      nats = await startNats();
      link = await connectCluster({ servers: [nats.url] }, silentLogger);
    });
    afterEach(async () => {
      await link.close();
      await nats.stop();
    });
    after(removeTempDirs);

    it('reads a stream on, in order and from where it was, after its consumer is deleted', async () => {
      await link.jsm.streams.add({ name: 'KEPT', subjects: ['kept.>'] });
      const seen: number[] = [];
      const consumer = new KeptConsumer({
        link,
        clock: systemClock,
        log: silentLogger,
        stream: 'KEPT',
        filter: 'kept.>',
        maxMessages: 16,
        position: () => seen.at(-1) ?? 0,
        take: (m) => {
          seen.push(m.seq);
          return true;
        },
        failed: () => true,
      });
      await consumer.start();
      try {
        for (let i = 1; i <= 3; i++) await link.js.publish('kept.a', `m${i}`);
        await until('the first three', () => seen.length === 3);
        assert.ok((await dropConsumers(link.jsm, 'KEPT')) >= 1);
        for (let i = 4; i <= 6; i++) await link.js.publish('kept.a', `m${i}`);
        await until('the next three', () => seen.length >= 6);
        assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
      } finally {
        await consumer.stop();
      }
    });

    it('watches a bucket on, every key in order, after its consumer is deleted', async () => {
      const kv = await new Kvm(link.nc).create('kept_test', { history: 1 });
      await kv.put('before', 'x');
      const seen: WatchedEntry[] = [];
      const watch = new KeptWatch({
        link,
        clock: systemClock,
        log: silentLogger,
        bucket: 'kept_test',
        from: 'updates',
        apply: (e) => seen.push(e),
      });
      await watch.start();
      try {
        await kv.put('a', '1');
        await until('a', () => seen.length === 1);
        assert.ok((await dropConsumers(link.jsm, 'KV_kept_test')) >= 1);
        await kv.put('b', '2');
        await kv.delete('a');
        await until('b and the delete of a', () => seen.length >= 3);
        assert.deepEqual(
          seen.map((e) => [e.key, e.operation, e.string()]),
          [
            ['a', 'PUT', '1'],
            ['b', 'PUT', '2'],
            ['a', 'DEL', ''],
          ],
        );
      } finally {
        watch.stop();
      }
    });

    it('reads every key’s last value first when watching from the start', async () => {
      const kv = await new Kvm(link.nc).create('kept_all', { history: 1 });
      await kv.put('k1', 'old');
      await kv.put('k1', 'new');
      await kv.put('k2', 'two');
      await kv.delete('k2');
      const seen: WatchedEntry[] = [];
      const watch = new KeptWatch({
        link,
        clock: systemClock,
        log: silentLogger,
        bucket: 'kept_all',
        from: 'all',
        ignoreDeletes: true,
        apply: (e) => seen.push(e),
      });
      await watch.start();
      try {
        await until('k1', () => seen.length >= 1);
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual(
          seen.map((e) => [e.key, e.string()]),
          [['k1', 'new']],
        );
      } finally {
        watch.stop();
      }
    });
  },
);
