/**
 * What the bare relays (bare-relay.mjs, bare-js-relay.mjs) share: their framing, u32 BE
 * length || body, and their listening socket.
 */

import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

/**
 * Calls `onFrame(buf, start, end)` for each whole frame read from `socket`, in order;
 * `buf.subarray(start, end)` is the frame with its length.
 */
export function readFrames(socket, onFrame) {
  let pend = null;
  socket.on('data', (chunk) => {
    const buf = pend === null ? chunk : Buffer.concat([pend, chunk]);
    let i = 0;
    while (buf.length - i >= 4) {
      const end = i + 4 + buf.readUInt32BE(i);
      if (end > buf.length) break;
      onFrame(buf, i, end);
      i = end;
    }
    pend = i < buf.length ? buf.subarray(i) : null;
  });
}

/** Listens on 127.0.0.1, port 0: TLS 1.3 (AES-128-GCM) with CERT and KEY given, plain TCP without; prints {"port": N}. */
export function serve(onConnection, certPath, keyPath) {
  const server = certPath
    ? tls.createServer(
        {
          cert: readFileSync(certPath),
          key: readFileSync(keyPath),
          minVersion: 'TLSv1.3',
          // natter's relay's suites and choice (src/crypto/tls-cert.ts TLS13_CIPHERS), as
          // nats-server's Go TLS picks AES-128-GCM too: the anchors encrypt like natter.
          ciphers: 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
          honorCipherOrder: true,
        },
        onConnection,
      )
    : net.createServer(onConnection);
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
  });
}
