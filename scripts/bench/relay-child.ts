/**
 * The relay under test, in its own process so it gets its own core, as in real
 * use. Prints {"port": N} once listening; exits cleanly on SIGTERM.
 */
import { startRelay } from '../../src/relay/index.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: relay-child.ts DATA_DIR');
const relay = await startRelay({ dataDir, host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ port: relay.address.port })}\n`);
process.on('SIGTERM', () => {
  void relay.close().then(() => process.exit(0));
});
