/**
 * A relay that moved (LAN-newcomer trial): a client dialled its relay's remembered
 * address (config.relaySeen), which no longer answers, and kept dialling it after the
 * relay came back at another address, until restarted. Now a beacon of the pinned
 * relay id brings the session there; a beacon of another relay never does. Real
 * relays (the same data dir, so the same key, on a new port) and real UDP on loopback.
 */
import assert from 'node:assert/strict';
import { NatterClient } from '../../../src/peer/client.js';
import type { PeerEventMap } from '../../../src/peer/index.js';
import { profilePaths, readConfig } from '../../../src/peer/profile.js';
import { toHex } from '../../../src/util/bytes.js';
import { isNatterError } from '../../../src/util/errors.js';
import { makeProfile } from '../../helpers/profile.js';
import { sleep, waitFor } from '../presence/helpers.js';
import { loopbackLan } from './lan-relays.js';

describe('a session whose relay moved follows its beacon (integration: loopback)', function () {
  this.timeout(60_000);
  const { lan, later, relay } = loopbackLan();

  it('reaches its relay at its new address once a beacon of it is heard, without a restart, and remembers it there', async () => {
    const office = await relay();
    const profile = await makeProfile('dave');
    const once = await NatterClient.open({ profileDir: profile.dir, presence: lan() });
    await once.connect({ timeoutMs: 5000 });
    await once.close();
    const paths = profilePaths(profile.dir);
    assert.equal((await readConfig(paths)).relaySeen, `127.0.0.1:${office.port}`);
    await office.close();

    // No beacon, so the remembered address, which refuses; the session keeps redialling it.
    const dave = await NatterClient.open({ profileDir: profile.dir, presence: lan() });
    later(() => dave.close());
    const states: PeerEventMap['connection:state'][] = [];
    dave.on('connection:state', (e) => states.push(e));
    await assert.rejects(dave.connect({ timeoutMs: 5000, failFastMs: 1000 }), (e) =>
      isNatterError(e, 'E_RELAY_UNREACHABLE'),
    );

    // Another relay announcing itself elsewhere is not this profile's: never dialled.
    const stray = await relay();
    await sleep(1000);
    assert.equal(
      stray.relay.stats().connections,
      0,
      'a beacon of another relay id redirects nothing',
    );

    // The same relay (its data dir, so its key) back on another port.
    const moved = await relay(office.dataDir);
    assert.notEqual(moved.port, office.port);
    assert.equal(toHex(moved.relay.relayId), toHex(office.relay.relayId));
    const at = `127.0.0.1:${moved.port}`;
    await waitFor(
      () => states.some((s) => s.state === 'ready' && s.relay?.address === at),
      8000,
      `a session at ${at}`,
    );
    assert.equal(dave.relayReached()?.address, at);
    assert.equal(stray.relay.stats().connections, 0);
    await waitFor(() => moved.relay.stats().onlineUsers === 1, 2000, 'dave online there');
    let seen: string | undefined;
    for (let i = 0; i < 100 && seen !== at; i++, await sleep(20))
      seen = (await readConfig(paths)).relaySeen;
    assert.equal(seen, at, 'remembered where it was reached');
  });

  it('follows its relay to a new port after a loss once it was ready there, and remembers the new address (restart trial)', async () => {
    const office = await relay();
    const profile = await makeProfile('dave');
    const paths = profilePaths(profile.dir);
    const dave = await NatterClient.open({ profileDir: profile.dir, presence: lan() });
    later(() => dave.close());
    const states: PeerEventMap['connection:state'][] = [];
    dave.on('connection:state', (e) => states.push(e));
    await dave.connect({ timeoutMs: 5000 });
    assert.equal((await readConfig(paths)).relaySeen, `127.0.0.1:${office.port}`);
    await office.close();
    await waitFor(() => states.some((s) => s.state === 'offline'), 5000, 'the loss');
    const moved = await relay(office.dataDir);
    const at = `127.0.0.1:${moved.port}`;
    await waitFor(
      () => states.some((s) => s.state === 'ready' && s.relay?.address === at),
      8000,
      `a session at ${at}`,
    );
    let seen: string | undefined;
    for (let i = 0; i < 100 && seen !== at; i++, await sleep(20))
      seen = (await readConfig(paths)).relaySeen;
    assert.equal(seen, at, 'remembered where it was reached after the move');
  });
});
