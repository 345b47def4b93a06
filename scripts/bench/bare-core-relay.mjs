/**
 * The cluster bench's bare relay over core NATS (cluster.ts): an anchor for issue 15's
 * CPU floor, which sets the CPU of two relays with half the traffic crossing beside one
 * relay's. bare-relay.mjs's framing and routing, with a message for a client on this
 * relay written to its socket at once and one for a client elsewhere published on core
 * NATS to `bare.<recipient>`, which the relay that client is on subscribes to: the least
 * a crossing message can cost two Node relays on NATS, as natter's relays push held mail
 * to another relay (cluster/held-mail.ts). Nothing else: no checks, no acks, nothing stored.
 * Usage: bare-core-relay.mjs NATS_URL [CERT KEY] (TLS 1.3 with them). Prints {"port": N}.
 */

import { connect } from '@nats-io/transport-node';
import { readFrames, serve } from './bare-frames.mjs';

const [natsUrl, certPath, keyPath] = process.argv.slice(2);
const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
/** This relay's clients by id. */
const local = new Map();

function onConnection(socket) {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  let id = -1;
  let sub = null;
  socket.once('close', () => {
    sub?.unsubscribe();
    if (local.get(id) === socket) local.delete(id);
  });
  readFrames(socket, (buf, i, end) => {
    if (id < 0) {
      id = buf.readUInt32BE(i + 4);
      local.set(id, socket);
      sub = nc.subscribe(`bare.${id}`, { callback: (err, m) => err || socket.write(m.data) });
      return;
    }
    const to = buf.readUInt32BE(i + 4);
    const there = local.get(to);
    if (there) there.write(buf.subarray(i, end));
    else nc.publish(`bare.${to}`, buf.subarray(i, end));
  });
}

serve(onConnection, certPath, keyPath);
process.on('SIGTERM', () => void nc.close().finally(() => process.exit(0)));
