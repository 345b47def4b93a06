import assert from 'node:assert/strict';
import {
  fingerprint,
  generateIdentity,
  generateSigningKeyPair,
  signStatus,
  verifyStatus,
} from '../../../src/crypto/index.js';
import type { Contact } from '../../../src/peer/contacts.js';
import { type PeerEventMap, PeerEvents } from '../../../src/peer/events.js';
import {
  ClientPresence,
  type PresenceOptions,
} from '../../../src/peer/presence/client-presence.js';
import {
  CANDIDATE_WINDOW_MS,
  DISCOVERY_SETTLE_MS,
  SEVERAL_SETTLE_MS,
} from '../../../src/peer/presence/discovery.js';
import { signPresence } from '../../../src/presence/datagram.js';
import { RelayBeacon } from '../../../src/presence/relay-beacon.js';
import { toHex } from '../../../src/util/bytes.js';
import { ManualClock } from '../../../src/util/clock.js';
import { isNatterError } from '../../../src/util/errors.js';
import { pseudonymKey } from '../../../src/wire/text.js';
import type { Card, Frame, RosterEntry, Status } from '../../../src/wire/types.js';
import { MemoryLan } from '../../helpers/memory-lan.js';
import { makePeer, type TestPeer } from '../presence/fixtures.js';

const INTERVAL = 1000;
const MISSED = 3;
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Node {
  presence: ClientPresence;
  events: PeerEvents;
  changes: PeerEventMap['roster:change'][];
  conflicts: PeerEventMap['roster:conflict'][];
  relays: PeerEventMap['relay:discovered'][];
  /** What the relay link was told of relay beacons: `relayId@host:port`. */
  heard: string[];
  sent: Frame[];
  contacts: Map<string, Contact>;
  peer: TestPeer;
}

/** A relay roster entry for a session that has not signed a status (the relay's default). */
const entry = (peer: TestPeer, extra: Partial<RosterEntry> = {}): RosterEntry => ({
  card: peer.card,
  status: 'online',
  statusText: '',
  online: true,
  signed: null,
  ...extra,
});

/** A relay roster entry carrying the status `peer` signed. */
function signedEntry(peer: TestPeer, status: Status, statusText: string, seq: number): RosterEntry {
  const sig = signStatus(peer.identity, { status, statusText, seq });
  return { card: peer.card, status, statusText, online: true, signed: { seq, sig } };
}

const contactOf = (card: Card, extra: Partial<Contact> = {}): Contact => ({
  pseudonym: card.pseudonym,
  card,
  verified: false,
  pending: null,
  ...extra,
});

describe('client presence (in-memory LAN, injected clock)', () => {
  let lan: MemoryLan;
  let clock: ManualClock;
  let nodes: Node[];

  beforeEach(() => {
    lan = new MemoryLan();
    clock = new ManualClock();
    nodes = [];
  });

  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.presence.stop()));
  });

  async function node(
    name: string | null,
    address: string,
    settings: PresenceOptions = {},
    start = true,
  ): Promise<Node> {
    const events = new PeerEvents();
    const contacts = new Map<string, Contact>();
    const peer = makePeer(name ?? 'listener', generateIdentity());
    const sent: Frame[] = [];
    const heard: string[] = [];
    const presence = new ClientPresence({
      ...(name === null ? {} : { self: { identity: peer.identity, pseudonym: name } }),
      contacts: {
        get: (n) => contacts.get(pseudonymKey(n)),
        list: () =>
          [...contacts.values()].map((c) => ({
            pseudonym: c.pseudonym,
            userId: toHex(c.card.userId),
            ...(c.nameLeft === true ? { nameLeft: true as const } : {}),
          })),
      },
      events,
      settings: {
        intervalMs: INTERVAL,
        missedBeforeExpiry: MISSED,
        openTransport: lan.at(address),
        ...settings,
      },
      relay: {
        ready: true,
        send: (frame) => {
          sent.push(frame);
          return true;
        },
        relayHeard: (id, a) => heard.push(`${id}@${a.host}:${a.port}`),
      },
      clock,
    });
    const n: Node = {
      presence,
      events,
      changes: [],
      conflicts: [],
      relays: [],
      heard,
      sent,
      contacts,
      peer,
    };
    events.on('roster:change', (e) => n.changes.push(e));
    events.on('roster:conflict', (e) => n.conflicts.push(e));
    events.on('relay:discovered', (e) => n.relays.push(e));
    nodes.push(n);
    if (start) await presence.start();
    await flush();
    return n;
  }

  const names = (n: Node) => n.presence.online().map((p) => p.pseudonym);
  const fp = (n: Node | TestPeer) => fingerprint(('peer' in n ? n.peer : n).identity.signPk);

  /** `name`, a new peer, pinned as `at`'s contact, and said so as the contact book would. */
  function pinContact(at: Node, name: string): TestPeer {
    const peer = makePeer(name);
    at.contacts.set(pseudonymKey(name), contactOf(peer.card));
    at.events.emit('contact:new', {
      pseudonym: name,
      userId: peer.id,
      fingerprint: fingerprint(peer.identity.signPk),
      verified: false,
      keyChanged: false,
      pendingKeys: [],
    });
    return peer;
  }

  it('lists a LAN peer as an OnlinePeer with its fingerprint, source and address', async () => {
    const alice = await node('alice', '10.0.0.1');
    const bob = await node('bob', '10.0.0.2', { status: 'away', statusText: 'lunch' });
    const [seen] = alice.presence.online();
    assert.deepEqual(seen, {
      pseudonym: 'bob',
      userId: bob.peer.id,
      fingerprint: fingerprint(bob.peer.identity.signPk),
      status: 'away',
      statusText: 'lunch',
      source: 'lan',
      address: '10.0.0.2',
      keyChanged: false,
      verified: false,
    });
    assert.deepEqual(
      alice.changes.map((c) => [c.type, c.peer.pseudonym]),
      [['join', 'bob']],
    );
    assert.deepEqual(names(bob), ['alice']);
  });

  it('merges the relay roster: ignores its own entry, drops unsigned cards, shows both sources', async () => {
    const alice = await node('alice', '10.0.0.1');
    const bob = await node('bob', '10.0.0.2');
    const carol = makePeer('carol');
    const forged = makePeer('mallory');
    const unsigned = { ...forged.card, cardSig: new Uint8Array(64).fill(7) };
    alice.presence.onRelayRoster({
      type: 'roster-update',
      full: true,
      entries: [
        entry(alice.peer),
        entry(bob.peer),
        entry(carol),
        { ...entry(forged), card: unsigned },
      ],
    });
    assert.deepEqual(
      alice.presence.online().map((p) => [p.pseudonym, p.source]),
      [
        ['bob', 'both'],
        ['carol', 'relay'],
      ],
    );
    assert.equal(alice.presence.online()[1]?.address, undefined);
  });

  it('drops a relay roster card whose pseudonym was changed after it was signed', async () => {
    const alice = await node('alice', '10.0.0.1');
    const carol = makePeer('carol');
    alice.presence.onRelayRoster({
      type: 'roster-update',
      full: true,
      entries: [{ ...entry(carol), card: { ...carol.card, pseudonym: 'dave' } }],
    });
    assert.deepEqual(names(alice), []);
    alice.presence.onRelayRoster({ type: 'roster-update', full: true, entries: [entry(carol)] });
    assert.deepEqual(names(alice), ['carol']);
  });

  it("shows a status from the relay only with the user's signature, and counts forged ones", async () => {
    const alice = await node('alice', '10.0.0.1');
    const carol = makePeer('carol');
    const dave = makePeer('dave');
    const busy = signedEntry(carol, 'busy', 'in a meeting', 100);
    alice.presence.onRelayRoster({ type: 'roster-update', full: true, entries: [busy] });
    assert.deepEqual(
      alice.presence.online().map((p) => [p.pseudonym, p.status, p.statusText]),
      [['carol', 'busy', 'in a meeting']],
    );
    // The relay rewrites carol's text, then claims an unsigned status for dave.
    alice.presence.onRelayRoster({
      type: 'roster-update',
      full: false,
      entries: [
        { ...busy, statusText: 'resigned today' },
        { ...signedEntry(carol, 'away', 'x', 101), status: 'busy' },
        entry(dave, { status: 'away', statusText: 'on holiday' }),
      ],
    });
    assert.deepEqual(
      alice.presence.online().map((p) => [p.pseudonym, p.status, p.statusText]),
      [['carol', 'busy', 'in a meeting']],
    );
    assert.deepEqual(alice.presence.stats(), { forgedStatuses: 3, staleStatuses: 0 });
  });

  it('drops a replayed older status from the relay, and takes the same one again', async () => {
    const alice = await node('alice', '10.0.0.1');
    const carol = makePeer('carol');
    const older = signedEntry(carol, 'busy', 'in a meeting', 100);
    const newer = signedEntry(carol, 'online', 'back', 200);
    for (const e of [older, newer, older]) {
      alice.presence.onRelayRoster({ type: 'roster-update', full: false, entries: [e] });
    }
    assert.deepEqual(
      alice.presence.online().map((p) => [p.status, p.statusText]),
      [['online', 'back']],
    );
    assert.deepEqual(alice.presence.stats(), { forgedStatuses: 0, staleStatuses: 1 });
    // A full roster after a reconnect repeats the newest status: not a replay.
    alice.presence.onRelayRoster({ type: 'roster-update', full: true, entries: [newer] });
    assert.deepEqual(alice.presence.stats(), { forgedStatuses: 0, staleStatuses: 1 });
    assert.equal(alice.presence.online()[0]?.statusText, 'back');
  });

  it("shows an unsigned relay entry (a session that has not signed) as 'online', whatever was signed before", async () => {
    const alice = await node('alice', '10.0.0.1');
    const carol = makePeer('carol');
    const dave = makePeer('dave');
    alice.presence.onRelayRoster({
      type: 'roster-update',
      full: true,
      entries: [signedEntry(carol, 'away', 'lunch', 100), entry(dave)],
    });
    // carol comes back in a session that keeps the default status: nothing signed.
    alice.presence.onRelayRoster({ type: 'roster-update', full: false, entries: [entry(carol)] });
    assert.deepEqual(
      alice.presence.online().map((p) => [p.pseudonym, p.status, p.statusText]),
      [
        ['carol', 'online', ''],
        ['dave', 'online', ''],
      ],
    );
    // The old signed status is still older than what carol signed last: not taken again.
    alice.presence.onRelayRoster({
      type: 'roster-update',
      full: false,
      entries: [signedEntry(carol, 'busy', 'old', 99)],
    });
    assert.equal(alice.presence.online()[0]?.status, 'online');
    assert.deepEqual(alice.presence.stats(), { forgedStatuses: 0, staleStatuses: 1 });
  });

  it('removes a user the relay reports gone at once, even one also heard on the LAN', async () => {
    const alice = await node('alice', '10.0.0.1');
    const bob = await node('bob', '10.0.0.2');
    alice.presence.onRelayRoster({ type: 'roster-update', full: true, entries: [entry(bob.peer)] });
    assert.equal(alice.presence.online()[0]?.source, 'both');
    alice.presence.onRelayRoster({
      type: 'roster-update',
      full: false,
      entries: [entry(bob.peer, { online: false })],
    });
    assert.deepEqual(names(alice), []);
    assert.equal(alice.changes.at(-1)?.type, 'leave');
    assert.equal(alice.changes.at(-1)?.reason, 'relay-gone');
  });

  /** alice, with bob on her LAN and at the relay, and carol at the relay only. */
  async function withBobOnBothCarolAtRelay() {
    const alice = await node('alice', '10.0.0.1');
    const bob = await node('bob', '10.0.0.2');
    alice.presence.onRelayRoster({
      type: 'roster-update',
      full: true,
      entries: [entry(bob.peer), entry(makePeer('carol'))],
    });
    return alice;
  }

  it('drops only relay-sourced entries when the relay link goes', async () => {
    const alice = await withBobOnBothCarolAtRelay();
    alice.presence.onRelayOffline();
    assert.deepEqual(
      alice.presence.online().map((p) => [p.pseudonym, p.source]),
      [['bob', 'lan']],
    );
    // carol did not go: we lost sight of her with the link (the chat notes no 'left').
    const left = alice.changes.at(-1);
    assert.equal(left?.type, 'leave');
    assert.equal(left?.reason, 'link-lost');
  });

  it('reports nothing of its own going once stopped: the relay entries its link took are not peers leaving', async () => {
    const alice = await withBobOnBothCarolAtRelay();
    const before = alice.changes.length;
    // Logging out: presence stops, then the link goes (client.ts logout()).
    await alice.presence.stop();
    alice.presence.onRelayOffline();
    assert.deepEqual(
      alice.changes.slice(before),
      [],
      'a watch through the control socket printed them',
    );
  });

  it("reports a heartbeat claiming a contact's pseudonym with another key as a conflict, never as them", async () => {
    const alice = await node('alice', '10.0.0.1', {}, false);
    const realBob = makePeer('bob');
    alice.contacts.set(pseudonymKey('bob'), contactOf(realBob.card));
    await alice.presence.start();
    const impostor = await node('bob', '10.0.0.66');
    assert.deepEqual(names(alice), []);
    assert.deepEqual(alice.conflicts, [
      {
        pseudonym: 'bob',
        claimedFingerprint: fingerprint(impostor.peer.identity.signPk),
        pinnedFingerprint: fingerprint(realBob.identity.signPk),
      },
    ]);
  });

  it("lists whoever took a contact's old name once the relay confirmed the rename: no impostor of the contact", async () => {
    const alice = await node('alice', '10.0.0.1', {}, false);
    const robert = makePeer('robert');
    const oldName = { ...robert.card, pseudonym: 'bob' };
    alice.contacts.set(pseudonymKey('robert'), contactOf(robert.card));
    alice.contacts.set(pseudonymKey('bob'), contactOf(oldName, { nameLeft: true }));
    await alice.presence.start();
    await node('bob', '10.0.0.66');
    assert.deepEqual(names(alice), ['bob']);
    assert.deepEqual(alice.conflicts, []);
    // Until then the old name is still theirs: another key under it is an impostor.
    const dave = await node('dave', '10.0.0.2', {}, false);
    dave.contacts.set(pseudonymKey('robert'), contactOf(robert.card));
    dave.contacts.set(pseudonymKey('bob'), contactOf(oldName));
    await dave.presence.start();
    clock.advance(INTERVAL);
    await flush();
    assert.deepEqual(names(dave).includes('bob'), false);
    assert.equal(dave.conflicts.length, 1);
  });

  it("reports a name that looks like a contact's, under another key, as a conflict, never as them", async () => {
    const alice = await node('alice', '10.0.0.1');
    // A stranger heard first: the look-alike index is built, then the contact book changes.
    await node('carol', '10.0.0.3');
    const mallory = pinContact(alice, 'mallory');
    const latin = await node('rnallory', '10.0.0.66');
    const mixed = await node('m\u0430llory', '10.0.0.67');
    const ownLookalike = await node('aIice', '10.0.0.68');
    assert.deepEqual(names(alice), ['carol']);
    assert.deepEqual(
      alice.conflicts.map((c) => [c.pseudonym, c.claimedFingerprint, c.pinnedFingerprint]),
      [
        ['rnallory', fp(latin), fp(mallory)],
        ['m\u0430llory', fp(mixed), fp(mallory)],
        ['aIice', fp(ownLookalike), fp(alice)],
      ],
    );
  });

  it('unlists a look-alike heard before the name it looks like was known, and says it then: a contact pinned, or the relay reporting the name', async () => {
    const alice = await node('alice', '10.0.0.1');
    const early = await node('rnallory', '10.0.0.66');
    const before = await node('b0b', '10.0.0.67');
    assert.deepEqual(names(alice), ['b0b', 'rnallory']);
    const mallory = pinContact(alice, 'mallory');
    assert.deepEqual(names(alice), ['b0b']);
    const bob = makePeer('bob');
    alice.presence.onRelayRoster({ type: 'roster-update', full: true, entries: [entry(bob)] });
    assert.deepEqual(names(alice), ['bob']);
    const said = [
      ['rnallory', fp(early), fp(mallory)],
      ['b0b', fp(before), fp(bob)],
    ];
    assert.deepEqual(
      alice.conflicts.map((c) => [c.pseudonym, c.claimedFingerprint, c.pinnedFingerprint]),
      said,
    );
    assert.deepEqual(
      alice.changes.filter((c) => c.type === 'leave').map((c) => [c.peer.pseudonym, c.reason]),
      [
        ['rnallory', 'outranked'],
        ['b0b', 'outranked'],
      ],
    );
    assert.deepEqual(
      alice.presence
        .impostors()
        .map((c) => [c.pseudonym, c.claimedFingerprint, c.pinnedFingerprint])
        .sort(),
      said.sort(),
    );
    // Their next heartbeats change nothing, and say nothing again.
    clock.advance(INTERVAL);
    await flush();
    assert.deepEqual(names(alice), ['bob']);
    assert.equal(alice.conflicts.length, 2);
  });

  it('never lists someone else under our own pseudonym', async () => {
    const alice = await node('alice', '10.0.0.1');
    await node('alice', '10.0.0.66');
    assert.deepEqual(names(alice), []);
    assert.equal(alice.conflicts[0]?.pinnedFingerprint, fingerprint(alice.peer.identity.signPk));
  });

  it('marks contacts as verified, and a pinned contact with a pending key change as keyChanged', async () => {
    const alice = await node('alice', '10.0.0.1', {}, false);
    const bob = makePeer('bob');
    const carol = makePeer('carol');
    alice.contacts.set(pseudonymKey('bob'), contactOf(bob.card, { verified: true }));
    alice.contacts.set(
      pseudonymKey('carol'),
      contactOf(carol.card, { pending: makePeer('carol').card }),
    );
    alice.presence.onRelayRoster({
      type: 'roster-update',
      full: true,
      entries: [entry(bob), entry(carol)],
    });
    assert.deepEqual(
      alice.presence.online().map((p) => [p.pseudonym, p.verified, p.keyChanged]),
      [
        ['bob', true, false],
        ['carol', false, true],
      ],
    );
  });

  it('lists a relay-reported claim once trust() re-pins the contact to that key', async () => {
    const alice = await node('alice', '10.0.0.1', {}, false);
    const oldBob = makePeer('bob');
    const newBob = makePeer('bob');
    alice.contacts.set(pseudonymKey('bob'), contactOf(oldBob.card));
    alice.presence.onRelayRoster({ type: 'roster-update', full: true, entries: [entry(newBob)] });
    assert.equal(alice.conflicts.length, 1);
    assert.equal(alice.presence.impostors().length, 1);
    assert.deepEqual(names(alice), []);
    alice.contacts.set(pseudonymKey('bob'), contactOf(newBob.card, { verified: true }));
    alice.events.emit('contact:trusted', {
      pseudonym: 'bob',
      userId: newBob.id,
      fingerprint: fingerprint(newBob.identity.signPk),
      verified: true,
      keyChanged: false,
      pendingKeys: [],
    });
    assert.deepEqual(
      alice.presence.online().map((p) => [p.pseudonym, p.userId, p.verified]),
      [['bob', newBob.id, true]],
    );
    assert.deepEqual(alice.presence.impostors(), [], 'no impostor of bob now: bob');
  });

  it('keeps saying a relay impostor while the relay lists it, past any heartbeat budget, and says it once', async () => {
    const alice = await node('alice', '10.0.0.1');
    await node('carol', '10.0.0.3'); // a LAN peer: the roster's expiry runs all along
    const bob = pinContact(alice, 'bob');
    const impostor = makePeer('bob');
    alice.presence.onRelayRoster({ type: 'roster-update', full: true, entries: [entry(impostor)] });
    const said = [['bob', fp(impostor), fp(bob)]];
    const impostors = () =>
      alice.presence
        .impostors()
        .map((c) => [c.pseudonym, c.claimedFingerprint, c.pinnedFingerprint]);
    assert.deepEqual(impostors(), said);
    for (let i = 0; i < 3 * MISSED; i++) {
      clock.advance(INTERVAL);
      await flush();
    }
    assert.deepEqual(names(alice), ['carol']);
    assert.deepEqual(impostors(), said);
    // A later status of theirs through the relay is the same claim: not said again.
    alice.presence.onRelayRoster({
      type: 'roster-update',
      full: false,
      entries: [signedEntry(impostor, 'away', 'back soon', 1)],
    });
    assert.equal(alice.conflicts.length, 1);
    alice.presence.onRelayRoster({
      type: 'roster-update',
      full: false,
      entries: [entry(impostor, { online: false })],
    });
    assert.deepEqual(impostors(), []);
  });

  it('announces a status change at once and sends SetStatus to the relay', async () => {
    const alice = await node('alice', '10.0.0.1');
    const bob = await node('bob', '10.0.0.2');
    const selves: PeerEventMap['presence:self'][] = [];
    bob.events.on('presence:self', (e) => selves.push(e));
    await bob.presence.setStatus('busy', 'in a meeting');
    await flush();
    assert.deepEqual(selves, [{ status: 'busy', statusText: 'in a meeting' }]);
    assert.equal(alice.presence.online()[0]?.status, 'busy');
    assert.equal(alice.presence.online()[0]?.statusText, 'in a meeting');
    assert.equal(alice.changes.at(-1)?.type, 'update');
    const [sent] = bob.sent;
    assert.ok(sent?.type === 'set-status');
    assert.deepEqual([bob.sent.length, sent.status, sent.statusText], [1, 'busy', 'in a meeting']);
    assert.ok(verifyStatus(bob.peer.identity.signPk, sent, sent.sig), "signed with bob's key");
    await assert.rejects(bob.presence.setStatus('busy', 'x'.repeat(81)), (e) =>
      isNatterError(e, 'E_BAD_STATUS'),
    );
    await assert.rejects(bob.presence.setStatus('gone' as 'busy'), (e) =>
      isNatterError(e, 'E_BAD_STATUS'),
    );
  });

  it('tells a new relay session a non-default status, signed with a seq that always grows, and nothing otherwise', async () => {
    const plain = await node('alice', '10.0.0.1');
    plain.presence.onRelayReady();
    assert.deepEqual(plain.sent, []);
    const away = await node('bob', '10.0.0.2', { status: 'away' });
    away.presence.onRelayReady();
    away.presence.onRelayReady(); // the same millisecond on the injected clock
    const statuses = away.sent.map((f) => {
      assert.ok(f.type === 'set-status');
      assert.ok(verifyStatus(away.peer.identity.signPk, f, f.sig));
      return [f.status, f.statusText, f.seq];
    });
    const now = clock.now();
    assert.deepEqual(statuses, [
      ['away', '', now],
      ['away', '', now + 1],
    ]);
  });

  it('expires a silent LAN peer after the missed-heartbeat budget', async () => {
    const alice = await node('alice', '10.0.0.1');
    const bob = await node('bob', '10.0.0.2');
    await bob.presence.stop({ bye: false });
    clock.advance(INTERVAL * MISSED - 10);
    await flush();
    assert.deepEqual(names(alice), ['bob']);
    clock.advance(INTERVAL + 20);
    await flush();
    assert.deepEqual(names(alice), []);
    assert.equal(alice.changes.at(-1)?.reason, 'expired');
  });

  it('removes a peer at once when it stops with BYE', async () => {
    const alice = await node('alice', '10.0.0.1');
    const bob = await node('bob', '10.0.0.2');
    await bob.presence.stop();
    await flush();
    assert.deepEqual(names(alice), []);
    assert.equal(alice.changes.at(-1)?.reason, 'bye');
  });

  it('as a listener, hears everyone and announces nothing', async () => {
    const alice = await node('alice', '10.0.0.1');
    const listener = await node(null, '10.0.0.9');
    assert.deepEqual(names(listener), ['alice']);
    assert.deepEqual(names(alice), []);
  });

  it('does not bind or send anything when not announcing, until asked to discover', async () => {
    const quiet = await node('alice', '10.0.0.1', { announce: false });
    const bob = await node('bob', '10.0.0.2');
    assert.deepEqual(names(bob), []);
    assert.deepEqual(names(quiet), []);
    assert.equal(quiet.presence.canDiscover, true);
  });

  describe('relay discovery', () => {
    async function relayBeacon(address: string, name: string, key = generateSigningKeyPair()) {
      const beacon = new RelayBeacon({
        relayId: key.publicKey,
        relaySecretKey: key.secretKey,
        relayPort: 47474,
        name,
        intervalMs: INTERVAL,
        clock,
        openTransport: lan.at(address),
      });
      await beacon.start();
      nodes.push({ presence: { stop: () => beacon.stop() } } as unknown as Node);
      return toHex(key.publicKey);
    }

    /** Lets the LAN deliver, then closes the candidate window on the injected clock. */
    async function settled<T>(pending: Promise<T>, ms = CANDIDATE_WINDOW_MS): Promise<T> {
      await flush();
      clock.advance(ms);
      return pending;
    }

    it('hears relay beacons in a quiet client while its relay link is lost, and not once it is ready again', async () => {
      const relayId = await relayBeacon('10.0.0.5', 'office');
      const quiet = await node('alice', '10.0.0.1', { announce: false });
      const beacons = async () => {
        for (let i = 0; i < 3; i++) {
          clock.advance(INTERVAL);
          for (let j = 0; j < 5; j++) await flush();
        }
        return quiet.heard.length;
      };
      quiet.presence.watch.linkState('connecting');
      assert.equal(await beacons(), 0, 'no socket while the first dial goes');
      quiet.presence.watch.linkState('offline');
      assert.ok((await beacons()) > 0, 'a lost link listens');
      assert.equal(quiet.heard[0], `${relayId}@10.0.0.5:47474`);
      quiet.presence.watch.linkState('ready');
      await flush();
      const before = quiet.heard.length;
      assert.equal(await beacons(), before, 'a ready link closes the listener');
      quiet.presence.watch.linkState('offline');
      assert.ok((await beacons()) > before, 'and a link lost again listens again');
    });

    it('finds a relay from its beacon and reports it once', async () => {
      const relayId = await relayBeacon('10.0.0.5', 'office');
      const alice = await node('alice', '10.0.0.1');
      const { found } = await settled(alice.presence.discoverRelay(1000));
      assert.deepEqual(found, {
        host: '10.0.0.5',
        port: 47474,
        relayId,
        name: 'office',
        candidates: [{ host: '10.0.0.5', port: 47474 }],
      });
      clock.advance(INTERVAL * 2);
      await flush();
      assert.deepEqual(alice.relays, [{ address: '10.0.0.5:47474', relayId, name: 'office' }]);
    });

    it('listens briefly when not announcing, and prefers a relay it has pinned', async () => {
      await relayBeacon('10.0.0.5', 'first');
      const pinned = await relayBeacon('10.0.0.6', 'pinned');
      const quiet = await node('alice', '10.0.0.1', { announce: false });
      const found = quiet.presence.discoverRelay(1000, { preferred: new Set([pinned]) });
      assert.equal((await settled(found, DISCOVERY_SETTLE_MS)).found?.name, 'pinned');
    });

    it('takes an unpinned relay after a short settle when no pinned one answers and the query allows it', async () => {
      await relayBeacon('10.0.0.5', 'only');
      const alice = await node('alice', '10.0.0.1');
      const found = alice.presence.discoverRelay(1000, { preferred: new Set(['00'.repeat(32)]) });
      await flush();
      clock.advance(DISCOVERY_SETTLE_MS);
      assert.equal((await settled(found)).found?.name, 'only');
    });

    it('ignores a relay with another id once one is pinned, and says which it ignored', async () => {
      const other = await relayBeacon('10.0.0.5', 'not ours');
      const alice = await node('alice', '10.0.0.1');
      const pending = alice.presence.discoverRelay(500, {
        preferred: new Set(['ab'.repeat(32)]),
        preferredOnly: true,
      });
      const { found, ignored } = await settled(pending, 500);
      assert.equal(found, undefined);
      assert.deepEqual(ignored, [{ relayId: other, name: 'not ours', address: '10.0.0.5:47474' }]);
    });

    it('takes the pinned relay from whatever address it announces itself, beside another relay', async () => {
      const key = generateSigningKeyPair();
      await relayBeacon('10.0.0.5', 'not ours');
      const pinned = await relayBeacon('10.0.0.77', 'moved', key);
      const alice = await node('alice', '10.0.0.1');
      const pending = alice.presence.discoverRelay(1000, {
        preferred: new Set([pinned]),
        preferredOnly: true,
      });
      const { found } = await settled(pending);
      assert.deepEqual([found?.relayId, found?.host], [pinned, '10.0.0.77']);
    });

    it('keeps every address announcing the relay as a candidate, not only the first to arrive', async () => {
      const key = generateSigningKeyPair();
      const relayId = toHex(key.publicKey);
      const alice = await node('alice', '10.0.0.1', { announce: false });
      const pending = alice.presence.discoverRelay(1000, { preferred: new Set([relayId]) });
      await flush();
      // A recorded genuine beacon, replayed by 10.0.0.66 before the relay's own copy arrives.
      const recorded = signPresence(
        {
          kind: 'relay',
          relayId: key.publicKey,
          relayPort: 47474,
          relayName: 'office',
          seq: 41,
          timestampMs: clock.now(),
        },
        key.secretKey,
      );
      lan.inject(recorded, '10.0.0.66', 47475);
      lan.inject(recorded, '10.0.0.5', 47475);
      const { found } = await settled(pending);
      assert.deepEqual(found?.candidates, [
        { host: '10.0.0.66', port: 47474 },
        { host: '10.0.0.5', port: 47474 },
      ]);
    });

    it('skips addresses already refused', async () => {
      const relayId = await relayBeacon('10.0.0.5', 'office');
      const alice = await node('alice', '10.0.0.1');
      const pending = alice.presence.discoverRelay(300, {
        preferred: new Set([relayId]),
        preferredOnly: true,
        exclude: new Set(['10.0.0.5:47474']),
      });
      assert.equal((await settled(pending, 300)).found, undefined);
    });

    it('gives up after the timeout when no relay answers', async () => {
      const alice = await node('alice', '10.0.0.1');
      const pending = alice.presence.discoverRelay(500);
      await flush();
      clock.advance(500);
      assert.deepEqual(await pending, {
        found: undefined,
        ignored: [],
        several: [],
        heardAny: false,
      });
    });

    it('does not choose between two relays for a profile with none: both are listed, by address, with their ids', async () => {
      const second = await relayBeacon('10.0.0.9', 'stray');
      const first = await relayBeacon('10.0.0.5', 'office');
      const alice = await node('alice', '10.0.0.1');
      const pending = alice.presence.discoverRelay(10_000, { refuseSeveral: true });
      const result = await settled(pending, SEVERAL_SETTLE_MS);
      assert.equal(result.found, undefined, 'neither is taken');
      assert.deepEqual(result.several, [
        { relayId: first, name: 'office', address: '10.0.0.5:47474' },
        { relayId: second, name: 'stray', address: '10.0.0.9:47474' },
      ]);
    });

    it('takes the one relay heard when several are refused, once the others had their moment', async () => {
      await relayBeacon('10.0.0.5', 'office');
      const alice = await node('alice', '10.0.0.1');
      const pending = alice.presence.discoverRelay(10_000, { refuseSeveral: true });
      await flush();
      clock.advance(SEVERAL_SETTLE_MS);
      const result = await settled(pending);
      assert.equal(result.found?.name, 'office');
      assert.deepEqual(result.several, []);
    });

    it('stops listening once no relay at all was heard for unheardEndAfterMs, not after the whole wait', async () => {
      const alice = await node('alice', '10.0.0.1');
      let done = false;
      const pending = alice.presence.discoverRelay(30_000, { unheardEndAfterMs: 6_000 });
      void pending.then(() => {
        done = true;
      });
      await flush();
      clock.advance(5_999);
      await flush();
      assert.equal(done, false, 'still listening before it');
      clock.advance(1);
      const result = await pending;
      assert.deepEqual([result.found, result.heardAny], [undefined, false]);
    });

    it('keeps listening past unheardEndAfterMs when a relay it may not take is heard', async () => {
      await relayBeacon('10.0.0.5', 'not ours');
      const alice = await node('alice', '10.0.0.1');
      let done = false;
      const pending = alice.presence.discoverRelay(30_000, {
        preferred: new Set(['ab'.repeat(32)]),
        preferredOnly: true,
        unheardEndAfterMs: 6_000,
      });
      void pending.then(() => {
        done = true;
      });
      // Step by step, so the relay's own beacons keep it listed meanwhile.
      for (let ms = 0; ms < 6_000; ms += 500) {
        await flush();
        clock.advance(500);
      }
      await flush();
      assert.equal(done, false, 'a relay was heard: the LAN is not silent');
      clock.advance(24_000);
      const result = await pending;
      assert.equal(result.heardAny, true);
    });
  });
});
