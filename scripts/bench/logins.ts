/**
 * `npm run bench -- logins`: a login storm, what a relay restarted under many users sees.
 * N users register once and leave; then all of them log in again, 50 at a time as they
 * come back, and each is sent the roster of everyone online, and told of everyone who
 * comes after (relay/roster-out.ts). The relay runs as compiled (TLS 1.3, build/).
 *
 * Prints, for the storm: the time until every client has logged in and read its last
 * roster byte, each login's wait for its Ready, the relay's CPU (all threads) in all and
 * per login, the relay's RSS at its highest during the storm (sampled every 100 ms) and
 * after, the roster bytes a client read on average, and how many sessions the relay
 * closed, with the code each was sent (budgets shed the largest holders when the relay
 * holds too much). Asserts nothing.
 *
 * Switches: NATTER_BENCH_LOGINS=2000 (users; a list, e.g. 500,2000, runs each on a fresh
 * relay); NATTER_BENCH_LOGINS_LONG=1: every roster entry at its longest (a 32-character
 * name, and a signed status of 80 four-byte characters set as each user logs in again:
 * about 570 bytes an entry, where short names make about 145).
 */
import { generateIdentity } from '../../src/crypto/keys.js';
import { signStatus } from '../../src/crypto/status.js';
import { decodeFrame } from '../../src/wire/codec.js';
import {
  CLIENT_FEATURES,
  MAX_PSEUDONYM_CHARS,
  MAX_STATUS_TEXT_CHARS,
} from '../../src/wire/limits.js';
import { RawClient } from '../../test/helpers/raw-client.js';
import { inBatches } from './compare-util.js';
import { fmt, percentile, sleep, spawnRelay } from './util.js';

const USERS = (process.env.NATTER_BENCH_LOGINS ?? '2000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);

const LONG = process.env.NATTER_BENCH_LOGINS_LONG === '1';
const STATUS_TEXT = '\u{1F600}'.repeat(MAX_STATUS_TEXT_CHARS);

/** A login slower than this in the storm is a figure, not a failure, up to this. */
const READY_TIMEOUT_MS = 120_000;

/** How long no roster byte may arrive before the storm counts as over. */
const QUIET_MS = 500;

export async function runLoginsBench(): Promise<void> {
  console.log('login storm: N users log in again at once, 50 at a time, over TLS');
  for (const n of USERS) await storm(n);
}

async function storm(n: number): Promise<void> {
  const relay = await spawnRelay();
  try {
    const ids = Array.from({ length: n }, () => generateIdentity());
    const name = (i: number) => (LONG ? `u${i}`.padEnd(MAX_PSEUDONYM_CHARS, 'x') : `u${i}`);
    // Each registers and leaves at once: only the storm has everyone online.
    await inBatches(n, async (i) => {
      const { client } = await RawClient.login(relay.port, ids[i]!, name(i), 'register', {
        features: CLIENT_FEATURES,
        readyTimeoutMs: READY_TIMEOUT_MS,
      });
      client.keep = false;
      client.onRawFrame = () => true; // read, not decoded
      client.close();
      await client.closed;
    });
    await sleep(1000);

    let peakMb = 0;
    const sampler = setInterval(() => {
      relay.memory().then(
        (m) => {
          peakMb = Math.max(peakMb, m.rssMb);
        },
        () => {}, // the relay is gone: its exit is reported (spawnRelay)
      );
    }, 100);
    let bytes = 0;
    let closedEarly = 0;
    // The code of the Error frame each closed session got last (none: closed without one).
    const closedWith = new Map<string, number>();
    let lastByteAt = performance.now();
    const cpu0 = await relay.cpuSeconds();
    const t0 = performance.now();
    const toReady: number[] = [];
    const clients = await inBatches(n, async (i) => {
      const start = performance.now();
      const { client } = await RawClient.login(relay.port, ids[i]!, name(i), 'login', {
        features: CLIENT_FEATURES,
        readyTimeoutMs: READY_TIMEOUT_MS,
      });
      toReady.push(performance.now() - start);
      client.keep = false;
      let last: Uint8Array | null = null;
      void client.closed.then(() => {
        closedEarly++;
        const f = last === null ? null : decodeFrame(last);
        const code = f?.type === 'error' ? f.code : 'none';
        closedWith.set(code, (closedWith.get(code) ?? 0) + 1);
      });
      if (LONG) {
        const claim = { status: 'away' as const, statusText: STATUS_TEXT, seq: 1 };
        client.send({ type: 'set-status', ...claim, sig: signStatus(ids[i]!, claim) });
      }
      client.onRawFrame = (frame) => {
        bytes += frame.length;
        last = frame;
        lastByteAt = performance.now();
        return true;
      };
      return client;
    });
    const loggedIn = performance.now() - t0;
    while (performance.now() - lastByteAt < QUIET_MS) await sleep(50);
    const done = lastByteAt - t0;
    const cpu = (await relay.cpuSeconds()) - cpu0;
    clearInterval(sampler);
    const after = await relay.memory();
    peakMb = Math.max(peakMb, after.rssMb);
    const sorted = toReady.sort((a, b) => a - b);
    console.log(
      `  ${fmt(n)} users: all logged in after ${fmt(loggedIn / 1000, 2)} s, last roster byte ` +
        `read at ${fmt(done / 1000, 2)} s; relay CPU ${fmt(cpu, 2)} s ` +
        `(${fmt((cpu * 1000) / n, 2)} ms a login); a login's wait for Ready p50 ` +
        `${fmt(percentile(sorted, 50), 1)} / p99 ${fmt(percentile(sorted, 99), 1)} / max ` +
        `${fmt(sorted.at(-1) ?? 0, 1)} ms; relay RSS peak ${fmt(peakMb)} MB, ` +
        `${fmt(after.rssMb)} MB after; roster bytes a client read after its Ready ` +
        `${fmt(bytes / n / 1024)} KiB on average; sessions the relay closed ${closedEarly}` +
        (closedEarly > 0 ? ` (${[...closedWith].map(([c, k]) => `${c} ${k}`).join(', ')})` : ''),
    );
    for (const c of clients) c.close();
  } finally {
    await relay.stop();
  }
}
