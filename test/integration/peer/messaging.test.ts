import assert from 'node:assert/strict';
import type { NatterClient } from '../../../src/peer/client.js';
import type { ReceivedMessage } from '../../../src/peer/events.js';
import { isNatterError } from '../../../src/util/errors.js';
import { nextEvent } from '../../helpers/events.js';
import { makeClient, makeProfile } from '../../helpers/profile.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { testWorld } from '../../helpers/world.js';

/** Resolves with the next `name` event matching `test`. */

async function received(client: NatterClient, count: number): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`got ${out.length} of ${count} messages`)),
      10_000,
    );
    const off = client.on('message:received', (m) => {
      out.push(m);
      if (out.length === count) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
  return out;
}

describe('peer messaging through a real relay', () => {
  let relay: TestRelay;
  const clients: NatterClient[] = [];

  const client = async (name: string, options: Parameters<typeof makeClient>[2] = {}) => {
    const c = await makeClient(name, relay, options);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    relay = await startTestRelay();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await relay.close();
    await removeTempDirs();
  });

  it('findUser: a registered name, nobody, myself, a name nobody can have, and no relay to ask', async () => {
    const alice = await client('alice');
    const bob = await client('bob');
    await bob.connect();
    await bob.close();
    assert.equal(await alice.findUser('bob'), 'unreachable', 'not connected: nobody to ask');
    await alice.connect();
    assert.equal(await alice.findUser('BOB'), 'known');
    assert.ok(alice.contact('bob'), 'pinned on this first use');
    assert.equal(await alice.findUser('nobody'), 'unknown');
    assert.equal(await alice.findUser('alice'), 'self');
    await assert.rejects(alice.findUser('no body\n'), { code: 'E_BAD_PSEUDONYM' });
  });

  it('registers on first connect and logs in on the next', async () => {
    const alice = await client('alice');
    await alice.connect();
    await alice.close();
    const again = await client('alice', { profile: alice.profile });
    await again.connect();
    assert.equal(again.me.pseudonym, 'alice');
  });

  it('refuses a pseudonym that another identity registered', async () => {
    const first = await client('carol');
    await first.connect();
    const impostor = await client('Carol');
    await assert.rejects(impostor.connect(), (err) => isNatterError(err, 'E_PSEUDONYM_TAKEN'));
  });

  it('delivers messages both ways with sender, text and a delivered receipt', async () => {
    const alice = await client('alice');
    const bob = await client('bob');
    await Promise.all([alice.connect(), bob.connect()]);
    const delivered = nextEvent(alice, 'message:status', (e) => e.state === 'delivered');
    const atBob = received(bob, 1);
    const id = await alice.send('bob', 'hello bob');
    const [m] = await atBob;
    assert.equal(m?.text, 'hello bob');
    assert.equal(m?.from.pseudonym, 'alice');
    assert.equal(m?.from.userId, alice.me.userId);
    assert.equal(m?.msgId, id);
    assert.equal((await delivered).msgId, id);
    const atAlice = received(alice, 1);
    await bob.send('alice', 'hi alice');
    assert.equal((await atAlice)[0]?.text, 'hi alice');
    assert.equal((await alice.status(id))?.state, 'delivered');
  });

  it('delivers to a recipient who connects after the message was stored', async () => {
    const bobProfile = await makeProfile('bob');
    const bob1 = await client('bob', { profile: bobProfile });
    await bob1.connect();
    await bob1.close();
    const alice = await client('alice');
    await alice.connect();
    const id = await alice.send('bob', 'while you were out');
    assert.ok(await alice.flush(5000));
    assert.equal((await alice.status(id))?.state, 'stored');
    const bob = await client('bob', { profile: bobProfile });
    const atBob = received(bob, 1);
    await bob.connect();
    await bob.waitForInbox();
    assert.equal((await atBob)[0]?.text, 'while you were out');
    const unread = await bob.takeUnread();
    assert.deepEqual(
      unread.map((u) => u.text),
      ['while you were out'],
    );
    assert.deepEqual(await bob.takeUnread(), []);
  });
});

describe('peer key changes and the outbox through a real relay', () => {
  const { client, relayOn, closeAll } = testWorld();

  afterEach(async () => {
    await closeAll();
    await removeTempDirs();
  });

  it('holds messages both ways after a contact key change until trust, then delivers them', async () => {
    const relay1 = await relayOn();
    const alice = await client('alice', relay1);
    const oldBob = await client('bob', relay1);
    await Promise.all([alice.connect(), oldBob.connect()]);
    const first = received(oldBob, 1);
    await alice.send('bob', 'hello old bob');
    await first;
    // The relay may push to bob before it acknowledges alice: let the ack land, so
    // nothing of this first session is still queued when the relay is reinstalled.
    assert.ok(await alice.flush(5000));
    await alice.close();
    await relay1.close();

    // The relay is reinstalled on the same address and someone else registers "bob".
    const relay2 = await relayOn({ port: relay1.port });
    const alice2 = await client('alice', relay2, {
      profile: alice.profile,
      acceptNewRelayKey: true,
    });
    const newBob = await client('bob', relay2);
    // Noticed by whichever comes first: the relay's roster, a lookup, or bob's message.
    const changed = nextEvent(alice2, 'contact:key-changed');
    await Promise.all([alice2.connect(), newBob.connect()]);

    const heldOut = nextEvent(alice2, 'message:status', (e) => e.state === 'held');
    let shown = 0;
    alice2.on('message:received', () => shown++);
    const change = await changed;
    const heldIn = nextEvent(alice2, 'message:held');
    await newBob.send('alice', 'it is me, honest');
    assert.equal((await heldIn).from.userId, newBob.me.userId);
    assert.equal(change.pseudonym, 'bob');
    assert.notEqual(change.oldFingerprint, change.newFingerprint);
    const outId = await alice2.send('bob', 'are you really bob?');
    assert.equal((await heldOut).msgId, outId);
    assert.equal(shown, 0);
    assert.equal(alice2.contacts().find((c) => c.pseudonym === 'bob')?.keyChanged, true);

    const atNewBob = received(newBob, 1);
    const released = received(alice2, 1);
    const result = await alice2.trust('bob', { safetyNumber: change.safetyNumber });
    assert.equal(result.accepted, true);
    assert.equal(result.releasedIn, 1);
    assert.equal(result.releasedOut, 1);
    assert.equal((await released)[0]?.text, 'it is me, honest');
    assert.equal((await atNewBob)[0]?.text, 'are you really bob?');
  });

  it('refuses a relay whose key differs from the pinned one', async () => {
    const relay1 = await relayOn();
    const alice = await client('alice', relay1);
    await alice.connect();
    await alice.close();
    await relay1.close();
    const relay2 = await relayOn({ port: relay1.port });
    const again = await client('alice', relay2, { profile: alice.profile });
    await assert.rejects(again.connect(), (err) => isNatterError(err, 'E_RELAY_KEY_CHANGED'));
  });

  it('delivers a message sent while the relay was down once it is back', async () => {
    const relay1 = await relayOn();
    const alice = await client('alice', relay1);
    const bob = await client('bob', relay1);
    await Promise.all([alice.connect(), bob.connect()]);
    const warmup = received(bob, 1);
    await alice.send('bob', 'warm-up');
    await warmup;
    await relay1.close();
    const id = await alice.send('bob', 'sent while the relay was down');
    assert.equal((await alice.status(id))?.state, 'queued');
    assert.equal(await alice.flush(200), false);
    const atBob = received(bob, 1);
    const stored = nextEvent(
      alice,
      'message:status',
      (e) => e.msgId === id && e.state === 'stored',
      10_000,
    );
    const relay2 = await relayOn({ dataDir: relay1.dataDir, port: relay1.port });
    assert.ok(relay2);
    await stored;
    assert.equal((await atBob)[0]?.text, 'sent while the relay was down');
  });
});
