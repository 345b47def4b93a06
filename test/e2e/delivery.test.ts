/**
 * Issue 2's end-to-end guarantee, with real `natter` processes: five senders
 * each send 1,000 messages to recipients who are offline, while the relay is
 * killed with SIGKILL and restarted at least three times (and once more while
 * the recipients drain their mail). Every message the relay acknowledged is
 * delivered exactly once, and none is shown twice.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort, listening } from '../helpers/ports.js';
import { builtCli, natterProcess } from '../helpers/spawn-cli.js';

const cli = builtCli;
const SENDERS = 5;
// Enough that sending outlasts three relay lives on a fast machine too (1,000 each once
// finished after two kills in CI; the test asserts three kills while sending).
const PER_SENDER = 2000;

const natter = natterProcess;

describe('e2e: durable delivery through relay crashes (spawned processes)', function () {
  this.timeout(240_000);
  let dir: string;
  let port: number;
  let relay: ChildProcess | null = null;
  /** Resolves once the running relay has logged a session ready (a client got through). */
  let served: Promise<void> = Promise.resolve();

  async function startRelay(): Promise<void> {
    const child = spawn(
      process.execPath,
      [cli, 'relay', '--host', '127.0.0.1', '--port', String(port), '--data', join(dir, 'relay')],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NATTER_RELAY_PRESENCE: '0' } },
    );
    relay = child;
    served = new Promise<void>((resolve) => {
      let seen = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        seen = (seen + chunk.toString('utf8')).slice(-4096);
        if (seen.includes('"session ready"')) resolve();
      });
      child.once('exit', () => resolve());
    });
    // Generous: this test is about durability, and a relay recovering its store after
    // kill -9 on a busy two-core CI machine has taken over 10 s; its speed is the bench's.
    await listening(port, { timeoutMs: 30_000, process: child });
  }

  async function killRelay(): Promise<void> {
    const child = relay;
    relay = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  // No LAN presence: tests never broadcast on the machine's real interfaces.
  const env = (name: string) => ({
    NATTER_HOME: join(dir, name),
    NATTER_RELAY: `127.0.0.1:${port}`,
    NATTER_PRESENCE: '0',
  });

  before(function () {
    if (!existsSync(cli)) this.skip(); // `npm test` builds dist first
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'natter-e2e-'));
    port = await freeTcpPort();
    await startRelay();
  });

  afterEach(async () => {
    await killRelay();
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });

  it('delivers every acknowledged message exactly once across repeated kill -9 of the relay', async () => {
    const names = Array.from({ length: SENDERS }, (_, i) => [`sender${i}`, `reader${i}`] as const);
    for (const [s, r] of names) {
      for (const who of [s, r]) {
        const init = await natter(['init', '--name', who], env(who));
        assert.equal(init.code, 0, init.stderr);
      }
    }
    // Senders run while the relay dies under them; recipients stay offline.
    const sends = names.map(([s, r], i) => {
      const lines = Array.from({ length: PER_SENDER }, (_, n) => `m-${i}-${n}`).join('\n');
      return natter(['send', '--to', r, '--each-line', '--wait', '180000'], env(s), lines);
    });
    let kills = 0;
    let sending = true;
    const killer = (async () => {
      while (sending || kills < 3) {
        // Each relay lives until a client got through, and 400 ms more: the kills hit
        // senders mid-flight, not a relay nobody reached yet (on a loaded machine a login
        // can take longer than a fixed window, and a sender then stored nothing in 180 s).
        await Promise.race([served, new Promise((r) => setTimeout(r, 15_000))]);
        await new Promise((r) => setTimeout(r, 400));
        await killRelay();
        kills++;
        await new Promise((r) => setTimeout(r, 200));
        await startRelay();
      }
    })();
    const results = await Promise.all(sends);
    const killsWhileSending = kills;
    sending = false;
    await killer;
    for (const r of results) assert.equal(r.code, 0, `a sender failed: ${r.stderr}`);
    assert.ok(kills >= 3, `the relay was killed ${kills} times`);
    // The kills must hit senders mid-flight, not an idle relay.
    assert.ok(killsWhileSending >= 3, `only ${killsWhileSending} kills while sending`);

    // Recipients drain; the relay is killed once more mid-drain, and each
    // recipient runs inbox until nothing new arrives.
    const seen = new Map<string, number>();
    const drainKill = (async () => {
      await new Promise((r) => setTimeout(r, 150));
      await killRelay();
      kills++;
      await new Promise((r) => setTimeout(r, 300));
      await startRelay();
    })();
    await Promise.all(
      names.map(async ([, r]) => {
        for (let attempt = 0; attempt < 6; attempt++) {
          const run = await natter(['inbox', '--json', '--wait', '20000'], env(r));
          for (const line of run.stdout.split('\n').filter(Boolean)) {
            // Messages only: a gap notice (type "notice") is news about them, not one.
            const { text, type } = JSON.parse(line) as { text?: string; type?: string };
            assert.notEqual(type, 'damaged', `a delivery arrived damaged: ${line}`);
            if (type !== undefined || text === undefined) continue;
            seen.set(text, (seen.get(text) ?? 0) + 1);
          }
          const mine = [...seen.keys()].filter((t) => t.startsWith(`m-${r.slice(6)}-`)).length;
          if (run.code === 0 && mine === PER_SENDER) break;
        }
      }),
    );
    await drainKill;

    const dupes = [...seen].filter(([, n]) => n > 1).map(([t]) => t);
    assert.deepEqual(dupes, [], 'no message shown twice');
    for (let i = 0; i < SENDERS; i++) {
      const missing = Array.from({ length: PER_SENDER }, (_, n) => `m-${i}-${n}`).filter(
        (t) => !seen.has(t),
      );
      assert.deepEqual(missing.slice(0, 5), [], `reader${i} is missing ${missing.length}`);
    }
    assert.equal(seen.size, SENDERS * PER_SENDER);
    assert.ok(kills >= 4);
  });
});
