/**
 * Clients and relays that a test starts and closes together: clients reconnect
 * fast (20 ms doubling to 100 ms), and closeAll() closes every client, then
 * every relay, after undoing what forge() rewrote.
 */
import type { NatterClient } from '../../src/peer/index.js';
import { type FrameRewrite, forgeRelayFrames } from './forging-relay.js';
import { makeClient } from './profile.js';
import { startTestRelay, type TestRelay } from './relay.js';

export function testWorld() {
  const clients: NatterClient[] = [];
  const relays: TestRelay[] = [];
  const forges: (() => void)[] = [];
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
    /** Rewrites what every relay sends (forging-relay.ts) until undone or closeAll(); the undo. */
    forge(rewrite: FrameRewrite): () => void {
      const undo = forgeRelayFrames(rewrite);
      forges.push(undo);
      return undo;
    },
    async closeAll() {
      for (const undo of forges.splice(0).reverse()) undo();
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await Promise.all(relays.splice(0).map((r) => r.close()));
    },
  };
}
