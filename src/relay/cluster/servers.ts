/**
 * The --cluster URL list as the CLI reads it, without the NATS client: `natter relay`
 * checks it before the relay (and the cluster's modules, loaded only for a cluster:
 * cluster/parts.ts) is loaded.
 */

/** NATS_URL-style lists: comma-separated, blanks dropped. */
export function parseClusterServers(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * What is wrong with a list that mixes tls:// with nats:// (or bare host:port) URLs, or
 * null: the library takes one TLS setting for all its servers, so it is not guessed at.
 */
export function mixedSchemes(servers: readonly string[]): string | null {
  const tls = servers.filter((s) => /^tls:\/\//i.test(s)).length;
  if (tls === 0 || tls === servers.length) return null;
  return 'mixes tls:// and nats:// URLs: use tls:// for every NATS server (TLS), or nats:// for all';
}
