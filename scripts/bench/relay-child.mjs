/**
 * The relay under test, in its own process so it gets its own core, as in real
 * use, and run as compiled: tsc's module tree in build/ (npm run bench builds it first),
 * without the TypeScript loader, whose thread and caches would count in the
 * relay's memory. Prints {"port": N} once listening; exits cleanly on SIGTERM.
 * NATTER_BENCH_PLAIN=1 serves plain TCP instead of TLS 1.3 (startRelay's
 * benchmark-only `tls: false`), the baseline the TLS figures are set beside.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { ONE_HOST_FAIR_SHARES, startRelay } from '../../build/relay/index.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: relay-child.mjs DATA_DIR');
const plain = process.env.NATTER_BENCH_PLAIN === '1';
// NATTER_BENCH_CLUSTER=URLS: one relay of a cluster on NATS JetStream (the cluster bench).
const cluster = process.env.NATTER_BENCH_CLUSTER;
// NATTER_BENCH_ACK_DELAY_MS=N: another delay for durable SendAcks (A/B; 0 sends them at once).
const ackDelay = process.env.NATTER_BENCH_ACK_DELAY_MS;
// NATTER_BENCH_HOLD_MS=N: another hold for the recipient's ack (A/B; 0 never holds).
const holdMs = process.env.NATTER_BENCH_HOLD_MS;
// NATTER_BENCH_INFLIGHT=N: another maxInflightSendsPerSession (A/B).
const inflight = process.env.NATTER_BENCH_INFLIGHT;
// NATTER_BENCH_UNACKED=N: another window of unacknowledged deliveries (N messages, N x 2 KiB; A/B).
const unacked = process.env.NATTER_BENCH_UNACKED;
// NATTER_BENCH_RELAY_INFLIGHT=N: another maxRelayInflightSends, shared by the busy sessions (A/B).
const relayInflight = process.env.NATTER_BENCH_RELAY_INFLIGHT;
const relay = await startRelay({
  limits: {
    // Every client of a benchmark comes from 127.0.0.1: that address is everyone.
    ...ONE_HOST_FAIR_SHARES,
    ...(ackDelay ? { sendAckDelayMs: Number(ackDelay) } : {}),
    ...(holdMs ? { holdForAckMs: Number(holdMs) } : {}),
    ...(inflight ? { maxInflightSendsPerSession: Number(inflight) } : {}),
    ...(relayInflight ? { maxRelayInflightSends: Number(relayInflight) } : {}),
    ...(unacked
      ? { maxUnackedDeliveries: Number(unacked), maxUnackedDeliveryBytes: Number(unacked) * 2048 }
      : {}),
  },
  dataDir,
  host: '127.0.0.1',
  port: 0,
  tls: !plain,
  ...(cluster ? { cluster: { servers: cluster.split(',') } } : {}),
});
process.stdout.write(`${JSON.stringify({ port: relay.address.port })}\n`);
// NATTER_BENCH_LOOP=1: on SIGUSR2, print this process's event-loop delay since the last one,
// and where its memory is (RSS, the V8 heap, external and array-buffer bytes).
// Only then: its timer wakes the relay every 5 ms, which cost an idle relay CPU that the
// relay as shipped never spends (about 200 wake-ups a second in every figure before).
const loop = process.env.NATTER_BENCH_LOOP ? monitorEventLoopDelay({ resolution: 5 }) : null;
loop?.enable();
// NATTER_BENCH_PHASE_PROF=FILE: a CPU profile of the relay between the two SIGUSR2s
// that bracket the latency phase (the whole-run profile is NATTER_BENCH_PROF).
const phaseProf = process.env.NATTER_BENCH_PHASE_PROF;
const inspector = phaseProf ? new (await import('node:inspector')).Session() : null;
let profiling = false;
if (inspector) {
  inspector.connect();
  inspector.post('Profiler.enable');
  inspector.post('Profiler.setSamplingInterval', { interval: 200 });
}
/**
 * Where the relay's memory is: RSS, the V8 heap, external and array-buffer bytes, and each
 * V8 space's committed size (used in brackets): the young generation's two semi-spaces
 * against the old generation's room for garbage.
 */
function memory() {
  const mb = (n) => (n / 2 ** 20).toFixed(0);
  const m = process.memoryUsage();
  const spaces = getHeapSpaceStatistics()
    .filter((s) => s.space_size >= 2 ** 20)
    .map((s) => `${s.space_name} ${mb(s.space_size)} (${mb(s.space_used_size)})`)
    .join(', ');
  return `RSS ${mb(m.rss)} MB, V8 heap ${mb(m.heapUsed)} of ${mb(m.heapTotal)} MB, external ${mb(m.external)} MB (array buffers ${mb(m.arrayBuffers)} MB); ${spaces}`;
}
process.on('SIGUSR2', () => {
  if (inspector && phaseProf) {
    if (!profiling) inspector.post('Profiler.start');
    else
      inspector.post('Profiler.stop', (err, res) => {
        if (!err) writeFileSync(phaseProf, JSON.stringify(res.profile));
      });
    profiling = !profiling;
  }
  const ms = (ns) => (ns / 1e6).toFixed(1);
  if (loop) {
    process.stderr.write(
      `relay event loop: p50 ${ms(loop.percentile(50))} ms, p99 ${ms(loop.percentile(99))} ms, max ${ms(loop.max)} ms; memory: ${memory()}\n`,
    );
  }
  loop?.reset();
});
// NATTER_BENCH_MEM=MS: every MS, where the relay's memory is (stderr), to find what holds RSS.
const memEvery = Number(process.env.NATTER_BENCH_MEM ?? 0);
if (memEvery > 0) {
  setInterval(() => process.stderr.write(`relay memory: ${memory()}\n`), memEvery).unref();
}
// NATTER_BENCH_ALLOC_PROF=FILE: V8's sampling heap profiler over the whole run, counting
// objects the young and old collections freed too (what the relay allocates, not what it
// keeps), written to FILE at SIGTERM (a .heapprofile for Chrome's DevTools).
// NATTER_BENCH_ALLOC_PROMOTED=1 leaves out what the young collection freed: what lived long
// enough to be promoted (and what is still live), the old generation's garbage.
const allocProf = process.env.NATTER_BENCH_ALLOC_PROF;
const heap = allocProf ? new (await import('node:inspector')).Session() : null;
if (heap) {
  heap.connect();
  heap.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: process.env.NATTER_BENCH_ALLOC_PROMOTED !== '1',
  });
}
process.on('SIGTERM', () => {
  if (heap && allocProf) {
    heap.post('HeapProfiler.stopSampling', (err, res) => {
      if (!err) writeFileSync(allocProf, JSON.stringify(res.profile));
      void relay.close().then(() => process.exit(0));
    });
    return;
  }
  void relay.close().then(() => process.exit(0));
});
