/**
 * Finding the relay (seventeenth sitting's newcomer trial), with real UDP on loopback
 * broadcast and real relays: two relays announcing themselves are not chosen between
 * for a new profile; a profile that hears no beacon (UDP blocked) dials where it reached
 * its relay last; a relay that went away is said in about a second, not after the
 * 30 s default. Timings are checked against that default with a wide margin.
 */
import assert from 'node:assert/strict';
import { NatterClient } from '../../../src/peer/client.js';
import type { PeerEventMap, PresenceOptions } from '../../../src/peer/index.js';
import { profilePaths, readConfig, relayFingerprint } from '../../../src/peer/profile.js';
import { toHex } from '../../../src/util/bytes.js';
import { isNatterError } from '../../../src/util/errors.js';
import { makeProfile } from '../../helpers/profile.js';
import { freeUdpPort } from '../presence/helpers.js';
import { loopbackLan } from './lan-relays.js';

/** The connect() default a command waits: every answer here must come well before it. */
const DEFAULT_WAIT_MS = 30_000;
/** "About a second" and "a few beacon intervals", with room for a loaded machine. */
const WELL_BEFORE_MS = 15_000;

describe('finding the relay: two relays, no beacon heard, a relay gone (integration: loopback)', function () {
  this.timeout(60_000);
  const { lan, later, relay } = loopbackLan();

  async function open(profileDir: string, presence: PresenceOptions = lan()) {
    const client = await NatterClient.open({ profileDir, presence });
    later(() => client.close());
    return client;
  }

  /** How long `p` took to settle, and how. */
  async function timed<T>(p: Promise<T>): Promise<{ ms: number; err: unknown }> {
    const started = performance.now();
    try {
      await p;
      return { ms: performance.now() - started, err: null };
    } catch (err) {
      return { ms: performance.now() - started, err };
    }
  }

  it('does not register a new profile on either of two relays announcing themselves, and names both', async () => {
    const office = await relay();
    const stray = await relay();
    const profile = await makeProfile('dave');
    const dave = await open(profile.dir);
    await assert.rejects(dave.connect({ timeoutMs: 5000 }), (e) => {
      assert.ok(isNatterError(e, 'E_SEVERAL_RELAYS'), String(e));
      for (const r of [office, stray]) {
        assert.ok(e.message.includes(`127.0.0.1:${r.port}`), e.message);
        assert.ok(e.message.includes(relayFingerprint(toHex(r.relay.relayId))), e.message);
      }
      assert.match(e.message, /--relay HOST:PORT/);
      return true;
    });
    assert.equal(office.relay.stats().connections + stray.relay.stats().connections, 0);
    assert.equal((await readConfig(profilePaths(profile.dir))).relayId, undefined);
  });

  it('stays with the relay it registered with when a second relay starts announcing', async () => {
    const office = await relay();
    const profile = await makeProfile('dave');
    const once = await open(profile.dir);
    await once.connect({ timeoutMs: 5000 });
    await once.close();
    const stray = await relay();
    const dave = await open(profile.dir);
    const states: PeerEventMap['connection:state'][] = [];
    dave.on('connection:state', (e) => states.push(e));
    await dave.connect({ timeoutMs: 5000 });
    const ready = states.find((s) => s.state === 'ready');
    assert.equal(ready?.relay?.relayId, toHex(office.relay.relayId));
    assert.equal(stray.relay.stats().connections, 0, 'the other relay is never dialled');
  });

  it('reaches its relay at the remembered address when no beacon comes in (UDP blocked), well before the default wait', async () => {
    const office = await relay();
    const profile = await makeProfile('dave');
    const once = await open(profile.dir);
    await once.connect({ timeoutMs: 5000 });
    await once.close();
    assert.equal(
      (await readConfig(profilePaths(profile.dir))).relaySeen,
      `127.0.0.1:${office.port}`,
    );

    // Presence on a port no relay beacons to: as a host whose firewall drops UDP coming in.
    const deaf = { ...lan(), port: await freeUdpPort() };
    const dave = await open(profile.dir, deaf);
    const { ms, err } = await timed(dave.connect({ timeoutMs: DEFAULT_WAIT_MS }));
    assert.equal(err, null, String(err));
    assert.ok(ms < WELL_BEFORE_MS, `took ${ms} ms`);
  });

  it('says a relay that went away is unreachable, standalone and to a running client, well before the default wait', async () => {
    const office = await relay();
    const profile = await makeProfile('dave');
    const running = await NatterClient.open({
      profileDir: profile.dir,
      presence: lan(),
      reconnect: { baseMs: 50, maxMs: 200 },
    });
    later(() => running.close());
    await running.connect({ timeoutMs: 5000 });
    const offline = new Promise<void>((resolve) =>
      running.on('connection:state', (e) => e.state === 'offline' && resolve()),
    );
    await office.close();
    await offline;

    // A command through the running client (cli/delivery.ts waits as this does).
    const through = await timed(running.connect({ timeoutMs: DEFAULT_WAIT_MS, failFastMs: 1000 }));
    assert.ok(isNatterError(through.err, 'E_RELAY_UNREACHABLE'), String(through.err));
    assert.ok(through.ms < WELL_BEFORE_MS, `through the running client: ${through.ms} ms`);
    await running.close();

    // A command alone: no beacon, so the remembered address, which refuses.
    const alone = await open(profile.dir);
    const { ms, err } = await timed(
      alone.connect({ timeoutMs: DEFAULT_WAIT_MS, failFastMs: 1000 }),
    );
    assert.ok(isNatterError(err, 'E_RELAY_UNREACHABLE'), String(err));
    assert.match(err.message, new RegExp(`UDP port ${lan().port}`));
    assert.ok(ms < WELL_BEFORE_MS, `alone: ${ms} ms`);
  });

  it('gives up listening when no relay at all is heard, saying the UDP port, well before the default wait', async () => {
    const profile = await makeProfile('dave');
    const dave = await open(profile.dir);
    const { ms, err } = await timed(dave.connect({ timeoutMs: DEFAULT_WAIT_MS }));
    assert.ok(isNatterError(err, 'E_NO_RELAY'), String(err));
    assert.match(err.message, new RegExp(`UDP port ${lan().port}`));
    assert.match(err.message, /firewall/);
    assert.ok(ms < WELL_BEFORE_MS, `took ${ms} ms`);
  });
});
