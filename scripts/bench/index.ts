/**
 * `npm run bench [-- NAME]`: prints figures, asserts nothing (benchmarks are
 * never timed tests). NAME: relay, presence, send-path, groups, files, compare,
 * cluster, logins (default: all).
 */
import { runClusterBench } from './cluster.js';
import { runCompareBench } from './compare.js';
import { runFilesBench } from './files.js';
import { runGroupsBench } from './groups.js';
import { runLoginsBench } from './logins.js';
import { runPresenceBench } from './presence.js';
import { runRelayBench } from './relay.js';

const benches: Record<string, () => Promise<void>> = {
  relay: runRelayBench,
  presence: runPresenceBench,
  // The client's send and receive paths through the built CLI (send-path.mjs runs on import).
  'send-path': async () => {
    await import('./send-path.mjs');
  },
  groups: runGroupsBench,
  files: runFilesBench,
  compare: runCompareBench,
  cluster: runClusterBench,
  logins: runLoginsBench,
};
const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(benches);
for (const name of names) {
  const run = benches[name];
  if (!run) {
    console.error(`unknown benchmark '${name}'; have: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  await run();
}
process.exit(0);
