/**
 * Issue 15's end-to-end guarantee, with real processes: a three-node JetStream
 * cluster started by the test (streams and buckets with 3 replicas), three
 * relays on it, and senders that know all three relays. While they send, one
 * relay is killed with SIGKILL (and stays dead) and one NATS node is killed.
 * Senders on the dead relay carry on through another by themselves; every
 * message acknowledged is delivered exactly once, collected through the relays
 * that are left.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { MAIL_STREAM } from '../../src/relay/cluster/connection.js';
import { type NatsNode, natsServerPath, startNatsCluster } from '../helpers/nats.js';
import { freeTcpPort, listening } from '../helpers/ports.js';
import { builtCli, natterProcess, type Run } from '../helpers/spawn-cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

const cli = builtCli;
const SENDERS = 3;
const PER_SENDER = 300;

const natter = natterProcess;

/** The number of messages in the mail stream once `test` accepts it (polled). */
async function storedWhen(
  url: string,
  test: (n: number) => boolean,
  timeoutMs: number,
): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const end = Date.now() + timeoutMs;
    for (;;) {
      const n = await jsm.streams
        .info(MAIL_STREAM)
        .then((i) => i.state.messages)
        .catch(() => 0);
      if (test(n) || Date.now() > end) return n;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await nc.close();
  }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

(natsServerPath ? describe : describe.skip)(
  'e2e: relays on a three-node JetStream cluster, one relay and one NATS node killed (spawned processes)',
  function () {
    this.timeout(240_000);
    let dir: string;
    let nats: NatsNode[] = [];
    const relays: { process: ChildProcess; port: number }[] = [];

    before(function () {
      if (!existsSync(cli)) this.skip(); // `npm test` builds dist first
    });

    beforeEach(async () => {
      dir = await makeTempDir('natter-e2e-cluster-');
      nats = await startNatsCluster();
      const urls = nats.map((n) => n.url);
      for (let i = 0; i < 3; i++) {
        const port = await freeTcpPort();
        // Each relay is given every NATS node, its own first.
        const servers = [...urls.slice(i), ...urls.slice(0, i)].join(',');
        const child = spawn(
          process.execPath,
          [
            cli,
            'relay',
            '--host',
            '127.0.0.1',
            '--port',
            String(port),
            '--data',
            join(dir, `relay${i}`),
            '--cluster',
            servers,
            '--cluster-replicas',
            '3',
          ],
          { stdio: 'ignore', env: { ...process.env, NATTER_RELAY_PRESENCE: '0' } },
        );
        relays.push({ process: child, port });
      }
      // All three at once on a new cluster, as machines that boot together start them:
      // they race to create the streams and the relay key while JetStream elects leaders.
      await Promise.all(
        relays.map((r) => listening(r.port, { timeoutMs: 60_000, process: r.process })),
      );
    });

    afterEach(async () => {
      for (const r of relays.splice(0)) await kill(r.process);
      for (const n of nats.splice(0)) await n.kill();
      await removeTempDirs();
    });

    it('delivers every acknowledged message exactly once, and clients move off the dead relay', async () => {
      // A client's relays, the given one first: a dead one is passed over.
      const relayList = (first: number) =>
        [0, 1, 2].map((k) => `127.0.0.1:${relays[(first + k) % 3]!.port}`).join(',');
      const env = (name: string, first: number) => ({
        NATTER_HOME: join(dir, name),
        NATTER_RELAY: relayList(first),
        NATTER_PRESENCE: '0',
      });
      const names = Array.from(
        { length: SENDERS },
        (_, i) => [`sender${i}`, `reader${i}`] as const,
      );
      for (const [i, [s, r]] of names.entries()) {
        for (const who of [s, r]) {
          const init = await natter(['init', '--name', who], env(who, i));
          assert.equal(init.code, 0, init.stderr);
        }
      }
      // Every sender starts on relay 0, the one that dies.
      const sends = names.map(([s, r], i) => {
        const lines = Array.from({ length: PER_SENDER }, (_, n) => `m-${i}-${n}`).join('\n');
        return natter(['send', '--to', r, '--each-line', '--wait', '180000'], env(s, 0), lines);
      });
      let finished = 0;
      for (const s of sends) void s.then(() => finished++);
      // Once the cluster holds some of the mail: the kill must hit senders mid-flight.
      const stored = await storedWhen(nats[0]!.url, (n) => n >= 30, 60_000);
      const finishedAtKill = finished;
      await kill(relays[0]!.process);
      await new Promise((r) => setTimeout(r, 300));
      await nats[2]!.kill();
      const results = await Promise.all(sends);
      assert.equal(finishedAtKill, 0, 'the relay died while every sender was still sending');
      assert.ok(stored < SENDERS * PER_SENDER, `${stored} stored before the kill`);
      for (const r of results) assert.equal(r.code, 0, `a sender failed: ${r.stderr}`);

      // Readers collect through the relays left (each starts on relay 1 or 2).
      const seen = new Map<string, number>();
      const lastRun = new Map<string, Run>();
      await Promise.all(
        names.map(async ([, r], i) => {
          for (let attempt = 0; attempt < 6; attempt++) {
            const run = await natter(['inbox', '--json', '--wait', '20000'], env(r, 1 + (i % 2)));
            lastRun.set(r, run);
            for (const line of run.stdout.split('\n').filter(Boolean)) {
              const { text, type } = JSON.parse(line) as { text?: string; type?: string };
              assert.notEqual(type, 'damaged', `a delivery arrived damaged: ${line}`);
              if (type !== undefined || text === undefined) continue;
              seen.set(text, (seen.get(text) ?? 0) + 1);
            }
            const mine = [...seen.keys()].filter((t) => t.startsWith(`m-${i}-`)).length;
            if (run.code === 0 && mine === PER_SENDER) break;
          }
        }),
      );
      const dupes = [...seen].filter(([, n]) => n > 1).map(([t]) => t);
      assert.deepEqual(dupes, [], 'no message shown twice');
      for (let i = 0; i < SENDERS; i++) {
        const missing = Array.from({ length: PER_SENDER }, (_, n) => `m-${i}-${n}`).filter(
          (t) => !seen.has(t),
        );
        const last = lastRun.get(`reader${i}`);
        assert.deepEqual(
          missing.slice(0, 5),
          [],
          `reader${i} is missing ${missing.length} (inbox exit ${last?.code}: ${last?.stderr})`,
        );
      }
      assert.equal(seen.size, SENDERS * PER_SENDER);
    });

    it('carries a group and a file to it across the relays, and through the relays left after one dies', async () => {
      const relayList = (first: number) =>
        [0, 1, 2].map((k) => `127.0.0.1:${relays[(first + k) % 3]!.port}`).join(',');
      const env = (i: number) => ({
        NATTER_HOME: join(dir, `g${i}`),
        NATTER_RELAY: relayList(i),
        NATTER_PRESENCE: '0',
      });
      const ok = async (i: number, args: string[], stdin?: string) => {
        const r = await natter(args, env(i), stdin);
        assert.equal(r.code, 0, `g${i} ${args.join(' ')}: ${r.stderr}`);
        return r;
      };
      const texts = async (i: number) =>
        (await ok(i, ['inbox', '--json', '--wait', '20000'])).stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { text?: string; type?: string; kind?: string })
          .filter((l) => {
            assert.notEqual(l.type, 'damaged', 'nothing arrives damaged');
            return l.text !== undefined && l.type === undefined;
          })
          .map((l) => l.text);
      for (const i of [0, 1, 2]) await ok(i, ['init', '--name', `g${i}`]);
      // Made through relay 0; g1 and g2 are on relays 1 and 2.
      await ok(0, ['group', 'create', 'team', '--members', 'g1,g2']);
      for (const i of [1, 2]) {
        const learnt = (await ok(i, ['inbox', '--json'])).stdout;
        assert.match(learnt, /"kind":"created"/, `g${i} learnt the group`);
      }
      await ok(1, ['send', '--group', 'team', 'hello from one']);
      await ok(2, ['send', '--group', 'team', 'hello from two']);
      // A file to the group through relay 0, fetched once relay 0 is dead.
      const source = join(dir, 'notes.bin');
      const bytes = randomBytes(300_000);
      await writeFile(source, bytes);
      await ok(0, ['send-file', '--group', 'team', source]);
      await kill(relays[0]!.process);
      for (const i of [1, 2]) {
        const listed = (await ok(i, ['files', '--json'])).stdout
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { shortId: string; name: string; state: string });
        const offer = listed.find((o) => o.name === 'notes.bin' && o.state === 'offered');
        assert.ok(offer, `g${i} sees the offer: ${JSON.stringify(listed)}`);
        const out = join(dir, `saved${i}`);
        await mkdir(out);
        await ok(i, ['accept', offer.shortId, '--out', out, '--wait', '30000']);
        assert.deepEqual(await readFile(join(out, 'notes.bin')), bytes, `g${i} got the file whole`);
      }
      // g0's first relay is dead: it carries on through another by itself.
      await ok(0, ['send', '--group', 'team', 'after the kill', '--wait', '30000']);
      assert.deepEqual((await texts(0)).sort(), ['hello from one', 'hello from two']);
      assert.deepEqual((await texts(1)).sort(), [
        'after the kill',
        'hello from two',
        'sent a file: notes.bin (293.0 KiB)',
      ]);
      assert.deepEqual((await texts(2)).sort(), [
        'after the kill',
        'hello from one',
        'sent a file: notes.bin (293.0 KiB)',
      ]);
    });
  },
);
