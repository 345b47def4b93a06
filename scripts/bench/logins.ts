/**
 * `npm run bench -- logins`: a login storm, what a relay restarted under many users sees.
 * N users register once and leave; then all of them log in again, 50 at a time as they
 * come back, and each is sent the roster of everyone online, and told of everyone who
 * comes after (relay/roster-out.ts). The relay runs as shipped (TLS 1.3, dist/).
 *
 * Prints, for the storm: the time until every client has logged in and read its last
 * roster byte, the relay's CPU (all threads) in all and per login, the relay's RSS at
 * its highest during the storm (sampled every 100 ms) and after, the roster bytes a
 * client read on average, and how many sessions the relay closed (budgets shed the
 * largest holders when the relay holds too much). Asserts nothing.
 *
 * Switches: NATTER_BENCH_LOGINS=2000 (users; a list, e.g. 500,2000, runs each on a fresh
 * relay).
 */
import { generateIdentity } from '../../src/crypto/keys.js';
import { decodeFrame } from '../../src/wire/codec.js';
import { CLIENT_FEATURES } from '../../src/wire/limits.js';
import { RawClient } from '../../test/helpers/raw-client.js';
import { inBatches } from './compare-util.js';
import { fmt, sleep, spawnRelay } from './util.js';

const USERS = (process.env.NATTER_BENCH_LOGINS ?? '2000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);

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
    const name = (i: number) => `u${i}`;
    const registered = await inBatches(n, async (i) => {
      const { client } = await RawClient.login(relay.port, ids[i]!, name(i), 'register', {
        features: CLIENT_FEATURES,
      });
      client.keep = false;
      client.onRawFrame = () => true; // read, not decoded: the generator's time is the storm's
      return client;
    });
    for (const c of registered) c.close();
    await Promise.all(registered.map((c) => c.closed));
    await sleep(1000);

    let peakMb = 0;
    const sampler = setInterval(() => {
      void relay.memory().then((m) => {
        peakMb = Math.max(peakMb, m.rssMb);
      });
    }, 100);
    let bytes = 0;
    let closedEarly = 0;
    // The code of the Error frame each closed session got last (none: closed without one).
    const closedWith = new Map<string, number>();
    let lastByteAt = performance.now();
    const cpu0 = await relay.cpuSeconds();
    const t0 = performance.now();
    const clients = await inBatches(n, async (i) => {
      const { client } = await RawClient.login(relay.port, ids[i]!, name(i), 'login', {
        features: CLIENT_FEATURES,
      });
      client.keep = false;
      let last: Uint8Array | null = null;
      void client.closed.then(() => {
        closedEarly++;
        const f = last === null ? null : decodeFrame(last);
        const code = f?.type === 'error' ? f.code : 'none';
        closedWith.set(code, (closedWith.get(code) ?? 0) + 1);
      });
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
    console.log(
      `  ${fmt(n)} users: all logged in after ${fmt(loggedIn / 1000, 2)} s, last roster byte ` +
        `read at ${fmt(done / 1000, 2)} s; relay CPU ${fmt(cpu, 2)} s ` +
        `(${fmt((cpu * 1000) / n, 2)} ms a login); relay RSS peak ${fmt(peakMb)} MB, ` +
        `${fmt(after.rssMb)} MB after; roster bytes a client read after its Ready ` +
        `${fmt(bytes / n / 1024)} KiB on average; sessions the relay closed ${closedEarly}` +
        (closedEarly > 0 ? ` (${[...closedWith].map(([c, k]) => `${c} ${k}`).join(', ')})` : ''),
    );
    for (const c of clients) c.close();
  } finally {
    await relay.stop();
  }
}
