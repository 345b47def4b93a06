/**
 * The bare relay of the side-by-side benchmark (compare.ts): what routing alone costs
 * in Node, with nothing else. Frames are u32 BE length || body. A client's first frame
 * is its id (u32 BE); each later frame is u32 BE recipient id || payload, and is written
 * as it is, length included, to the recipient's socket. No store, no acks, no checks.
 * Usage: bare-relay.mjs [CERT KEY] (TLS 1.3 with them). Prints {"port": N}.
 */

import { readFrames, serve } from './bare-frames.mjs';

const [certPath, keyPath] = process.argv.slice(2);
const clients = new Map();

function onConnection(socket) {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  let id = -1;
  readFrames(socket, (buf, i, end) => {
    if (id < 0) {
      id = buf.readUInt32BE(i + 4);
      clients.set(id, socket);
    } else clients.get(buf.readUInt32BE(i + 4))?.write(buf.subarray(i, end));
  });
  socket.on('close', () => {
    if (clients.get(id) === socket) clients.delete(id);
  });
}

serve(onConnection, certPath, keyPath);
process.on('SIGTERM', () => process.exit(0));
