/**
 * The cluster bench's bare relay on JetStream (cluster.ts): an anchor with a relay in
 * it, for issue 15's light-load p99. bare-relay.mjs's framing and routing, with every
 * message going through nats-server's JetStream the way natter's relays send theirs: a
 * publish to the recipient's subject, awaited for the store's ack, and one ordered
 * consumer per connected client, whose messages are written to its socket as stored.
 * Several of these on one nats-server route between them, as natter's relays do.
 * Nothing else: no checks, no acks to clients, no deletes, no order kept between one
 * sender's publishes (natter keeps it per conversation).
 * Usage: bare-js-relay.mjs NATS_URL [CERT KEY] (TLS 1.3 with them, as natter's clients
 * talk to natter's relays in the cluster bench). Prints {"port": N}.
 */

import { DeliverPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { readFrames, serve } from './bare-frames.mjs';

const STREAM = 'BARE';
const [natsUrl, certPath, keyPath] = process.argv.slice(2);
const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
const js = jetstream(nc);
const jsm = await jetstreamManager(nc);
// The other relay may have made it first, with the same settings.
await jsm.streams
  .add({ name: STREAM, subjects: ['bare.*'], storage: StorageType.File })
  .catch(() => {});

async function read(socket, id) {
  const consumer = await js.consumers.get(STREAM, {
    filter_subjects: `bare.${id}`,
    deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume({ max_messages: 256 });
  socket.once('close', () => void messages.close());
  for await (const m of messages) socket.write(m.data);
}

function onConnection(socket) {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  let id = -1;
  readFrames(socket, (buf, i, end) => {
    if (id < 0) {
      id = buf.readUInt32BE(i + 4);
      void read(socket, id).catch(() => socket.destroy());
    } else {
      // Stored as received (length and recipient included), written out as stored.
      void js.publish(`bare.${buf.readUInt32BE(i + 4)}`, buf.subarray(i, end)).catch(() => {});
    }
  });
}

serve(onConnection, certPath, keyPath);
process.on('SIGTERM', () => void nc.close().finally(() => process.exit(0)));
