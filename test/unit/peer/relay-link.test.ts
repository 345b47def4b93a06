/**
 * Connecting to a discovered relay (issue 10): the addresses announcing the
 * relay id are tried in turn and the link decides which is the relay. In-memory
 * links to fake relays; discovery is a stub.
 */
import assert from 'node:assert/strict';
import { signCard } from '../../../src/crypto/card.js';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { generateSigningKeyPair } from '../../../src/crypto/sign.js';
import { type PeerEventMap, PeerEvents } from '../../../src/peer/events.js';
import type { RelayChannel } from '../../../src/peer/link/channel.js';
import { LinkCode, linkError } from '../../../src/peer/link/errors.js';
import { Requests } from '../../../src/peer/link/requests.js';
import type {
  DiscoveredRelay,
  DiscoveryResult,
  RelayQuery,
} from '../../../src/peer/presence/discovery.js';
import { OTHER_RELAYS_END_MS, UNHEARD_BEACONS } from '../../../src/peer/presence/discovery.js';
import {
  ensureProfileDir,
  profilePaths,
  readConfig,
  updateConfig,
} from '../../../src/peer/profile.js';
import type { RelayAddress } from '../../../src/peer/relay-address.js';
import { type RelayDiscovery, RelayLink } from '../../../src/peer/relay-link.js';
import { MemoryKv, PeerStore } from '../../../src/peer/store.js';
import { toHex } from '../../../src/util/bytes.js';
import { systemClock } from '../../../src/util/clock.js';
import { isNatterError } from '../../../src/util/errors.js';
import { silentLogger } from '../../../src/util/logger.js';
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
const RELAY_ID = toHex(FAKE_RELAY_KEY.publicKey);
const IMPOSTOR_KEY = generateSigningKeyPair();

const GENUINE = '10.0.0.5';
const IMPOSTOR = '10.0.0.66';
const NOBODY = '10.0.0.99';
/** A host that passes the genuine relay's bytes on: the relay sees itself reached at GENUINE. */
const PROXIED = '10.0.0.77';
/** The relay's end of a connection dialled at `host` (Ready.reached_at). */
const reachedAt = (host: string) => `${host === PROXIED ? GENUINE : host}:47474`;
const at = (host: string): RelayAddress => ({ host, port: 47474 });

function discovered(...hosts: string[]): DiscoveredRelay {
  const candidates = hosts.map(at);
  return { ...at(hosts[0] ?? GENUINE), relayId: RELAY_ID, name: 'office', candidates };
}

/** Discovery that answers from a list, one result per call, and records each query. */
class StubDiscovery implements RelayDiscovery {
  readonly canDiscover = true;
  readonly beaconIntervalMs = 100;
  readonly queries: RelayQuery[] = [];
  constructor(private readonly results: DiscoveryResult[]) {}
  async discoverRelay(_timeoutMs: number, query: RelayQuery): Promise<DiscoveryResult> {
    this.queries.push(query);
    return this.results.shift() ?? { found: undefined, ignored: [] };
  }
}

interface Harness {
  link: RelayLink;
  discovery: StubDiscovery;
  dialled: string[];
  relays: Map<string, FakeRelay>;
  errors: PeerEventMap['error'][];
  states: PeerEventMap['connection:state'][];
  paths: ReturnType<typeof profilePaths>;
}

async function harness(
  results: DiscoveryResult[],
  options: { acceptNewRelayKey?: boolean; refuseWith?: string; relay?: RelayAddress } = {},
): Promise<Harness> {
  const dir = await makeTempDir('natter-relay-link-');
  await ensureProfileDir(dir);
  const paths = profilePaths(dir);
  const events = new PeerEvents();
  const errors: PeerEventMap['error'][] = [];
  const states: PeerEventMap['connection:state'][] = [];
  events.on('error', (e) => errors.push(e));
  events.on('connection:state', (e) => states.push(e));
  const dialled: string[] = [];
  const relays = new Map<string, FakeRelay>();
  const refuseWith = options.refuseWith;
  const connect = async (address: RelayAddress): Promise<RelayChannel> => {
    dialled.push(address.host);
    if (address.host === NOBODY) {
      throw linkError(LinkCode.Unreachable, `connect: cannot reach relay ${address.host}`);
    }
    const [client, server] = duplexPair();
    const key = address.host === IMPOSTOR ? IMPOSTOR_KEY : FAKE_RELAY_KEY;
    const script: RelayScript =
      refuseWith === undefined
        ? honestRelay(myCard, reachedAt(address.host))
        : (relay, f) => {
            if (f.type === 'hello') relay.sendChallenge(f.clientNonce);
            if (f.type === 'register')
              relay.send({ type: 'error', code: refuseWith, message: 'no' });
          };
    relays.set(address.host, new FakeRelay(server, script, key));
    return fakeChannel(client, key.publicKey);
  };
  const discovery = new StubDiscovery(results);
  let link: RelayLink;
  const requests = new Requests({ send: (f) => link.send(f), clock: systemClock });
  link = new RelayLink({
    paths,
    store: new PeerStore(new MemoryKv()),
    identity: me,
    pseudonym: 'alice',
    events,
    requests,
    options: {
      connect,
      reconnect: { baseMs: 1, maxMs: 2 },
      ...(options.acceptNewRelayKey ? { acceptNewRelayKey: true } : {}),
      ...(options.relay ? { relay: options.relay } : {}),
    },
    clock: systemClock,
    logger: silentLogger,
  });
  link.bind({
    discovery,
    onReady: () => undefined,
    onOffline: () => undefined,
    onWritable: () => undefined,
    handlers: {
      deliver: () => undefined,
      'send-ack': () => undefined,
      'roster-update': () => undefined,
      'group-deliver': () => undefined,
      'group-resend-result': () => undefined,
      'file-chunk': () => undefined,
      'file-chunk-ack': () => undefined,
    },
  });
  links.push(link);
  return { link, discovery, dialled, relays, errors, states, paths };
}

const links: RelayLink[] = [];
const connect = (h: Harness, timeoutMs = 5000) =>
  h.link.connect(systemClock.now() + timeoutMs, timeoutMs);

/** The relay id pinned in the profile: on disk before connect() resolves. */
const pinnedId = async (h: Harness) => (await readConfig(h.paths)).relayId;

describe('relay link: a discovered relay, tried at every address announcing it', () => {
  afterEach(() => {
    for (const link of links.splice(0)) link.close();
  });
  after(removeTempDirs);

  it('tries the next address when one proves another relay id, signing nothing there', async () => {
    const h = await harness([{ found: discovered(IMPOSTOR, GENUINE), ignored: [] }]);
    await connect(h);
    assert.deepEqual(h.dialled, [IMPOSTOR, GENUINE]);
    assert.deepEqual(
      h.relays.get(IMPOSTOR)?.frames.map((f) => f.type),
      ['hello'],
    );
    assert.ok(h.relays.get(GENUINE)?.frames.some((f) => f.type === 'register'));
    const ready = h.states.find((s) => s.state === 'ready');
    assert.equal(ready?.relay?.address, `${GENUINE}:47474`);
    assert.deepEqual(
      h.errors.map((e) => [e.code, e.fatal]),
      [['E_RELAY_ID_MISMATCH', false]],
      'the refused address is reported, and not as the link giving up',
    );
    assert.ok(!h.states.some((s) => s.state === 'closed'));
    assert.equal(await pinnedId(h), RELAY_ID, 'the relay id is saved after registering');
  });

  it('gives an unreachable address up for the next one', async () => {
    const h = await harness([{ found: discovered(NOBODY, GENUINE), ignored: [] }]);
    await connect(h);
    assert.deepEqual(h.dialled, [NOBODY, GENUINE]);
    assert.deepEqual(h.errors, []);
  });

  it('listens again, without the refused addresses, when every address heard was refused', async () => {
    const h = await harness([
      { found: discovered(IMPOSTOR), ignored: [] },
      { found: discovered(GENUINE), ignored: [] },
    ]);
    await connect(h);
    assert.deepEqual(h.dialled, [IMPOSTOR, GENUINE]);
    const again = h.discovery.queries[1];
    assert.deepEqual(
      [again?.preferred, again?.preferredOnly, again?.exclude],
      [new Set([RELAY_ID]), true, new Set([`${IMPOSTOR}:47474`])],
    );
  });

  it('fails with the last refusal when no address proves the relay id, and listens again on the next connect', async () => {
    const h = await harness([
      { found: discovered(IMPOSTOR), ignored: [] },
      { found: undefined, ignored: [] },
      { found: discovered(GENUINE), ignored: [] },
    ]);
    await assert.rejects(connect(h), (e) => isNatterError(e, 'E_RELAY_ID_MISMATCH'));
    assert.deepEqual(
      h.errors.map((e) => [e.code, e.fatal]),
      [
        ['E_RELAY_ID_MISMATCH', false],
        ['E_RELAY_ID_MISMATCH', true],
      ],
    );
    assert.equal((await readConfig(h.paths)).relayId, undefined, 'nothing pinned');
    await connect(h);
    assert.deepEqual(h.dialled, [IMPOSTOR, GENUINE]);
  });

  it('stops at a refusal from the relay itself: that relay proved its id', async () => {
    const h = await harness([{ found: discovered(GENUINE, IMPOSTOR), ignored: [] }], {
      refuseWith: 'E_PSEUDONYM_TAKEN',
    });
    await assert.rejects(connect(h), (e) => isNatterError(e, 'E_PSEUDONYM_TAKEN'));
    assert.deepEqual(h.dialled, [GENUINE]);
  });

  it('restart() forgets a session that gave up, so the next connect dials afresh; a live one stays', async () => {
    const refused = await harness(
      [
        { found: discovered(GENUINE), ignored: [] },
        { found: discovered(GENUINE), ignored: [] },
      ],
      { refuseWith: 'E_PSEUDONYM_TAKEN' },
    );
    await assert.rejects(connect(refused), (e) => isNatterError(e, 'E_PSEUDONYM_TAKEN'));
    // Without restart() the link keeps the session that gave up and dials nothing new.
    await assert.rejects(connect(refused), (e) => isNatterError(e, 'E_PSEUDONYM_TAKEN'));
    assert.deepEqual(refused.dialled, [GENUINE]);
    assert.equal(refused.link.restart(), true);
    assert.equal(refused.link.restart(), false, 'nothing left to forget');
    await assert.rejects(connect(refused), (e) => isNatterError(e, 'E_PSEUDONYM_TAKEN'));
    assert.deepEqual(refused.dialled, [GENUINE, GENUINE], 'dialled again after restart()');

    const live = await harness([{ found: discovered(GENUINE), ignored: [] }]);
    assert.equal(live.link.restart(), false, 'no session yet');
    await connect(live);
    assert.equal(live.link.restart(), false, 'a ready session is kept');
    assert.equal(live.link.ready, true);
  });

  it('asks discovery for the pinned relay id only, unless the user accepts a new relay', async () => {
    const strict = await harness([{ found: discovered(GENUINE), ignored: [] }]);
    await updateConfig(strict.paths, (c) => {
      c.relayId = RELAY_ID;
    });
    await connect(strict);
    assert.deepEqual(strict.discovery.queries[0], {
      preferred: new Set([RELAY_ID]),
      preferredOnly: true,
      othersEndAfterMs: OTHER_RELAYS_END_MS,
      // Seventeenth sitting: several relays are not chosen between, and a silent LAN ends early.
      refuseSeveral: true,
      unheardEndAfterMs: UNHEARD_BEACONS * strict.discovery.beaconIntervalMs,
    });

    const accepting = await harness([{ found: discovered(GENUINE), ignored: [] }], {
      acceptNewRelayKey: true,
    });
    await updateConfig(accepting.paths, (c) => {
      c.relayId = 'ab'.repeat(32);
    });
    await connect(accepting);
    assert.equal(accepting.discovery.queries[0]?.preferredOnly, false);
    assert.equal(await pinnedId(accepting), RELAY_ID, 're-pinned');
  });

  it('names the other relay it ignored when the pinned one is not heard', async () => {
    const other = { relayId: toHex(IMPOSTOR_KEY.publicKey), name: 'evil', address: '10.0.0.66:1' };
    const h = await harness([{ found: undefined, ignored: [other] }]);
    await updateConfig(h.paths, (c) => {
      c.relayId = RELAY_ID;
    });
    await assert.rejects(connect(h), (e) => {
      assert.ok(isNatterError(e, 'E_RELAY_KEY_CHANGED'));
      assert.match(e.message, /--accept-new-relay-key/);
      return true;
    });
    const none = await harness([]);
    await assert.rejects(connect(none), (e) => isNatterError(e, 'E_NO_RELAY'));
    assert.deepEqual(none.dialled, []);
  });

  it('does not remember a discovered address the relay says it was not reached at (a host between them)', async () => {
    const h = await harness([{ found: discovered(PROXIED), ignored: [] }]);
    await connect(h);
    assert.equal(h.link.ready, true, 'the relay proved its id through the host between');
    assert.equal((await readConfig(h.paths)).relaySeen, undefined, 'nor is its address kept');
  });

  it('remembers where a discovered relay was reached, and dials it there when no beacon of it is heard', async () => {
    const first = await harness([{ found: discovered(GENUINE), ignored: [] }]);
    await connect(first);
    const config = await readConfig(first.paths);
    assert.equal(config.relaySeen, `${GENUINE}:47474`, 'the address is remembered');
    assert.equal(
      config.relay,
      undefined,
      'but not as a configured relay: discovery still comes first',
    );

    const later = await harness([{ found: undefined, ignored: [], heardAny: false }]);
    await updateConfig(later.paths, (c) => {
      c.relayId = RELAY_ID;
      c.relaySeen = `${GENUINE}:47474`;
    });
    await connect(later);
    assert.deepEqual(later.dialled, [GENUINE], 'dialled at its remembered address');
    assert.equal(later.link.ready, true);
    assert.equal(later.link.relay?.relayId, RELAY_ID);
  });

  it('does not dial a remembered address whose relay does not prove the pinned id', async () => {
    const h = await harness([{ found: undefined, ignored: [] }]);
    await updateConfig(h.paths, (c) => {
      c.relayId = RELAY_ID;
      c.relaySeen = `${IMPOSTOR}:47474`;
    });
    await assert.rejects(connect(h, 1000), (e) => isNatterError(e, 'E_RELAY_ID_MISMATCH'));
    assert.deepEqual(
      h.relays.get(IMPOSTOR)?.frames.map((f) => f.type),
      ['hello'],
      'nothing signed there',
    );
  });

  it('refuses to choose between several relays for a profile with none, naming each (E_SEVERAL_RELAYS)', async () => {
    const other = toHex(IMPOSTOR_KEY.publicKey);
    const h = await harness([
      {
        found: undefined,
        ignored: [],
        several: [
          { relayId: RELAY_ID, name: 'office', address: `${GENUINE}:47474` },
          { relayId: other, name: 'stray', address: `${IMPOSTOR}:47474` },
        ],
      },
    ]);
    await assert.rejects(connect(h), (e) => {
      assert.ok(isNatterError(e, 'E_SEVERAL_RELAYS'), String(e));
      assert.match(e.message, new RegExp(`${GENUINE}:47474.*${IMPOSTOR}:47474`));
      assert.match(e.message, /--relay/);
      return true;
    });
    assert.equal(h.discovery.queries[0]?.refuseSeveral, true);
    assert.deepEqual(h.dialled, [], 'neither relay dialled');
    assert.equal(await pinnedId(h), undefined, 'nothing pinned');
  });

  it('says what it listened for when no relay is heard: the UDP port, the firewall, --relay (E_NO_RELAY)', async () => {
    const h = await harness([{ found: undefined, ignored: [], heardAny: false }]);
    await assert.rejects(connect(h), (e) => {
      assert.ok(isNatterError(e, 'E_NO_RELAY'), String(e));
      assert.match(e.message, /UDP port 47475/);
      assert.match(e.message, /firewall/);
      assert.match(e.message, /--relay HOST/);
      return true;
    });
  });
});

describe('relay link: a lost session follows a beacon of its relay to another address', () => {
  afterEach(() => {
    for (const link of links.splice(0)) link.close();
  });
  after(removeTempDirs);

  /** A profile of relay RELAY_ID remembered at NOBODY (gone), and a session dialling it in vain. */
  async function lost(): Promise<Harness> {
    const h = await harness([{ found: undefined, ignored: [], heardAny: false }]);
    await updateConfig(h.paths, (c) => {
      c.relayId = RELAY_ID;
      c.relaySeen = `${NOBODY}:47474`;
    });
    await assert.rejects(connect(h, 300), (e) => isNatterError(e, 'E_RELAY_TIMEOUT'));
    assert.deepEqual([...new Set(h.dialled)], [NOBODY]);
    return h;
  }

  it('reaches its relay where a beacon of its relay id came from, and remembers it there', async () => {
    const h = await lost();
    h.link.relayHeard(RELAY_ID, at(GENUINE));
    await connect(h, 2000);
    assert.equal(h.link.relay?.address, `${GENUINE}:47474`);
    assert.equal(h.link.relay?.relayId, RELAY_ID);
    let seen: string | undefined;
    for (let i = 0; i < 50 && seen !== `${GENUINE}:47474`; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      seen = (await readConfig(h.paths)).relaySeen;
    }
    assert.equal(seen, `${GENUINE}:47474`);
  });

  /** A lost link (`made`) hears a beacon of another relay id from GENUINE: it never dials there. */
  async function notMovedByAnotherId(made: Promise<Awaited<ReturnType<typeof lost>>>) {
    const h = await made;
    h.link.relayHeard(toHex(IMPOSTOR_KEY.publicKey), at(GENUINE));
    await assert.rejects(connect(h, 300), (e) => isNatterError(e, 'E_RELAY_TIMEOUT'));
    assert.ok(!h.dialled.includes(GENUINE), h.dialled.join(' '));
  }

  it('is not moved by a beacon of another relay id', () => notMovedByAnotherId(lost()));

  it('closes a channel where the beacon came from that another key authenticated, says nothing there, and keeps going', async () => {
    const h = await lost();
    h.link.relayHeard(RELAY_ID, at(IMPOSTOR));
    await assert.rejects(connect(h, 300), (e) => isNatterError(e, 'E_RELAY_TIMEOUT'));
    assert.ok(h.dialled.includes(IMPOSTOR));
    assert.deepEqual(h.relays.get(IMPOSTOR)?.frames, [], 'not even a Hello');
    const impostorDials = h.dialled.filter((d) => d === IMPOSTOR).length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(
      h.dialled.filter((d) => d === IMPOSTOR).length,
      impostorDials,
      'that address is forgotten',
    );
    h.link.relayHeard(RELAY_ID, at(GENUINE));
    await connect(h, 2000);
    assert.equal(h.link.relay?.address, `${GENUINE}:47474`);
  });

  it('never moves a configured relay (--relay) of a profile that pinned no relay id, whatever beacon is heard', async () => {
    const h = await harness([], { relay: at(NOBODY) });
    await assert.rejects(connect(h, 300), (e) => isNatterError(e, 'E_RELAY_TIMEOUT'));
    h.link.relayHeard(RELAY_ID, at(GENUINE));
    await assert.rejects(connect(h, 300), (e) => isNatterError(e, 'E_RELAY_TIMEOUT'));
    assert.ok(!h.dialled.includes(GENUINE), h.dialled.join(' '));
  });

  /** A profile that registered with relay RELAY_ID, configured at NOBODY (gone), dialling it in vain. */
  async function configuredLost(o: { acceptNewRelayKey?: boolean } = {}): Promise<Harness> {
    const h = await harness([], { relay: at(NOBODY), ...o });
    await updateConfig(h.paths, (c) => {
      c.relayId = RELAY_ID;
      c.relay = `${NOBODY}:47474`;
    });
    await assert.rejects(connect(h, 300), (e) => isNatterError(e, 'E_RELAY_TIMEOUT'));
    return h;
  }

  /** config.json's relay once the writes after Ready had time to land. */
  async function configuredAt(h: Harness, expected: string): Promise<string | undefined> {
    let relay: string | undefined;
    for (let i = 0; i < 50 && relay !== expected; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      relay = (await readConfig(h.paths)).relay;
    }
    return relay;
  }

  it('follows a beacon of the pinned relay id from a configured address too, and saves the address it was reached at', async () => {
    const h = await configuredLost();
    h.link.relayHeard(RELAY_ID, at(GENUINE));
    await connect(h, 2000);
    assert.equal(h.link.relay?.address, `${GENUINE}:47474`);
    assert.equal(await configuredAt(h, `${GENUINE}:47474`), `${GENUINE}:47474`);
  });

  it('does not move a configured relay for a beacon of another relay id', () =>
    notMovedByAnotherId(configuredLost()));

  it('does not save a followed address the relay says it was not reached at (a host between them)', async () => {
    const h = await configuredLost();
    h.link.relayHeard(RELAY_ID, at(PROXIED));
    await connect(h, 2000);
    assert.equal(h.link.relay?.address, `${PROXIED}:47474`);
    assert.equal(await configuredAt(h, `${PROXIED}:47474`), `${NOBODY}:47474`);
  });

  it('follows no beacon when the user accepts a new relay key: the pinned relay is not the one wanted', async () => {
    const h = await configuredLost({ acceptNewRelayKey: true });
    h.link.relayHeard(RELAY_ID, at(GENUINE));
    await assert.rejects(connect(h, 300), (e) => isNatterError(e, 'E_RELAY_TIMEOUT'));
    assert.ok(!h.dialled.includes(GENUINE), h.dialled.join(' '));
  });
});
