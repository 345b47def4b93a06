/**
 * An in-memory LAN for presence unit tests: PresenceTransports that deliver to
 * each other asynchronously, like UDP, with no sockets.
 */
import type { OpenTransport, PresenceTransport } from '../../src/presence/transport.js';

/**
 * An in-memory LAN: every broadcast reaches every open transport (the sender's
 * own included, as real broadcast does); a unicast reaches the transport whose
 * outgoing address and port it names. Deliveries are asynchronous, like UDP.
 */
export class MemoryLan {
  private nodes: {
    address: string;
    port: number;
    receive: (b: Uint8Array, a: string, p: number) => void;
    open: boolean;
  }[] = [];
  private nextPort = 50000;
  unicasts = 0;

  at(address: string): OpenTransport {
    return async (_options, onDatagram) => {
      const node = {
        address,
        port: this.nextPort++,
        receive: (bytes: Uint8Array, from: string, port: number) =>
          onDatagram({ bytes, address: from, port }),
        open: true,
      };
      this.nodes.push(node);
      const deliver = (bytes: Uint8Array, to: typeof this.nodes) =>
        queueMicrotask(() => {
          for (const n of to) if (n.open) n.receive(bytes, node.address, node.port);
        });
      const transport: PresenceTransport = {
        broadcast: async (bytes) => deliver(bytes, this.nodes),
        sendTo: async (bytes, to, port) => {
          this.unicasts++;
          deliver(
            bytes,
            this.nodes.filter((n) => n.address === to && n.port === port),
          );
        },
        close: async () => {
          node.open = false;
        },
      };
      return transport;
    };
  }

  /** Inject raw bytes as if sent from `address`. */
  inject(bytes: Uint8Array, address: string, port: number): void {
    for (const n of this.nodes) if (n.open) n.receive(bytes, address, port);
  }
}
