/**
 * What a relay joining a cluster checks before it serves (operator trial): the
 * replica count is the cluster's, JetStream must be there, a tls:// URL means TLS,
 * and a standalone relay's data directory is not silently abandoned.
 * Each refusal is coded and comes at once, not after the 30 s wait for JetStream.
 */
import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { CLUSTER_STREAMS, MAIL_STREAM } from '../../../src/relay/cluster/connection.js';
import type { ClusterOptions } from '../../../src/relay/index.js';
import { type RunningRelay, startRelay } from '../../../src/relay/index.js';
import { isNatterError } from '../../../src/util/errors.js';
import { createLogger } from '../../../src/util/logger.js';
import { runCli } from '../../helpers/cli.js';
import { type NatsNode, natsServerPath, startNats, startNatsCluster } from '../../helpers/nats.js';
import { RawClient } from '../../helpers/raw-client.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

/** The replica count of every stream and bucket the relays keep that exists. */
async function replicaCounts(url: string): Promise<Map<string, number>> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const counts = new Map<string, number>();
    for (const name of CLUSTER_STREAMS) {
      const info = await jsm.streams.info(name).catch(() => null);
      if (info) counts.set(name, info.config.num_replicas);
    }
    return counts;
  } finally {
    await nc.close();
  }
}

/** The code startRelay fails with, and how long it took (ms). */
async function refusal(
  cluster: ClusterOptions,
  dataDir?: string,
): Promise<{ code: string; message: string; ms: number }> {
  const startedAt = Date.now();
  try {
    const r = await startRelay({
      dataDir: dataDir ?? (await makeTempDir('natter-cluster-relay-')),
      host: '127.0.0.1',
      port: 0,
      cluster: { setupTimeoutMs: 20_000, ...cluster },
    });
    await r.close();
  } catch (err) {
    assert.ok(isNatterError(err), `a coded error, not ${String(err)}`);
    return { code: err.code, message: err.message, ms: Date.now() - startedAt };
  }
  assert.fail('the relay started');
}

(natsServerPath ? describe : describe.skip)('a relay joining a cluster (integration)', function () {
  this.timeout(60_000);
  const relays: RunningRelay[] = [];
  const nodes: NatsNode[] = [];
  const relay = async (cluster: ClusterOptions) => {
    const r = await startRelay({
      dataDir: await makeTempDir('natter-cluster-relay-'),
      host: '127.0.0.1',
      port: 0,
      cluster,
    });
    relays.push(r);
    return r;
  };

  afterEach(async () => {
    for (const r of relays.splice(0)) await r.close();
    for (const n of nodes.splice(0)) await n.stop();
    await removeTempDirs();
  });

  it('refuses another --cluster-replicas than the cluster has, and leaves every count as it was', async () => {
    const nats = await startNats();
    nodes.push(nats);
    const first = await relay({ servers: [nats.url], replicas: 1 });
    assert.deepEqual(first.cluster, { replicas: 1, replicasFound: false });
    const before = await replicaCounts(nats.url);
    assert.equal(before.size, CLUSTER_STREAMS.length, 'every stream and bucket made');
    const r = await refusal({ servers: [nats.url], replicas: 2 });
    assert.equal(r.code, 'E_CLUSTER_REPLICAS', r.message);
    assert.match(r.message, /--cluster-replicas 2 differs from the cluster's 1/);
    assert.ok(r.ms < 5_000, `refused after ${r.ms} ms`);
    assert.deepEqual(await replicaCounts(nats.url), before);
  });

  it("says in natter relay's start line that it took the cluster's count when given none", async () => {
    const nats = await startNats();
    nodes.push(nats);
    const run = async (argv: string[]) => {
      let printed: () => void = () => undefined;
      const listening = new Promise<void>((resolve) => {
        printed = resolve;
      });
      const r = runCli(
        [
          'relay',
          '--host',
          '127.0.0.1',
          '--port',
          '0',
          '--no-presence',
          '--data',
          await makeTempDir(),
          '--cluster',
          nats.url,
          ...argv,
        ],
        {
          stop: listening.then(() => 'SIGTERM'),
          onStdout: (s) => s.includes('listening') && printed(),
        },
      );
      return r;
    };
    const first = await run(['--cluster-replicas', '1']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /, cluster nats:\/\/127\.0\.0\.1:\d+, 1 replica\)\n$/);
    const next = await run([]);
    assert.equal(next.code, 0, next.stderr);
    assert.match(
      next.stdout,
      /, cluster nats:\/\/127\.0\.0\.1:\d+, 1 replica \(the cluster's\)\)\n$/,
    );
  });

  it('refuses streams and buckets whose counts differ, naming each', async () => {
    const nats = await startNats();
    nodes.push(nats);
    await relay({ servers: [nats.url] });
    await relays.pop()?.close();
    // An older relay's doing: the mail stream updated to another count (one server takes it).
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    const { config } = await jsm.streams.info(MAIL_STREAM);
    await jsm.streams.update(MAIL_STREAM, { ...config, num_replicas: 3 });
    await nc.close();
    const r = await refusal({ servers: [nats.url] });
    assert.equal(r.code, 'E_CLUSTER_REPLICAS', r.message);
    assert.match(r.message, /NATTER_MAIL_1 3, .*KV_natter_users_1 1/);
  });

  it('refuses more replicas than one nats-server can hold, at once', async () => {
    const nats = await startNats();
    nodes.push(nats);
    const r = await refusal({ servers: [nats.url], replicas: 3 });
    assert.equal(r.code, 'E_CLUSTER_REPLICAS', r.message);
    assert.match(r.message, /--cluster-replicas 3 .*not clustered/);
    assert.ok(r.ms < 5_000, `refused after ${r.ms} ms`);
  });

  it('says at once that a nats-server runs without JetStream', async () => {
    const nats = await startNats({ jetstream: false });
    nodes.push(nats);
    const r = await refusal({ servers: [nats.url] });
    assert.equal(r.code, 'E_CLUSTER_NO_JETSTREAM', r.message);
    assert.match(r.message, /runs without JetStream: start it with -js/);
    assert.ok(r.ms < 5_000, `refused after ${r.ms} ms`);
  });

  it('requires TLS of a tls:// server: one without it is refused, not used in plaintext', async () => {
    const nats = await startNats();
    nodes.push(nats);
    const r = await refusal({ servers: [`tls://127.0.0.1:${nats.port}`] });
    assert.equal(r.code, 'E_CLUSTER_TLS', r.message);
    assert.match(r.message, /offers no TLS/);
  });

  it('refuses --cluster on the data directory of a standalone relay with users, and starts on its own again', async () => {
    const nats = await startNats();
    nodes.push(nats);
    const dataDir = await makeTempDir('natter-standalone-');
    const alone = await startRelay({ dataDir, host: '127.0.0.1', port: 0 });
    const { client } = await RawClient.login(alone.address.port, generateIdentity(), 'alice');
    client.close();
    await alone.close();
    const r = await refusal({ servers: [nats.url] }, dataDir);
    assert.equal(r.code, 'E_RELAY_STANDALONE_DATA', r.message);
    assert.match(
      r.message,
      /holds 1 user\(s\) and 0 stored message\(s\) of a relay run without --cluster/,
    );
    assert.match(r.message, /give --cluster a new --data directory/);
    // Refused before the store was left open: the standalone relay starts again.
    const again = await startRelay({ dataDir, host: '127.0.0.1', port: 0 });
    assert.equal(again.stats().users, 1);
    await again.close();
  });

  it('starts a cluster relay again on its own data directory (it keeps no users there)', async () => {
    const nats = await startNats();
    nodes.push(nats);
    const dataDir = await makeTempDir('natter-cluster-relay-');
    const first = await startRelay({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      cluster: { servers: [nats.url] },
    });
    const { client } = await RawClient.login(first.address.port, generateIdentity(), 'alice');
    client.close();
    await first.close();
    const again = await startRelay({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      cluster: { servers: [nats.url] },
    });
    relays.push(again);
    assert.equal(again.stats().users, 1);
  });

  it('says it is still connecting while no NATS server answers, before it gives up', async () => {
    // A server that takes the connection and never says hello, as a frozen node does.
    const frozen = createServer(() => undefined);
    await new Promise<void>((resolve) => frozen.listen(0, '127.0.0.1', resolve));
    const { port } = frozen.address() as AddressInfo;
    const lines: string[] = [];
    const logger = createLogger({ stream: { write: (line: string) => lines.push(line) > 0 } });
    try {
      const err = await startRelay({
        dataDir: await makeTempDir('natter-cluster-relay-'),
        host: '127.0.0.1',
        port: 0,
        logger,
        cluster: { servers: [`nats://127.0.0.1:${port}`], waitNoticeMs: 500 },
      }).then(
        (r) => r.close().then(() => assert.fail('the relay started')),
        (e: unknown) => e,
      );
      assert.ok(isNatterError(err, 'E_CLUSTER_UNREACHABLE'), String(err));
      const said = lines.filter((l) => l.includes('still connecting to NATS'));
      assert.ok(said.length >= 2, lines.join(''));
      assert.match(said[0]!, new RegExp(`"servers":"nats://127\\.0\\.0\\.1:${port}"`));
    } finally {
      frozen.close();
    }
  });

  it('on a three-node cluster: R3 stays R3; a relay given 1 is refused, one given none takes 3', async () => {
    const cluster = await startNatsCluster();
    nodes.push(...cluster);
    const servers = cluster.map((n) => n.url);
    await relay({ servers, replicas: 3, setupTimeoutMs: 50_000 });
    const r = await refusal({ servers, replicas: 1 });
    assert.equal(r.code, 'E_CLUSTER_REPLICAS', r.message);
    assert.match(r.message, /start this relay with --cluster-replicas 3, or without it/);
    const counts = await replicaCounts(servers[0]!);
    assert.deepEqual(new Set(counts.values()), new Set([3]), JSON.stringify([...counts]));
    const joined = await relay({ servers });
    assert.deepEqual(joined.cluster, { replicas: 3, replicasFound: true });
  });
});
