/**
 * The bare anchor for the files benchmark (files.ts): the same three-process shape as
 * sender → relay → receiver, with nothing but Node's sockets in it. One process per
 * role, node builtins only, so its figures are what this machine's loopback, kernel and
 * Node stream plumbing allow before natter adds framing, crypto, disk and acks.
 *
 *   node files-anchor.mjs sink               listens; counts bytes; prints done at BYTES
 *   node files-anchor.mjs forward PORT       listens; pipes each connection to PORT
 *   node files-anchor.mjs source PORT        connects; on "go" (stdin) writes BYTES
 *
 * Every role prints JSON lines on stdout: {"port"} once listening, {"ready"} once the
 * source's connection is up, {"done"} when its part is over, and at the end its own
 * peak RSS ({"peakMb"}, VmHWM from /proc/self/status) and CPU seconds ({"cpuS"}). NATTER_BENCH_ANCHOR_BYTES is the
 * total; NATTER_BENCH_ANCHOR_TLS=CERT,KEY makes every hop TLS 1.3 with that certificate
 * (the forwarder terminates and re-encrypts, as the relay does).
 */
import { randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import tls from 'node:tls';

const [role, portArg] = process.argv.slice(2);
const total = Number(process.env.NATTER_BENCH_ANCHOR_BYTES ?? 2 ** 30);
const tlsFiles = process.env.NATTER_BENCH_ANCHOR_TLS?.split(',');
const credentials = tlsFiles
  ? { cert: readFileSync(tlsFiles[0]), key: readFileSync(tlsFiles[1]) }
  : null;
/** What each write hands the socket: big enough that per-call costs vanish, as natter's 256 KiB chunks. */
const WRITE_BYTES = 1024 * 1024;

const say = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

function peakMb() {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function finish() {
  const { user, system } = process.cpuUsage();
  say({ peakMb: peakMb(), cpuS: (user + system) / 1e6 });
  process.exit(0);
}

const AES128_FIRST = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';

function listen(onSocket) {
  const opts = { noDelay: true };
  const server = credentials
    ? tls.createServer(
        // natter's relay's suite choice (src/crypto/tls-cert.ts TLS13_CIPHERS): AES-128-GCM.
        {
          ...opts,
          ...credentials,
          minVersion: 'TLSv1.3',
          ciphers: AES128_FIRST,
          honorCipherOrder: true,
        },
        onSocket,
      )
    : net.createServer(opts, onSocket);
  server.listen(0, '127.0.0.1', () => say({ port: server.address().port }));
  return server;
}

function connect(port, onConnect) {
  const socket = credentials
    ? tls.connect({ port, host: '127.0.0.1', minVersion: 'TLSv1.3', rejectUnauthorized: false })
    : net.connect({ port, host: '127.0.0.1', noDelay: true });
  socket.once(credentials ? 'secureConnect' : 'connect', () => onConnect(socket));
  return socket;
}

if (role === 'sink') {
  const server = listen((socket) => {
    let got = 0;
    socket.on('data', (chunk) => {
      got += chunk.length;
      if (got >= total) {
        say({ done: true, bytes: got });
        server.close();
        socket.destroy();
        finish();
      }
    });
  });
} else if (role === 'forward') {
  const target = Number(portArg);
  listen((incoming) => {
    incoming.pause();
    connect(target, (outgoing) => {
      incoming.pipe(outgoing);
      incoming.resume();
      outgoing.on('close', finish);
      outgoing.on('error', finish);
    });
  });
} else if (role === 'source') {
  const block = randomFillSync(Buffer.alloc(WRITE_BYTES));
  connect(Number(portArg), (socket) => {
    say({ ready: true });
    const lines = createInterface({ input: process.stdin });
    lines.once('line', () => {
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          const n = Math.min(WRITE_BYTES, total - sent);
          sent += n;
          if (!socket.write(n === WRITE_BYTES ? block : block.subarray(0, n))) {
            socket.once('drain', pump);
            return;
          }
        }
        socket.end(() => {
          say({ done: true, bytes: sent });
          finish();
        });
      };
      pump();
    });
    socket.on('error', finish);
  });
} else {
  console.error('usage: files-anchor.mjs sink | forward PORT | source PORT');
  process.exit(2);
}
