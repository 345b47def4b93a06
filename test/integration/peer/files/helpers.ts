/** Helpers of the file-transfer integration tests: files with known content, and a cuttable proxy. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import type { NatterClient } from '../../../../src/peer/client.js';
import { nextEvent } from '../../../helpers/events.js';
import { makeTempDir } from '../../../helpers/tmp.js';
import type { testWorld } from '../../../helpers/world.js';

/** `size` bytes of a deterministic pattern (different per seed), written to `path`. */
export async function writePattern(path: string, size: number, seed = 1): Promise<string> {
  const b = Buffer.alloc(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  await writeFile(path, b);
  return sha256(b);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of a file, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/**
 * A TCP proxy on 127.0.0.1, port 0, that counts the bytes it forwards up (client to relay)
 * and down, and can cut every connection at once (the client then reconnects through it).
 */
export interface CutProxy {
  readonly host: string;
  readonly port: number;
  readonly up: number;
  readonly down: number;
  /** Calls `fn` once, the first time the bytes forwarded in `direction` pass `bytes`. */
  when(direction: 'up' | 'down', bytes: number, fn: () => void): void;
  cut(): void;
  close(): Promise<void>;
}

export async function startCutProxy(target: { host: string; port: number }): Promise<CutProxy> {
  const sockets = new Set<net.Socket>();
  const count = { up: 0, down: 0 };
  const triggers: { direction: 'up' | 'down'; bytes: number; fn: () => void }[] = [];
  const check = () => {
    for (const t of [...triggers]) {
      if (count[t.direction] >= t.bytes) {
        triggers.splice(triggers.indexOf(t), 1);
        t.fn();
      }
    }
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    const pipe = (from: net.Socket, to: net.Socket, direction: 'up' | 'down') => {
      from.on('data', (chunk: Buffer) => {
        if (to.destroyed) return;
        count[direction] += chunk.length;
        to.write(chunk);
        check();
      });
      from.on('close', () => to.destroy());
    };
    pipe(client, upstream, 'up');
    pipe(upstream, client, 'down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    get up() {
      return count.up;
    },
    get down() {
      return count.down;
    },
    when(direction, bytes, fn) {
      triggers.push({ direction, bytes, fn });
      check();
    },
    cut() {
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * `from` has written to `to` once, and `to` has the message: a file from `from` is then no
 * first contact, so `to`'s auto-accept applies to it (files/offers.ts).
 */
export async function acquainted(from: NatterClient, to: NatterClient): Promise<void> {
  const got = nextEvent(
    to,
    'message:received',
    (m) => m.from.pseudonym === from.me.pseudonym,
    10_000,
  );
  await from.send(to.me.pseudonym, 'hi');
  await got;
}

/** Alice and Bob registered and connected on a new relay of `world`, Bob's downloads in a temp folder. */
export async function filePair(world: ReturnType<typeof testWorld>) {
  const relay = await world.relayOn();
  const alice = await world.client('alice', relay);
  const bob = await world.client('bob', relay);
  await alice.connect();
  await bob.connect();
  const downloads = await makeTempDir('natter-dl-');
  await bob.setFileSettings({ downloadDir: downloads });
  return { relay, alice, bob, downloads };
}

/**
 * Alice connected and Bob registered, then gone, on a new relay of `world`: `bobBack()`
 * opens his profile again (not yet connected); `src` is a temp folder for files to send.
 */
export async function awayPair(world: ReturnType<typeof testWorld>) {
  const relay = await world.relayOn();
  const alice = await world.client('alice', relay);
  const bob = await world.client('bob', relay);
  await bob.connect();
  await bob.close();
  await alice.connect();
  const src = await makeTempDir('natter-src-');
  const profile = (bob as never as { profile: never }).profile;
  return { relay, alice, src, profile, bobBack: () => world.client('bob', relay, { profile }) };
}

/** Alice, Bob and Carol connected on a new relay of `world`, in the group 'team' Alice made. */
export async function fileTeam(world: ReturnType<typeof testWorld>) {
  const relay = await world.relayOn();
  const alice = await world.client('alice', relay);
  const bob = await world.client('bob', relay);
  const carol = await world.client('carol', relay);
  await Promise.all([alice.connect(), bob.connect(), carol.connect()]);
  const created = nextEvent(carol, 'group:changed');
  const group = await alice.createGroup('team', ['bob', 'carol']);
  await created;
  return { relay, alice, bob, carol, group };
}

/**
 * Alice through a proxy that can cut her link, Bob direct, on a new relay of `world`;
 * acquainted, Bob auto-accepts from Alice into a temp folder; `src` a temp folder for files
 * to send. The proxy is pushed on `proxies` for the test file's afterEach to close.
 */
export async function proxiedSender(world: ReturnType<typeof testWorld>, proxies: CutProxy[]) {
  const relay = await world.relayOn();
  const proxy = await startCutProxy(relay);
  proxies.push(proxy);
  const alice = await world.client('alice', { ...relay, host: proxy.host, port: proxy.port });
  const bob = await world.client('bob', relay);
  await Promise.all([alice.connect(), bob.connect()]);
  const downloads = await makeTempDir('natter-dl-');
  await acquainted(alice, bob);
  await bob.setFileSettings({ downloadDir: downloads, autoAcceptFrom: ['alice'] });
  const src = await makeTempDir('natter-src-');
  return { relay, proxy, alice, bob, downloads, src };
}
