/**
 * Clients and relays that a test starts and closes together: clients reconnect
 * fast (20 ms doubling to 100 ms), and closeAll() closes every client, then
 * every relay.
 */
import type { NatterClient } from '../../src/peer/index.js';
import { makeClient } from './profile.js';
import { startTestRelay, type TestRelay } from './relay.js';

export function testWorld() {
  const clients: NatterClient[] = [];
  const relays: TestRelay[] = [];
  const fast = { reconnect: { baseMs: 20, maxMs: 100 } };
  return {
    async client(name: string, relay: TestRelay, options: Parameters<typeof makeClient>[2] = {}) {
      const c = await makeClient(name, relay, { ...fast, ...options });
      clients.push(c);
      return c;
    },
    /** A client made another way, closed with the rest. */
    adopt(c: NatterClient): NatterClient {
      clients.push(c);
      return c;
    },
    async relayOn(options: Parameters<typeof startTestRelay>[0] = {}) {
      const r = await startTestRelay(options);
      relays.push(r);
      return r;
    },
    async closeAll() {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await Promise.all(relays.splice(0).map((r) => r.close()));
    },
  };
}
