/**
 * The acking bare relay of the side-by-side benchmark (compare.ts): bare-relay.mjs with
 * natter's two acknowledgements and nothing else (no store, no checks, no crypto but
 * TLS), so that it pays natter's four socket events a message: the send read, the
 * delivery written, the recipient's ack read, the sender's ack written. The anchor for
 * what that protocol costs in Node, beside what natter's own work adds.
 * Frames as bare-relay.mjs, u32 BE length || body. A client's first frame is its id
 * (u32 BE); later ones are a message, u32 BE recipient || payload, written to the
 * recipient as it is (its sender is the connection it came on); or an ack, u32 BE ACK || u32 BE count:
 * the recipient has its `count` oldest deliveries, and each one's sender is sent
 * u32 BE 4 || u32 BE ACK. What one turn writes to a socket leaves in one write, as
 * natter's relay writes (cork, uncork on setImmediate).
 * Usage: bare-ack-relay.mjs [CERT KEY] (TLS 1.3 with them). Prints {"port": N}.
 */

import { readFrames, serve } from './bare-frames.mjs';

const ACK = 0xffffffff;
const [certPath, keyPath] = process.argv.slice(2);
const clients = new Map();
/** Per recipient id: the senders of its deliveries not yet acked, oldest first. */
const unacked = new Map();
const sendAck = Buffer.from([0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff]);
const corked = [];

function write(socket, buf) {
  if (!socket.writableCorked) {
    socket.cork();
    if (corked.push(socket) === 1) setImmediate(uncorkAll);
  }
  socket.write(buf);
}

function uncorkAll() {
  for (const s of corked.splice(0)) s.uncork();
}

function onConnection(socket) {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  let id = -1;
  readFrames(socket, (buf, i, end) => {
    if (id < 0) {
      id = buf.readUInt32BE(i + 4);
      clients.set(id, socket);
      unacked.set(id, []);
      return;
    }
    const to = buf.readUInt32BE(i + 4);
    if (to === ACK) {
      const senders = unacked.get(id);
      for (const s of senders.splice(0, buf.readUInt32BE(i + 8))) {
        const sender = clients.get(s);
        if (sender) write(sender, sendAck);
      }
      return;
    }
    const recipient = clients.get(to);
    if (!recipient) return;
    unacked.get(to).push(id);
    write(recipient, buf.subarray(i, end));
  });
  socket.on('close', () => {
    if (clients.get(id) === socket) clients.delete(id);
  });
}

serve(onConnection, certPath, keyPath);
process.on('SIGTERM', () => process.exit(0));
