/**
 * The relay under test, in its own process so it gets its own core, as in real
 * use. Prints {"port": N} once listening; exits cleanly on SIGTERM.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startRelay } from '../../src/relay/index.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: relay-child.ts DATA_DIR');
const relay = await startRelay({ dataDir, host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ port: relay.address.port })}\n`);
// NATTER_BENCH_LOOP=1: on SIGUSR2, print this process's event-loop delay since the last one.
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
process.on('SIGUSR2', () => {
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  if (process.env.NATTER_BENCH_LOOP)
    process.stderr.write(
      `relay event loop: p50 ${ms(loop.percentile(50))} ms, p99 ${ms(loop.percentile(99))} ms, max ${ms(loop.max)} ms\n`,
    );
  loop.reset();
});
process.on('SIGTERM', () => {
  void relay.close().then(() => process.exit(0));
});
