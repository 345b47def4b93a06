/** Real-UDP presence test helpers: a fresh shared port per test, loopback broadcast only. */
import { createSocket } from 'node:dgram';
import { generateIdentity } from '../../../src/crypto/index.js';
import { Beacon, type BeaconOptions } from '../../../src/presence/beacon.js';
import type { RosterChange } from '../../../src/presence/roster.js';

/**
 * A UDP port that is free right now, chosen by the kernel rather than guessed,
 * so concurrent test runs do not share a presence port.
 */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '0.0.0.0', () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Options that keep a test beacon on loopback: never spray the real LAN. */
export function loopback(port: number): BeaconOptions {
  return { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
}

export interface Started {
  beacon: Beacon;
  changes: RosterChange[];
}

export class BeaconSet {
  private readonly all: Beacon[] = [];

  constructor(readonly port: number) {}

  async start(name: string | null, extra: Partial<BeaconOptions> = {}): Promise<Started> {
    const beacon = new Beacon({
      ...loopback(this.port),
      ...(name === null ? {} : { identity: generateIdentity(), pseudonym: name }),
      ...extra,
    });
    const changes: RosterChange[] = [];
    beacon.on('roster:change', (c) => changes.push(c));
    this.all.push(beacon);
    await beacon.start();
    return { beacon, changes };
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((b) => b.stop()));
  }
}

/** Resolves with the elapsed ms once `predicate` holds; rejects after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (predicate()) return performance.now() - start;
    if (performance.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const names = (b: Beacon) => b.list().map((i) => i.pseudonym);
