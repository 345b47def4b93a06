/**
 * The relay bench's clients (relay.ts), shared by the main thread and the generator's
 * worker threads (relay-load-worker.ts): peers in a ring (client i sends to client i+1),
 * pre-sealed Sends stamped with their send time, acks every 10 ms as the real client does, saturation and the open-loop latency phase.
 *
 * Send times are read from `clock()`, the machine's monotonic clock in ms: the same in every
 * thread, so a message sent from one worker's peer and read by another's has a true latency.
 */
import { BoxKeyring } from '../../src/crypto/box.js';
import type { Identity } from '../../src/crypto/keys.js';
import { randomBytes } from '../../src/crypto/random.js';
import { MAX_SENDS_IN_FLIGHT } from '../../src/peer/messaging/outcomes.js';
import { CLIENT_FEATURES } from '../../src/wire/limits.js';
import { RawClient } from '../../test/helpers/raw-client.js';
import {
  checkDeliverAck,
  FRAME_SEND_ACK,
  keptCode,
  Peek,
  type SendTemplate,
  StaggeredAcks,
  sendTemplate,
  stamp,
  TickWriter,
} from './lean-wire.js';
import { offerPaced, sleep } from './util.js';

const PLAINTEXT_BYTES = 200;
// performance.now() counts from each thread's own start; the offset puts it on the
// process-wide monotonic clock (hrtime), so stamps compare across threads.
const OFFSET_MS = Number(process.hrtime.bigint()) / 1e6 - performance.now();
export const clock = (): number => performance.now() + OFFSET_MS;

export interface Peer {
  client: RawClient;
  /** Send to the next peer, pre-sealed: the relay cannot tell it from a fresh one. */
  send: SendTemplate;
  inflight: number;
  onAck?: () => void;
}

/** Where the relay listens, and whether over plain TCP (the baseline) rather than TLS. */
export interface RelayAddress {
  port: number;
  plain: boolean;
}

/** The public half of a peer's identity: what a sender needs to seal to it. */
export type Recipient = Pick<Identity, 'boxPk' | 'signPk'>;

const writer = new TickWriter();
// A message id carries its send time (float64 ms) and a counter: unique, and the
// receiver reads the latency from the id itself; no random bytes, no lookup table.
let idCounter = 0;

export function sendOne(p: Peer, owedAt = clock()): void {
  p.inflight++;
  writer.write(p.client.socket, stamp(p.send, owedAt, idCounter++));
}

/**
 * In the open-loop phases a peer with this many sends in flight keeps what it owes queued
 * (stamped with the time it was owed) until an ack frees a slot, as natter's client keeps
 * its sends unanswered to MAX_SENDS_IN_FLIGHT. NATTER_BENCH_PACE_WINDOW=N another window;
 * 0: every send written when owed, however far the relay is behind (the bench before the
 * client had a window), so a peer's acks wait behind its own unread sends.
 */
const PACE_WINDOW = Number(process.env.NATTER_BENCH_PACE_WINDOW ?? MAX_SENDS_IN_FLIGHT);

/** A number no other use of the counter in this thread has taken (flooders' names). */
export const nextCounter = (): number => idCounter++;

export function templateTo(boxSk: Uint8Array, to: Recipient): SendTemplate {
  const sealed = new BoxKeyring(boxSk).seal(to.boxPk, randomBytes(PLAINTEXT_BYTES));
  return sendTemplate(to.signPk, sealed.nonce, sealed.ciphertext);
}

/**
 * Logs in (or registers) `ids` under `names`, 50 at a time; peer j sends to `next[j]`.
 */
export async function connectPeers(
  relay: RelayAddress,
  ids: Identity[],
  names: string[],
  next: Recipient[],
  mode: 'register' | 'login',
): Promise<Peer[]> {
  const peers: Peer[] = [];
  for (let i = 0; i < ids.length; i += 50) {
    const batch = ids.slice(i, i + 50).map(async (id, j) => {
      const { client } = await RawClient.login(relay.port, id, names[i + j]!, mode, {
        plain: relay.plain,
        features: CLIENT_FEATURES,
      });
      client.keep = false;
      return client;
    });
    const clients = await Promise.all(batch);
    clients.forEach((client, j) => {
      peers.push({ client, send: templateTo(ids[i + j]!.boxSk, next[i + j]!), inflight: 0 });
    });
  }
  return peers;
}

interface Probes {
  /** Send to delivery, per delivered message, and when it was read (`clock()`). */
  delivered?: (latencyMs: number, now: number) => void;
  /** Send to the sender's durable ack. */
  stored?: (latencyMs: number) => void;
}

/**
 * Wires acks and deliveries; returns counters and a stop function for the ack clock (each
 * peer acks what it got every ACK_EVERY_MS, on its own phase: StaggeredAcks, as the compare
 * fleet does).
 */
export function instrument(peers: Peer[], probes: Probes = {}) {
  checkDeliverAck();
  const counters = { delivered: 0, acked: 0, refused: 0 };
  const acks = new StaggeredAcks(peers.length, (i, ack) =>
    writer.write(peers[i]!.client.socket, ack),
  );
  const peek = new Peek();
  peers.forEach((p, i) => {
    p.client.onRawFrame = (bytes) => {
      if (!peek.read(bytes)) return false;
      const now = clock();
      const sentAtMs = peek.f64(bytes, peek.idAt);
      if (peek.kind === FRAME_SEND_ACK) {
        p.inflight--;
        if (keptCode(peek.code)) {
          counters.acked++;
          probes.stored?.(now - sentAtMs);
        } else counters.refused++;
        p.onAck?.();
      } else {
        counters.delivered++;
        probes.delivered?.(now - sentAtMs, now);
        acks.owed[i]!.push(peek.seq);
      }
      return true;
    };
  });
  const timer = setInterval(() => acks.tick(), 1);
  return {
    counters,
    stop: () => {
      clearInterval(timer);
      acks.flush();
    },
  };
}

/**
 * Logs `id` in on a new connection and counts (and acks) every delivery to it, the first
 * ones too: counting starts before the login, because the relay's first deliveries can
 * come in the same read as the Ready, and RawClient hands a read's frames out before the
 * login's caller runs again. Counting after the login, the drain lost the 148 that fit in
 * one 64 KiB read behind the Ready and its roster on a loaded machine, unacked, and waited
 * its 120 s for them (docs/decisions.md, "A drain that stopped short").
 */
export async function loginCounting(
  relay: RelayAddress,
  id: Identity,
  name: string,
  send: SendTemplate,
): Promise<{ client: RawClient } & ReturnType<typeof instrument>> {
  const client = await RawClient.connect(relay.port, { plain: relay.plain });
  client.keep = false;
  const counting = instrument([{ client, send, inflight: 0 }]);
  try {
    await client.logIn(id, name, 'login');
  } catch (err) {
    counting.stop();
    client.close();
    throw err;
  }
  return { client, ...counting };
}

/** What one open-loop phase saw: every latency, unsorted. */
export interface PacedRaw {
  sent: number;
  elapsedMs: number;
  delivered: number[];
  stored: number[];
}

/**
 * `rate` messages a second for `seconds` from `peers` in turn, open loop (every 5 ms tick
 * sends what the elapsed time owes, so a late timer does not lower the rate); then half a
 * second for the last ones to arrive. With `startAt` (a `clock()` time), the peers read and
 * ack from now on but send from then: workers given the same start all listen before any sends.
 */
export async function pace(
  peers: Peer[],
  rate: number,
  seconds: number,
  startAt?: number,
): Promise<PacedRaw> {
  const delivered: number[] = [];
  const stored: number[] = [];
  const { stop } = instrument(peers, {
    delivered: (ms) => delivered.push(ms),
    stored: (ms) => stored.push(ms),
  });
  if (startAt !== undefined) await sleep(Math.max(0, startAt - clock()));
  const owed = peers.map(() => [] as number[]);
  if (PACE_WINDOW > 0) {
    peers.forEach((p, i) => {
      p.onAck = () => {
        const at = owed[i]!.shift();
        if (at !== undefined) sendOne(p, at);
      };
    });
  }
  const { sent, elapsedMs } = await offerPaced(rate, seconds, (n) => {
    const i = n % peers.length;
    const p = peers[i]!;
    if (PACE_WINDOW > 0 && p.inflight >= PACE_WINDOW) owed[i]!.push(clock());
    else sendOne(p);
  });
  // What the window queued goes out as acks come (a minute at most: a peer that lost its link).
  for (const until = clock() + 60_000; owed.some((q) => q.length > 0) && clock() < until; ) {
    await sleep(50);
  }
  await sleep(500);
  stop();
  for (const p of peers) delete p.onAck;
  return { sent, elapsedMs, delivered, stored };
}

/**
 * Saturation: from `startAt` (a `clock()` time) every peer keeps `window` sends in flight
 * (each stored ack frees a slot) for `warmupMs` and then `seconds`; returns the deliveries
 * its peers read in that last window, once everything in flight has come back.
 */
export async function saturate(
  peers: Peer[],
  window: number,
  startAt: number,
  warmupMs: number,
  seconds: number,
): Promise<number> {
  const from = startAt + warmupMs;
  const to = from + seconds * 1000;
  let counted = 0;
  let running = true;
  const { stop } = instrument(peers, {
    delivered: (_ms, now) => {
      if (now >= from && now < to) counted++;
    },
  });
  await sleep(Math.max(0, startAt - clock()));
  for (const p of peers) {
    p.onAck = () => {
      if (running) sendOne(p);
    };
    for (let i = 0; i < window; i++) sendOne(p);
  }
  await sleep(Math.max(0, to - clock()));
  running = false;
  while (peers.some((p) => p.inflight > 0)) await sleep(50);
  await sleep(300);
  stop();
  for (const p of peers) delete p.onAck;
  return counted;
}
