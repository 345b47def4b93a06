/**
 * The two men in the middle of issue 10, on loopback: a proxy that only forwards
 * (and records, and may alter) the bytes between a client and the relay, and one
 * that terminates the client's TLS with its own key and opens its own TLS channel
 * to the real relay, forwarding the cleartext frames both ways.
 */
import net from 'node:net';
import tls from 'node:tls';
import { generateSigningKeyPair } from '../../src/crypto/sign.js';
import { relayCertificate, TLS_VERSION } from '../../src/crypto/tls-cert.js';
import { decodeFrame } from '../../src/wire/codec.js';
import { FrameDecoder } from '../../src/wire/framing.js';
import { MAX_FRAME_BYTES } from '../../src/wire/limits.js';
import type { Frame } from '../../src/wire/types.js';
import { connectRelayTls } from './raw-client.js';

export type Direction = 'up' | 'down';

export interface ByteProxy {
  readonly host: string;
  readonly port: number;
  /** Every byte forwarded so far, client to relay ('up') and back ('down'), in order. */
  bytes(direction?: Direction): Buffer;
  /** Flips one bit in the next chunk forwarded in `direction` (on every connection). */
  alterNext(direction: Direction): void;
  /** Connections opened through the proxy so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1, port 0, to `target`: sees (and may alter) only what crosses it. */
export async function startByteProxy(target: { host: string; port: number }): Promise<ByteProxy> {
  const seen: Record<Direction, Buffer[]> = { up: [], down: [] };
  const alter: Record<Direction, boolean> = { up: false, down: false };
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const forward = (from: net.Socket, to: net.Socket, direction: Direction) => {
    from.on('data', (chunk: Buffer) => {
      let out = chunk;
      if (alter[direction]) {
        alter[direction] = false;
        out = Buffer.from(chunk);
        // Past the 5-byte record header: the ciphertext (or its tag) of a TLS record.
        const at = Math.min(out.length - 1, 7);
        out[at] = (out[at] ?? 0) ^ 0x01;
      }
      seen[direction].push(Buffer.from(out));
      to.write(out);
    });
    from.on('end', () => to.end());
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    forward(client, upstream, 'up');
    forward(upstream, client, 'down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    bytes: (direction) => Buffer.concat(direction ? seen[direction] : [...seen.up, ...seen.down]),
    alterNext: (direction) => {
      alter[direction] = true;
    },
    get connections() {
      return connections;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface TerminatingProxy {
  readonly host: string;
  readonly port: number;
  /** The key of the proxy's own TLS certificate (not the relay's). */
  readonly key: Uint8Array;
  /** Frames that clients sent to the proxy, in cleartext (the proxy terminates their TLS). */
  readonly fromClients: Frame[];
  close(): Promise<void>;
}

/**
 * A TLS server on 127.0.0.1, port 0, with a certificate for its own Ed25519 key, that
 * opens its own TLS channel to the relay for each client and forwards the cleartext both
 * ways, untouched: the Challenge it forwards is the relay's own, and so is its signature.
 */
export async function startTerminatingProxy(target: {
  host: string;
  port: number;
}): Promise<TerminatingProxy> {
  const own = generateSigningKeyPair();
  const credentials = await relayCertificate(own);
  const fromClients: Frame[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    { ...credentials, minVersion: TLS_VERSION, maxVersion: TLS_VERSION },
    (client) => {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      client.on('error', () => {});
      client.pause();
      const decoder = new FrameDecoder(MAX_FRAME_BYTES);
      connectRelayTls(target.port, target.host).then(
        ({ socket: upstream }) => {
          sockets.add(upstream);
          upstream.on('close', () => {
            sockets.delete(upstream);
            client.destroy();
          });
          client.on('close', () => upstream.destroy());
          client.on('data', (chunk: Buffer) => {
            for (const bytes of decoder.push(chunk)) fromClients.push(decodeFrame(bytes));
            upstream.write(chunk);
          });
          upstream.on('data', (chunk: Buffer) => client.write(chunk));
          client.resume();
        },
        () => client.destroy(),
      );
    },
  );
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    key: own.publicKey,
    fromClients,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
