/**
 * LAN presence figures (issue 3 §6), on loopback broadcast with a fresh UDP
 * port, default intervals (2 s heartbeat, 3 missed before expiry):
 *
 *  1. appear: 49 clients run (full clients: LAN and relay); a 50th starts
 *     (a Beacon with its own identity); time until all 49 list it;
 *  2. BYE: that 50th stops; time until all 49 have removed it;
 *  3. kill -9 with the relay: a client process (LAN and relay) is killed; time
 *     until all 49 have removed it (its TCP connection drops, the relay sends a
 *     roster delta);
 *  4. kill -9 without the relay: a LAN-only client process is killed; time until
 *     all 49 have expired it, against the budget of 3 intervals + 1 s;
 *  5. flood: one receiver process with three real peers heard; another process
 *     sends 5,000 forged heartbeats per second (claiming the real peers, bad
 *     signatures), from one socket and then spread over 250 sockets (so the
 *     per-source rate limit lets every one through to the signature check);
 *     the receiver's CPU over the window, and its roster before and after.
 *
 * Prints figures against the floors; asserts nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { signCard } from '../../src/crypto/card.js';
import { saveIdentity } from '../../src/crypto/keyfile.js';
import { generateIdentity } from '../../src/crypto/keys.js';
import { randomBytes } from '../../src/crypto/random.js';
import { NatterClient } from '../../src/peer/client.js';
import { ensureProfileDir, profilePaths, updateConfig } from '../../src/peer/profile.js';
import { Beacon } from '../../src/presence/beacon.js';
import {
  HEARTBEAT_INTERVAL_MS,
  MISSED_HEARTBEATS_BEFORE_EXPIRY,
} from '../../src/presence/constants.js';
import { toHex } from '../../src/util/bytes.js';
import { encodePresence, encodeSignedDatagram } from '../../src/wire/codec.js';
import { freeUdpPort } from '../../test/integration/presence/helpers.js';
import { fmt, percentile, sleep, spawnRelay } from './util.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLIENTS = 50;
const OBSERVERS = CLIENTS - 1;
const APPEAR_SAMPLES = 40;
const KILL_SAMPLES = 20;
const EXPIRY_SAMPLES = 5;
const FLOOD_PER_SECOND = 5000;
const FLOOD_WINDOW_MS = 4000;
const FLOOD_SOCKETS = 250;
const EXPIRY_BUDGET_MS = HEARTBEAT_INTERVAL_MS * MISSED_HEARTBEATS_BEFORE_EXPIRY + 1000;

/** When each observer saw a user join or leave, by user id. */
class Watch {
  readonly joined = new Map<string, number[]>();
  readonly left = new Map<string, number[]>();

  constructor(observers: NatterClient[]) {
    for (const o of observers) {
      o.on('roster:change', (e) => {
        const now = performance.now();
        const map = e.type === 'join' ? this.joined : e.type === 'leave' ? this.left : null;
        if (map === null) return;
        const times = map.get(e.peer.userId) ?? [];
        times.push(now);
        map.set(e.peer.userId, times);
      });
    }
  }

  /** Resolves with the time the last observer saw `userId` join (or leave). */
  async all(kind: 'joined' | 'left', userId: string, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const times = this[kind].get(userId) ?? [];
      if (times.length >= OBSERVERS) return Math.max(...times);
      if (performance.now() > deadline) {
        throw new Error(
          `${kind}: only ${times.length}/${OBSERVERS} observers saw ${userId.slice(0, 8)}`,
        );
      }
      await sleep(1);
    }
  }
}

interface Child {
  child: ChildProcess;
  userId: string;
  ready: Promise<Record<string, unknown>>;
  lines: AsyncIterator<string>;
}

const spawned: ChildProcess[] = [];

function child(args: string[]): Child {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'presence-child.ts'), ...args],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  spawned.push(proc);
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  const c: Child = {
    child: proc,
    userId: '',
    lines,
    ready: lines.next().then((r) => {
      const value = JSON.parse(String(r.value)) as Record<string, unknown>;
      c.userId = String(value.userId ?? '');
      return value;
    }),
  };
  return c;
}

const stats = (label: string, samples: number[], floor: string) => {
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(
    `  ${label.padEnd(38)} p50 ${fmt(percentile(sorted, 50), 1).padStart(7)} ms   p99 ${fmt(percentile(sorted, 99), 1).padStart(7)} ms   max ${fmt(sorted.at(-1) ?? Number.NaN, 1).padStart(7)} ms   (n=${sorted.length}; floor ${floor})`,
  );
};

async function makeObservers(
  port: number,
  relayPort: number,
  dir: string,
): Promise<NatterClient[]> {
  const lan = { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
  const observers: NatterClient[] = [];
  for (let i = 0; i < OBSERVERS; i++) {
    const profileDir = join(dir, `o${i}`);
    await ensureProfileDir(profileDir);
    await saveIdentity(profilePaths(profileDir).identity, generateIdentity());
    await updateConfig(profilePaths(profileDir), (c) => {
      c.pseudonym = `observer${i}`;
    });
    const client = await NatterClient.open({
      profileDir,
      relay: { host: '127.0.0.1', port: relayPort },
      presence: lan,
    });
    await client.connect({ timeoutMs: 10_000 });
    observers.push(client);
  }
  return observers;
}

async function appearAndBye(port: number, watch: Watch): Promise<void> {
  const appear: number[] = [];
  const bye: number[] = [];
  for (let i = 0; i < APPEAR_SAMPLES; i++) {
    const identity = generateIdentity();
    const userId = toHex(identity.signPk);
    const beacon = new Beacon({
      port,
      extraTargets: ['127.255.255.255'],
      broadcastInterfaces: false,
      identity,
      pseudonym: `newcomer${i}`,
    });
    const started = performance.now();
    await beacon.start();
    appear.push((await watch.all('joined', userId, 5000)) - started);
    await sleep(50);
    const stopped = performance.now();
    await beacon.stop();
    bye.push((await watch.all('left', userId, 5000)) - stopped);
    await sleep(50);
  }
  stats('appear (start -> listed by all 49)', appear, 'p99 <= 100 ms');
  stats('BYE -> removed by all 49', bye, 'p99 <= 100 ms');
}

async function killWithRelay(
  port: number,
  relayPort: number,
  dir: string,
  watch: Watch,
): Promise<void> {
  const victims = Array.from({ length: KILL_SAMPLES }, (_, i) =>
    child(['client', String(port), `victim${i}`, join(dir, `v${i}`), String(relayPort)]),
  );
  await Promise.all(victims.map((v) => v.ready));
  for (const v of victims) await watch.all('joined', v.userId, 10_000);
  await sleep(1000);
  const removal: number[] = [];
  for (const v of victims) {
    const killed = performance.now();
    v.child.kill('SIGKILL');
    removal.push((await watch.all('left', v.userId, EXPIRY_BUDGET_MS + 2000)) - killed);
    await sleep(100);
  }
  if (process.env.NATTER_BENCH_SAMPLES)
    console.log('  samples:', removal.map((x) => Math.round(x)).join(' '));
  stats('kill -9 -> removed by all (relay)', removal, '<= 500 ms');
}

async function killWithoutRelay(port: number, watch: Watch): Promise<void> {
  const victims = Array.from({ length: EXPIRY_SAMPLES }, (_, i) =>
    child(['beacon', String(port), `lanonly${i}`]),
  );
  await Promise.all(victims.map((v) => v.ready));
  for (const v of victims) await watch.all('joined', v.userId, 10_000);
  await sleep(1000);
  // Staggered, so the kills fall at different points of the heartbeat cycle.
  const removal = await Promise.all(
    victims.map(async (v, i) => {
      await sleep((i * HEARTBEAT_INTERVAL_MS) / EXPIRY_SAMPLES);
      const killed = performance.now();
      v.child.kill('SIGKILL');
      return (await watch.all('left', v.userId, EXPIRY_BUDGET_MS + 3000)) - killed;
    }),
  );
  stats('kill -9 -> expired by all (no relay)', removal, `<= ${fmt(EXPIRY_BUDGET_MS)} ms`);
}

/** Forged heartbeats: real peers' cards, fresh seq and timestamp, random signatures. */
function forgeries(cards: Parameters<typeof encodePresence>[0][], count: number): Uint8Array[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const real = cards[i % cards.length]!;
    if (real.kind !== 'heartbeat') throw new Error('heartbeats only');
    const body = encodePresence({ ...real, seq: now + 10_000 + i, timestampMs: now + (i % 1000) });
    return encodeSignedDatagram({ body, signature: randomBytes(64) });
  });
}

async function flood(): Promise<void> {
  const port = await freeUdpPort();
  const lan = { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
  const peers = await Promise.all(
    ['anna', 'ben', 'cleo'].map(async (name) => {
      const identity = generateIdentity();
      const b = new Beacon({ ...lan, identity, pseudonym: name, status: 'away' });
      await b.start();
      return { b, identity, name };
    }),
  );
  const cards = peers.map(({ identity, name }) => ({
    kind: 'heartbeat' as const,
    card: signCard(identity, name),
    status: 'busy' as const,
    statusText: 'forged',
    seq: 0,
    timestampMs: 0,
  }));
  for (const spread of [1, FLOOD_SOCKETS]) {
    const receiver = child(['receiver', String(port), String(FLOOD_WINDOW_MS)]);
    await receiver.ready;
    await sleep(300);
    const sockets: Socket[] = await Promise.all(
      Array.from({ length: spread }, async () => {
        const s = createSocket('udp4');
        await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
        s.setBroadcast(true);
        return s;
      }),
    );
    const pool = forgeries(cards, FLOOD_PER_SECOND * (FLOOD_WINDOW_MS / 1000 + 1));
    let sent = 0;
    const tick = 10;
    const timer = setInterval(() => {
      for (let k = 0; k < (FLOOD_PER_SECOND * tick) / 1000; k++) {
        const d = pool[sent % pool.length]!;
        sockets[sent % sockets.length]!.send(d, port, '127.255.255.255');
        sent++;
      }
    }, tick);
    const floodStart = performance.now();
    receiver.child.stdin!.write('go\n');
    const result = JSON.parse(String((await receiver.lines.next()).value)) as {
      cores: number;
      before: string[];
      after: string[];
      conflicts: number;
      filter: Record<string, number>;
    };
    clearInterval(timer);
    const rate = sent / ((performance.now() - floodStart) / 1000);
    for (const s of sockets) s.close();
    const intact =
      JSON.stringify(result.before) === JSON.stringify(result.after) &&
      result.after.length === 3 &&
      result.after.every((e) => e.endsWith(':away')) &&
      result.conflicts === 0;
    console.log(
      `  flood from ${String(spread).padStart(3)} socket(s): ${fmt(rate)} forged/s, receiver CPU ${fmt(result.cores, 2)} core (floor <= 1); dropped: rate ${fmt(result.filter.rate ?? 0)}, forged ${fmt(result.filter.forged ?? 0)}, accepted ${fmt(result.filter.accepted ?? 0)}; roster ${intact ? 'unaffected' : 'CHANGED'}: ${result.after.join(', ')}`,
    );
  }
  await Promise.all(peers.map((p) => p.b.stop()));
}

export async function runPresenceBench(): Promise<void> {
  console.log(
    `presence: ${CLIENTS} clients on loopback broadcast, heartbeat ${HEARTBEAT_INTERVAL_MS} ms, expiry after ${MISSED_HEARTBEATS_BEFORE_EXPIRY} missed`,
  );
  const relay = await spawnRelay();
  const dir = await mkdtemp(join(tmpdir(), 'natter-bench-presence-'));
  const port = await freeUdpPort();
  const observers = await makeObservers(port, relay.port, dir);
  const watch = new Watch(observers);
  try {
    await appearAndBye(port, watch);
    await killWithRelay(port, relay.port, dir, watch);
    await killWithoutRelay(port, watch);
  } finally {
    for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(observers.map((o) => o.close()));
    await relay.stop();
    await rm(dir, { recursive: true, force: true });
  }
  await flood();
}
