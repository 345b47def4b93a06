/**
 * One thread of the relay bench's load generator (relay.ts, NATTER_BENCH_GEN_WORKERS): it
 * logs in its share of the ring's peers and runs the saturation and open-loop latency
 * phases for them, at its share of the rate, on its own event loop and its own heap. Real
 * clients each have a machine; one generator process for all of them makes every client
 * wait out each of its garbage collections at once, and the burst that follows is then in
 * every latency (docs/decisions.md, "The half-load ceiling with anchors").
 *
 * Messages: in workerData a WorkerInit; in, ToWorker; out, {ready}, then a PacedRaw per run
 * and {delivered} per saturation.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Identity } from '../../src/crypto/keys.js';
import {
  connectPeers,
  type Peer,
  pace,
  type Recipient,
  type RelayAddress,
  saturate,
} from './relay-load.js';

export interface WorkerInit {
  relay: RelayAddress;
  ids: Identity[];
  names: string[];
  next: Recipient[];
}

export type ToWorker =
  | { type: 'run'; rate: number; seconds: number; startAt: number }
  | { type: 'saturate'; window: number; startAt: number; warmupMs: number; seconds: number }
  | { type: 'close' };

const port = parentPort;
if (port === null) throw new Error('bench: relay-load-worker runs as a worker thread');
const init = workerData as WorkerInit;
const peers: Peer[] = await connectPeers(init.relay, init.ids, init.names, init.next, 'login');
port.on('message', (m: ToWorker) => {
  if (m.type === 'close') {
    for (const p of peers) p.client.close();
    port.close();
    return;
  }
  if (m.type === 'saturate') {
    void saturate(peers, m.window, m.startAt, m.warmupMs, m.seconds).then((delivered) =>
      port.postMessage({ delivered }),
    );
  } else void pace(peers, m.rate, m.seconds, m.startAt).then((raw) => port.postMessage(raw));
});
port.postMessage({ type: 'ready' });
