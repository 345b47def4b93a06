/**
 * The presence socket owner: the only presence module that imports dgram
 * (DESIGN.md §5, issue 3).
 *
 * Two UDP sockets per beacon. The listening socket binds the shared presence
 * port with SO_REUSEADDR so every natter process on a host hears broadcasts;
 * but the kernel hands a unicast datagram for a shared port to one socket
 * only, so replies could not reach a particular process there. Everything is
 * therefore sent from a second socket on an ephemeral port, which makes each
 * process's source port unique and the unicast reply lands where it should.
 */
import type { RemoteInfo } from 'node:dgram';
import { DgramAsPromised } from 'dgram-as-promised';
import { describeError } from '../util/errors.js';
import { PresenceCode, presenceError } from './errors.js';
import type { OpenTransport } from './transport.js';

/** The UDP implementation of PresenceTransport. Rejects with E_PRESENCE_BIND if a bind fails. */
export const openPresenceSocket: OpenTransport = async (options, onDatagram) => {
  const log = options.logger;
  const listen = DgramAsPromised.createSocket({ type: 'udp4', reuseAddr: true });
  const out = DgramAsPromised.createSocket({ type: 'udp4' });
  // Receive through 'message' events: dgram-as-promised's recv() loop loses
  // datagrams that arrive while the loop body is awaiting.
  const onMessage = (msg: Buffer, rinfo: RemoteInfo) =>
    onDatagram({ bytes: msg, address: rinfo.address, port: rinfo.port });
  for (const s of [listen, out]) {
    s.socket.on('message', onMessage);
    s.socket.on('error', (err) => log.warn('presence: socket error', describeError(err)));
  }
  let closed: Promise<void> | null = null;
  const close = () => {
    closed ??= Promise.allSettled([listen.close(), out.close()]).then(() => undefined);
    return closed;
  };
  let step = `${options.bindAddress}:${options.port}`;
  try {
    await listen.bind({ port: options.port, address: options.bindAddress });
    step = `${options.sendAddress} (sending socket)`;
    await out.bind({ port: 0, address: options.sendAddress });
    listen.setBroadcast(true);
    out.setBroadcast(true);
  } catch (err) {
    await close();
    throw presenceError(PresenceCode.PresenceBind, `presence: cannot bind UDP ${step}`, {
      cause: err,
    });
  }
  const sendTo = async (bytes: Uint8Array, address: string, port: number) => {
    try {
      await out.send(bytes, port, address);
    } catch (err) {
      // Unreachable networks and vanished interfaces are normal on laptops.
      log.debug('presence: send failed', { address, port, ...describeError(err) });
    }
  };
  return {
    sendTo,
    broadcast: async (bytes) => {
      await Promise.all(options.targets().map((t) => sendTo(bytes, t, options.port)));
    },
    close,
  };
};
