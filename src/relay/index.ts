export type { ClusterOptions } from './cluster/connection.js';
export { replicasText } from './cluster/replicas.js';
export { mixedSchemes, parseClusterServers } from './cluster/servers.js';
export { ONE_HOST_FAIR_SHARES } from './fair-limits.js';
export type { RelayLimits } from './limits.js';
export { DEFAULT_RELAY_LIMITS, DEFAULT_RELAY_PORT } from './limits.js';
export type { RelayOptions, RunningRelay } from './relay-options.js';
export { startRelay } from './start.js';
export { fsWords } from './store/open-cause.js';
