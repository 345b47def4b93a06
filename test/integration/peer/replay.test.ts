/**
 * Old mail replayed through a real relay (issue 10, finding 3). A relay that kept
 * copies of delivered mail sends them again; here a raw client sends the very
 * Send frames it sent before, which is all a relay can do. The client refuses
 * them: by counter when its seen-set is gone but the counters are not, by send
 * time when the mail is older than the mail lifetime (whatever the profile lost),
 * and notes a gap in a sender's counters without refusing anything.
 */
import assert from 'node:assert/strict';
import type { Identity } from '../../../src/crypto/keys.js';
import type { NatterClient } from '../../../src/peer/client.js';
import {
  MAX_FUTURE_SKEW_MS,
  MAX_MESSAGE_AGE_MS,
  sealInner,
} from '../../../src/peer/conversations/envelope.js';
import type { PeerEventMap } from '../../../src/peer/events.js';
import { profilePaths } from '../../../src/peer/profile.js';
import { PeerStore, PREFIX } from '../../../src/peer/store.js';
import type { Card, FrameOf, Inner } from '../../../src/wire/types.js';
import { type Person, person, textInner } from '../../helpers/peer-fixtures.js';
import { makeClient, type TestProfile } from '../../helpers/profile.js';
import { RawClient } from '../../helpers/raw-client.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';

type Send = FrameOf<'send'>;

/** `inner` sealed by `from` for the holder of `to`, as a Send frame. */
function sealedSend(from: Person, to: Card, inner: Inner): Send {
  const sealed = sealInner(from.keyring, to.boxPk, inner);
  return { type: 'send', to: to.userId, msgId: inner.msgId, ...sealed };
}

/** Sends each frame as `who` and waits until the relay has stored it. */
async function sendAll(relay: TestRelay, who: Person, frames: Send[]): Promise<void> {
  const { client } = await RawClient.login(relay.port, who.id, who.name);
  try {
    for (const f of frames) {
      client.send(f);
      const ack = await client.next((x) => x.type === 'send-ack' || x.type === 'error');
      assert.equal(ack.type === 'send-ack' && ack.code, 'stored', JSON.stringify(ack));
    }
  } finally {
    client.close();
  }
}

/** `name`'s card as the relay's directory has it. */
async function lookUp(relay: TestRelay, name: string): Promise<Card> {
  const asker = person('carol');
  const { client } = await RawClient.login(relay.port, asker.id, asker.name);
  try {
    client.send({ type: 'lookup', requestId: 1, by: { pseudonym: name } });
    const result = await client.next((f) => f.type === 'lookup-result');
    assert.ok(result.type === 'lookup-result' && result.card !== null, `no card for ${name}`);
    return result.card;
  } finally {
    client.close();
  }
}

/** What the relay still holds for `id` (Ready.pending at a fresh raw login). */
async function pendingFor(relay: TestRelay, id: Identity, name: string): Promise<number> {
  const { client, ready } = await RawClient.login(relay.port, id, name, 'login');
  client.close();
  return ready.pending;
}

/** Every `name` event of `client` from now on. */
function record<K extends keyof PeerEventMap>(client: NatterClient, name: K): PeerEventMap[K][] {
  const seen: PeerEventMap[K][] = [];
  client.on(name, (e) => seen.push(e));
  return seen;
}

/** Deletes the profile's seen-set (its counters stay), as a restore that lost it would. */
async function wipeSeenSet(profile: TestProfile): Promise<number> {
  const paths = profilePaths(profile.dir);
  const store = await PeerStore.open(paths.db, paths.dir);
  try {
    const keys: string[] = [];
    for (const prefix of [PREFIX.seen2, PREFIX.seenByTime, PREFIX.seen]) {
      for await (const [key] of store.kv.entries({ gte: prefix, lt: `${prefix}\xff` })) {
        keys.push(key);
      }
    }
    await store.write(keys.map((key) => ({ type: 'del' as const, key })));
    return keys.length;
  } finally {
    await store.close();
  }
}

describe('old mail replayed through a real relay (integration, loopback)', () => {
  let relay: TestRelay;
  const clients: NatterClient[] = [];
  const alice = person('alice');

  /** bob's client on `profile` (a new profile unless given), connected and drained. */
  async function bobReads(profile?: TestProfile) {
    const bob = await makeClient('bob', relay, profile === undefined ? {} : { profile });
    clients.push(bob);
    const received = record(bob, 'message:received');
    const damaged = record(bob, 'message:damaged');
    const notices = record(bob, 'conversation:notice');
    await bob.connect();
    await bob.waitForInbox();
    return { bob, received, damaged, notices };
  }

  beforeEach(async () => {
    relay = await startTestRelay();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await relay.close();
    await removeTempDirs();
  });

  /** Registers bob and goes offline again: mail sent now waits for his next login. */
  async function registerBob(): Promise<TestProfile> {
    const registering = await bobReads();
    await registering.bob.logout();
    return registering.bob.profile;
  }

  it('refuses mail replayed after the seen-set is wiped, by counter, and acknowledges it', async () => {
    const profile = await registerBob();
    const bobCard = await lookUp(relay, 'bob');
    const now = Date.now();
    const frames = [1, 2, 3].map((counter) =>
      sealedSend(
        alice,
        bobCard,
        textInner(alice, alice, `m${counter}`, {
          recipient: bobCard.userId,
          counter,
          sentAtMs: now + counter,
        }),
      ),
    );
    await sendAll(relay, alice, frames);
    const first = await bobReads(profile);
    assert.deepEqual(
      first.received.map((m) => m.text),
      ['m1', 'm2', 'm3'],
    );
    await first.bob.logout();
    assert.ok((await wipeSeenSet(profile)) >= 3);

    await sendAll(relay, alice, frames);
    const again = await bobReads(profile);
    assert.deepEqual(again.received, [], 'nothing shown again');
    assert.deepEqual(
      again.damaged.map((d) => [d.reason, d.claimedFrom.pseudonym]),
      [
        ['counter-reused', 'alice'],
        ['counter-reused', 'alice'],
      ],
    );
    assert.equal(again.bob.stats().duplicateDeliveries, 1, 'the newest is a known copy');
    await again.bob.logout();
    assert.equal(await pendingFor(relay, profile.identity, 'bob'), 0, 'all acknowledged');
  });

  it('refuses mail older than the mail lifetime, and mail from the future, on a profile with nothing to compare', async () => {
    // Nothing received yet: no seen-set, no counters, as after losing the store.
    const profile = await registerBob();
    const bobCard = await lookUp(relay, 'bob');
    const now = Date.now();
    await sendAll(relay, alice, [
      sealedSend(
        alice,
        bobCard,
        textInner(alice, alice, 'from last season', {
          recipient: bobCard.userId,
          sentAtMs: now - MAX_MESSAGE_AGE_MS - 60_000,
        }),
      ),
      sealedSend(
        alice,
        bobCard,
        textInner(alice, alice, 'from next week', {
          recipient: bobCard.userId,
          counter: 2,
          sentAtMs: now + MAX_FUTURE_SKEW_MS + 60_000,
        }),
      ),
    ]);
    const bob = await bobReads(profile);
    assert.deepEqual(bob.received, []);
    assert.deepEqual(
      bob.damaged.map((d) => d.reason),
      ['expired', 'future-dated'],
    );
    await bob.bob.logout();
    assert.equal(await pendingFor(relay, profile.identity, 'bob'), 0);
  });

  it('notes a gap in a sender’s counters, shows what came, and keeps the notice for the next UI', async () => {
    const profile = await registerBob();
    const bobCard = await lookUp(relay, 'bob');
    const now = Date.now();
    const at = (counter: number) =>
      sealedSend(
        alice,
        bobCard,
        textInner(alice, alice, `m${counter}`, {
          recipient: bobCard.userId,
          counter,
          sentAtMs: now + counter,
        }),
      );
    await sendAll(relay, alice, [at(1), at(4)]);
    const first = await bobReads(profile);
    assert.deepEqual(
      first.received.map((m) => m.text),
      ['m1', 'm4'],
    );
    assert.deepEqual(
      first.notices.map((n) => [n.kind, n.previousCounter, n.counter, n.missing]),
      [['gap', 1, 4, 2]],
    );
    await first.bob.logout();

    await sendAll(relay, alice, [at(2)]);
    const later = await bobReads(profile);
    assert.deepEqual(
      later.received.map((m) => m.text),
      ['m2'],
      'a late message is shown as usual',
    );
    assert.deepEqual(later.damaged, []);
    assert.deepEqual(later.notices, []);
    assert.deepEqual(
      (await later.bob.takeNotices()).map((n) => [n.kind, n.from.pseudonym]),
      [['gap', 'alice']],
      'the notice waits for a UI to show it',
    );
    assert.deepEqual(await later.bob.takeNotices(), [], 'each notice is taken once');
  });
});
