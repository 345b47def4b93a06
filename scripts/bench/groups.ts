/**
 * Groups (issue 11, docs/groups.md): one group of 100 members, sealed 200-byte
 * plaintexts, durable on the relay before the sender's ack.
 *  1. saturation: SENDERS members each keep WINDOW GroupSends in flight; we count
 *     GroupDeliver frames received over all members per second, and the relay's
 *     CPU per delivery;
 *  2. latency from send to the LAST member (every member receives every item, the
 *     sender included) at light load (20 sends/s) and at half of saturation;
 *  3. relay RSS, peak over the run.
 * Members acknowledge like real clients: a cumulative GroupAck every ACK_EVERY_MS.
 * Messages are sealed (sealGroupMessage, one sender chain per sender) before each
 * phase, in worker threads, never while it runs (groups-natter.ts).
 *
 * In the same run, the same workload against nats-server as the yardstick (issue 11:
 * the machine's speed varies, so the floors are ratios): 100 subscribers on one
 * subject, the same number of publishers among them, no echo, payloads the size of
 * natter's sealed body (groups-nats.ts). Floors: deliveries/s >= 1.0x nats-server's,
 * light-load p99 to the last member <= 2x nats-server's, p99 at half load <= 50 ms.
 *
 * Switches: NATTER_BENCH_GROUP_SIDES=nats,natter (which sides, in that order; nats-tls adds
 * nats-server behind TLS 1.3 as a like-for-like yardstick for natter's TLS figures, without
 * floors);
 * NATTER_BENCH_LINKS=tls (natter's link: tls as shipped, plain = NATTER_BENCH_PLAIN's plain
 * TCP, the like-for-like with nats-server, which runs without TLS; tls,plain for both);
 * NATTER_BENCH_GROUP_SENDERS=4; NATTER_BENCH_GROUP_WINDOW=64; NATTER_BENCH_GROUP_WINDOWS=32,64,128
 * (saturation alone at each window, a sweep; no latency phases); NATTER_BENCH_GROUP_THREADS=1
 * (the generator's CPU per thread during saturation); NATTER_BENCH_PROF=DIR (relay CPU profile
 * of the whole run); NATTER_BENCH_PHASE_PROF=FILE (relay CPU profile of the half-load
 * phase, or of saturation with NATTER_BENCH_GROUP_PROF_PHASE=saturation); NATTER_BENCH_LOOP=1
 * (the relay's event-loop delay over the same phase, on stderr).
 */
import {
  type Fleet,
  type Latency,
  memoryOf,
  paced,
  type Saturation,
  saturate,
} from './groups-load.js';
import { findNatsServer, NatsFleet, startNatsServer } from './groups-nats.js';
import { ACK_EVERY_MS, NatterGroup } from './groups-natter.js';
import { fmt, sleep, spawnRelay } from './util.js';

const MEMBERS = 100;
const SENDERS = Number(process.env.NATTER_BENCH_GROUP_SENDERS ?? 4);
const WINDOW = Number(process.env.NATTER_BENCH_GROUP_WINDOW ?? 64);
/** NATTER_BENCH_GROUP_WINDOWS=32,64,128: saturation alone at each window, nothing else. */
const SWEEP = process.env.NATTER_BENCH_GROUP_WINDOWS?.split(',').map(Number) ?? null;
const PLAINTEXT_BYTES = 200;
const LIGHT_RATE = 20;
const SATURATION_SECONDS = 5;
const LIGHT_SECONDS = 10;
const HALF_SECONDS = 8;

interface SideFigures {
  sat: Saturation;
  light: Latency;
  half: Latency;
  peakMb: number;
}

function describeSaturation(label: string, f: Fleet, s: Saturation): string {
  return (
    `  ${label}: ${fmt(s.rate)} deliveries/s at saturation (${fmt(s.messages)} msg/s × ` +
    `${f.perMessage} deliveries, over ${fmt(s.seconds, 1)} s${s.exhausted ? ', until the sealed pool ran out' : ''}); ` +
    `server CPU ${fmt(s.cpuUsPerDelivery, 2)} µs per delivery\n` +
    `      (server ${fmt(s.serverCores, 2)} cores, generator ${fmt(s.generatorCores, 2)} cores busy; ` +
    `${fmt(s.chunkBytes / 1024, 1)} KB per socket read; ` +
    `to the last member p50 ${fmt(s.lastP50, 1)} ms, p99 ${fmt(s.lastP99, 1)} ms` +
    (Number.isNaN(s.ackP50)
      ? ')'
      : `; sender's durable ack p50 ${fmt(s.ackP50, 1)} ms, p99 ${fmt(s.ackP99, 1)} ms)`)
  );
}

function describeLatency(label: string, l: Latency): string {
  const ack = Number.isNaN(l.ackP50)
    ? ''
    : `; sender's durable ack p50 ${fmt(l.ackP50, 2)} ms, p99 ${fmt(l.ackP99, 2)} ms`;
  return (
    `      ${label} at ${fmt(l.offered)} msg/s: to the last member p50 ${fmt(l.p50, 2)} ms, ` +
    `p99 ${fmt(l.p99, 2)} ms, max ${fmt(l.max, 2)} ms (${fmt(l.complete)}/${fmt(l.sent)} messages ` +
    `reached everyone); any member p50 ${fmt(l.anyP50, 2)} ms, p99 ${fmt(l.anyP99, 2)} ms${ack}`
  );
}

/** Saturation at each window of SWEEP in turn, on the same server and members. */
async function sweep(label: string, fleet: Fleet, before?: () => Promise<void>): Promise<null> {
  for (const window of SWEEP ?? []) {
    await before?.();
    const sat = await saturate(fleet, window, SATURATION_SECONDS);
    console.log(describeSaturation(`${label}, ${SENDERS} × ${window} in flight`, fleet, sat));
    await sleep(3000);
  }
  return null;
}

async function runNats(payloadBytes: number, tls: boolean): Promise<SideFigures | null> {
  const binary = findNatsServer();
  if (binary === null) {
    console.log(
      '  nats-server: not installed (and not root to install it): the yardstick is skipped',
    );
    return null;
  }
  const server = await startNatsServer(binary, tls);
  const label = tls ? 'nats-server (TLS 1.3)' : 'nats-server';
  const orphan = () => server.child.kill('SIGKILL');
  process.once('exit', orphan);
  const fleet = await NatsFleet.connect(server, MEMBERS, SENDERS, payloadBytes);
  try {
    if (SWEEP) return await sweep(label, fleet);
    const sat = await saturate(fleet, WINDOW, SATURATION_SECONDS);
    console.log(describeSaturation(label, fleet, sat));
    await sleep(1000);
    const light = await paced(fleet, LIGHT_RATE, LIGHT_SECONDS);
    console.log(describeLatency(`${label} light load`, light));
    const half = await paced(fleet, sat.messages / 2, HALF_SECONDS);
    console.log(describeLatency(`${label} half load `, half));
    const mem = await memoryOf(fleet.pid);
    console.log(`      ${label} RSS ${fmt(mem.rssMb)} MB (peak ${fmt(mem.peakMb)} MB)`);
    return { sat, light, half, peakMb: mem.peakMb };
  } finally {
    fleet.close();
    await server.stop();
    process.off('exit', orphan);
  }
}

type Link = 'tls' | 'plain';

async function runNatter(link: Link): Promise<SideFigures | null> {
  const relay = await spawnRelay({ plain: link === 'plain' });
  // A generator that dies (a throw in a socket handler) must not leave the relay running.
  const orphan = () => relay.child.kill('SIGKILL');
  process.once('exit', orphan);
  const label = `natter (${link === 'plain' ? 'plain TCP' : 'TLS 1.3'})`;
  const group = await NatterGroup.create(relay, MEMBERS, SENDERS, PLAINTEXT_BYTES);
  const idle = await relay.memory();
  try {
    if (SWEEP) return await sweep(label, group, () => group.seal(25_000));
    // Enough sealed messages for the 1 s warm-up and the window at up to ~2.5 M deliveries/s
    // (25,000 per sender ran out at 3.7-4.4 s of the window at 1.7-2.1 M/s over plain TCP).
    await group.seal(40_000);
    const profSat = process.env.NATTER_BENCH_GROUP_PROF_PHASE === 'saturation';
    if (profSat) relay.child.kill('SIGUSR2');
    const sat = await saturate(group, WINDOW, SATURATION_SECONDS);
    if (profSat) relay.child.kill('SIGUSR2');
    console.log(describeSaturation(label, group, sat));
    const perSender = (rate: number, seconds: number) =>
      Math.ceil((rate * seconds * 1.1) / SENDERS) + 64;
    await group.seal(
      perSender(LIGHT_RATE, LIGHT_SECONDS) + perSender(sat.messages / 2, HALF_SECONDS),
    );
    // Let LevelDB finish compacting the saturation run's writes and deletes.
    await sleep(3000);
    const light = await paced(group, LIGHT_RATE, LIGHT_SECONDS);
    console.log(describeLatency(`${label} light load`, light));
    if (!profSat) relay.child.kill('SIGUSR2'); // NATTER_BENCH_PHASE_PROF: the half-load phase
    const half = await paced(group, sat.messages / 2, HALF_SECONDS);
    if (!profSat) relay.child.kill('SIGUSR2');
    console.log(describeLatency(`${label} half load `, half));
    const mem = await relay.memory();
    console.log(
      `      relay RSS ${fmt(mem.rssMb)} MB (peak ${fmt(mem.peakMb)} MB; ${fmt(idle.rssMb)} MB ` +
        `with the ${MEMBERS} members logged in, before the first message)`,
    );
    if (group.refused > 0 || group.unexpected > 0) {
      console.log(
        `      ${fmt(group.refused)} sends refused, ${fmt(group.unexpected)} unexpected frames`,
      );
    }
    return { sat, light, half, peakMb: mem.peakMb };
  } finally {
    await group.close();
    await relay.stop();
    process.off('exit', orphan);
  }
}

const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

/** natter's figures against a yardstick; the floors (issue 11) only against plain nats-server. */
function compare(
  link: Link,
  natter: SideFigures,
  nats: SideFigures | null,
  yardstick: string,
): void {
  const floors = yardstick === 'nats-server';
  const check = (ok: boolean, floor: string) => (floors ? ` (${floor}: ${verdict(ok)})` : '');
  const halfP99 = `half-load p99 ${fmt(natter.half.p99, 2)} ms${check(natter.half.p99 <= 50, 'ceiling 50 ms')}`;
  if (nats === null) {
    console.log(`  floors (${link}): ${halfP99}; the ratio floors need nats-server`);
    return;
  }
  const throughput = natter.sat.rate / nats.sat.rate;
  const light = natter.light.p99 / nats.light.p99;
  console.log(
    `  natter (${link}) / ${yardstick}: deliveries/s ${fmt(throughput, 2)}x${check(throughput >= 1, 'floor 1.0x')}; ` +
      `light-load p99 to the last member ${fmt(natter.light.p99, 2)} / ${fmt(nats.light.p99, 2)} ms = ` +
      `${fmt(light, 2)}x${check(light <= 2, 'ceiling 2x')}; ${halfP99}, ${yardstick}'s ` +
      `${fmt(nats.half.p99, 2)} ms at its own half load; CPU per delivery ` +
      `${fmt(natter.sat.cpuUsPerDelivery, 2)} / ${fmt(nats.sat.cpuUsPerDelivery, 2)} µs = ` +
      `${fmt(natter.sat.cpuUsPerDelivery / nats.sat.cpuUsPerDelivery, 2)}x; peak RSS ` +
      `${fmt(natter.peakMb)} MB vs ${fmt(nats.peakMb)} MB`,
  );
}

export async function runGroupsBench(): Promise<void> {
  console.log(
    `groups benchmark: one group of ${MEMBERS} members, ${SENDERS} senders × ${WINDOW} in flight, ` +
      `sealed ${PLAINTEXT_BYTES}-byte plaintexts, durable before ack; acks every ${ACK_EVERY_MS} ms`,
  );
  const sides = (process.env.NATTER_BENCH_GROUP_SIDES ?? 'nats,natter').split(',');
  const links = (process.env.NATTER_BENCH_LINKS ?? 'tls')
    .split(',')
    .filter((l): l is Link => l === 'tls' || l === 'plain');
  const payload = NatterGroup.bodyBytes(PLAINTEXT_BYTES);
  let nats: SideFigures | null = null;
  let natsTls: SideFigures | null = null;
  const natter: [Link, SideFigures][] = [];
  for (const side of sides) {
    if (side === 'nats') nats = await runNats(payload, false);
    else if (side === 'nats-tls') natsTls = await runNats(payload, true);
    else if (side === 'natter') {
      for (const link of links) {
        const figures = await runNatter(link);
        if (figures) natter.push([link, figures]);
      }
    }
  }
  for (const [link, figures] of natter) {
    compare(link, figures, nats, 'nats-server');
    if (natsTls && link === 'tls') compare(link, figures, natsTls, 'nats-server (TLS 1.3)');
  }
}
