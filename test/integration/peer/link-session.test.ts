import assert from 'node:assert/strict';
import { signCard } from '../../../src/crypto/card.js';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { type PeerEventMap, PeerEvents } from '../../../src/peer/events.js';
import { RelaySession, type RelaySessionOptions } from '../../../src/peer/link/session.js';
import {
  ensureProfileDir,
  profilePaths,
  readConfig,
  updateConfig,
} from '../../../src/peer/profile.js';
import { MemoryKv, PeerStore, PREFIX } from '../../../src/peer/store.js';
import { toHex } from '../../../src/util/bytes.js';
import { ManualClock } from '../../../src/util/clock.js';
import { isNatterError } from '../../../src/util/errors.js';
import { duplexPair } from '../../helpers/duplex.js';
import {
  FAKE_RELAY_KEY,
  FakeRelay,
  fakeChannel,
  honestRelay,
  type RelayScript,
} from '../../helpers/fake-relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const me = generateIdentity();
const myCard = signCard(me, 'alice');
const honest = honestRelay(myCard);
const silent: RelayScript = () => undefined;

/** A profile directory and store, shared by the sessions made from it. */
async function profile() {
  const dir = await makeTempDir('natter-link-');
  await ensureProfileDir(dir);
  return { paths: profilePaths(dir), store: new PeerStore(new MemoryKv()) };
}

function session(
  p: Awaited<ReturnType<typeof profile>>,
  script: RelayScript = honest,
  overrides: Partial<RelaySessionOptions> = {},
) {
  const relays: FakeRelay[] = [];
  const states: PeerEventMap['connection:state'][] = [];
  const events = new PeerEvents();
  events.on('connection:state', (e) => states.push(e));
  events.on('error', () => undefined);
  const s = new RelaySession({
    address: { host: 'relay.test', port: 4747 },
    ...p,
    identity: me,
    pseudonym: 'alice',
    events,
    onReady: () => undefined,
    onOffline: () => undefined,
    handlers: {
      deliver: () => undefined,
      'send-ack': () => undefined,
      'roster-update': () => undefined,
      'group-deliver': () => undefined,
      'group-resend-result': () => undefined,
      'file-chunk': () => undefined,
      'file-chunk-ack': () => undefined,
    },
    connect: async () => {
      const [client, server] = duplexPair();
      relays.push(new FakeRelay(server, script));
      return fakeChannel(client);
    },
    reconnect: { baseMs: 1, maxMs: 2 },
    ...overrides,
  });
  return { session: s, relays, states };
}

describe('relay session: pinning, registration, and waiting for Ready on events', () => {
  after(removeTempDirs);

  it('registers on first contact and pins the relay, then logs in there', async () => {
    const p = await profile();
    const first = session(p);
    await first.session.waitReady(5000);
    assert.ok(first.relays[0]!.frames.some((f) => f.type === 'register'));
    const ready = first.states.find((e) => e.state === 'ready');
    assert.equal(ready?.relay?.relayId, toHex(FAKE_RELAY_KEY.publicKey));
    assert.equal(
      (await readConfig(p.paths)).relayId,
      toHex(FAKE_RELAY_KEY.publicKey),
      'the relay id is pinned before Ready',
    );
    // remember() runs beside Ready: the registered flag (through the store's group
    // commit) and the address land a moment later.
    const flag = `${PREFIX.meta}registered!${toHex(FAKE_RELAY_KEY.publicKey)}`;
    for (let i = 0; i < 500 && (await p.store.get(flag)) === undefined; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.notEqual(await p.store.get(flag), undefined, 'registered here');
    for (let i = 0; i < 500 && (await readConfig(p.paths)).relay === undefined; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const config = await readConfig(p.paths);
    assert.equal(config.relay, 'relay.test:4747', 'a configured address is remembered');
    first.session.close();

    const second = session(p);
    await second.session.waitReady(5000);
    assert.ok(second.relays[0]!.frames.some((f) => f.type === 'login'));
    second.session.close();
  });

  it('refuses a relay that proves another id than the pinned one, at any address, unless told to accept it', async () => {
    const p = await profile();
    await updateConfig(p.paths, (c) => {
      c.relayId = 'ab'.repeat(32);
    });
    const refused = session(p, honest, { address: { host: 'elsewhere.test', port: 1 } });
    await assert.rejects(refused.session.waitReady(5000), (e) =>
      isNatterError(e, 'E_RELAY_KEY_CHANGED'),
    );
    assert.deepEqual(
      refused.relays[0]!.frames.map((f) => f.type),
      ['hello'],
      'nothing signed for it',
    );
    const accepted = session(p, honest, { acceptNewRelayKey: true });
    await accepted.session.waitReady(5000);
    assert.equal((await readConfig(p.paths)).relayId, toHex(FAKE_RELAY_KEY.publicKey));
    accepted.session.close();
  });

  it('gives up waiting after the timeout on the injected clock, and keeps trying', async () => {
    const clock = new ManualClock();
    const s = session(await profile(), silent, { clock });
    const waiting = s.session.waitReady(5000);
    clock.advance(4999);
    let settled = false;
    waiting.catch(() => undefined).finally(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'still waiting before the deadline');
    clock.advance(1);
    await assert.rejects(waiting, (e) => isNatterError(e, 'E_RELAY_TIMEOUT'));
    assert.equal(s.session.connection.closed, false, 'a timeout leaves it retrying');
    s.session.close();
  });

  it('says a relay that answered but let no session in within the wait answered, not that it is unreachable', async () => {
    const clock = new ManualClock();
    const s = session(await profile(), silent, { clock });
    const waiting = s.session.waitReady(5000);
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(5000);
    await assert.rejects(
      waiting,
      (e) =>
        isNatterError(e, 'E_RELAY_TIMEOUT') &&
        /relay relay\.test:4747 answered, but no session was ready within 5000 ms/.test(e.message),
    );
    s.session.close();
  });

  it("rejects at once with the refusal that stopped it, signing nothing for a relay that is not the beacon's", async () => {
    const s = session(await profile(), honest, { expectRelayId: 'ab'.repeat(32) });
    await assert.rejects(s.session.waitReady(60_000), (e) =>
      isNatterError(e, 'E_RELAY_ID_MISMATCH'),
    );
    assert.deepEqual(
      s.relays[0]!.frames.map((f) => f.type),
      ['hello'],
    );
    await assert.rejects(s.session.waitReady(60_000), (e) =>
      isNatterError(e, 'E_RELAY_ID_MISMATCH'),
    );
  });

  it('rejects with E_CLOSED when closed while waiting', async () => {
    const s = session(await profile(), silent);
    const waiting = s.session.waitReady(60_000);
    s.session.close();
    await assert.rejects(waiting, (e) => isNatterError(e, 'E_CLOSED'));
  });
});
