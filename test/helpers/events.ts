/** Waiting for one event of a client core, for integration tests. */
import type { NatterClient, PeerEventMap } from '../../src/peer/index.js';

/** The next `name` event that passes `test`; rejects after `timeoutMs`. */
export function nextEvent<K extends keyof PeerEventMap>(
  client: NatterClient,
  name: K,
  test: (e: PeerEventMap[K]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<PeerEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${name} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const off = client.on(name, (e) => {
      if (!test(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}
