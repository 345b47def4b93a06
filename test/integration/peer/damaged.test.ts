/**
 * A tampered message through a real relay (issue 8, "a tampered message vanishes
 * silently"): a raw client registered as alice seals a real message to bob, flips
 * one ciphertext bit, and sends it with a good one. Bob's client drops it, tells
 * the user (event and count; `natter inbox` on stderr and in --json), and still
 * acknowledges it, so the relay deletes it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadIdentity } from '../../../src/crypto/keyfile.js';
import type { Identity } from '../../../src/crypto/keys.js';
import type { NatterClient } from '../../../src/peer/client.js';
import { sealInner } from '../../../src/peer/conversations/envelope.js';
import type { PeerEventMap } from '../../../src/peer/events.js';
import { profilePaths } from '../../../src/peer/profile.js';
import { toHex } from '../../../src/util/bytes.js';
import type { Card } from '../../../src/wire/types.js';
import { runCli } from '../../helpers/cli.js';
import { type Person, person, textInner } from '../../helpers/peer-fixtures.js';
import { makeClient } from '../../helpers/profile.js';
import { RawClient } from '../../helpers/raw-client.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

interface InboxEntry {
  type?: string;
  text?: string;
  code?: string;
  reason?: string;
  claimedFrom?: string;
  claimedUserId?: string;
  msgId?: string;
  seq?: number;
}

/** What the relay still holds for `id` (Ready.pending at a fresh raw login). */
async function pendingFor(relay: TestRelay, id: Identity, name: string): Promise<number> {
  const { client, ready } = await RawClient.login(relay.port, id, name, 'login');
  client.close();
  return ready.pending;
}

/** Collects `name` events until `count` have arrived. */
function collect<K extends keyof PeerEventMap>(
  client: NatterClient,
  name: K,
  count: number,
  timeoutMs = 5000,
): Promise<PeerEventMap[K][]> {
  const seen: PeerEventMap[K][] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${seen.length} of ${count} ${name} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const off = client.on(name, (e) => {
      seen.push(e);
      if (seen.length < count) return;
      clearTimeout(timer);
      off();
      resolve(seen);
    });
  });
}

/**
 * alice (a raw client) sends bob one intact message and one sealed properly and
 * then damaged by a single flipped ciphertext bit; both are stored by the relay.
 */
async function sendIntactAndTampered(
  relay: TestRelay,
  alice: Person,
  bobCard: Card,
): Promise<{ tamperedMsgId: string }> {
  const { client } = await RawClient.login(relay.port, alice.id, alice.name);
  try {
    const inners = [
      // Sent now: the fixtures' fixed send time is older than the mail lifetime.
      textInner(alice, alice, 'intact', { recipient: bobCard.userId, sentAtMs: Date.now() }),
      textInner(alice, alice, 'tampered', {
        recipient: bobCard.userId,
        counter: 2,
        sentAtMs: Date.now(),
      }),
    ];
    const frames = inners.map((inner) => {
      const sealed = sealInner(alice.keyring, bobCard.boxPk, inner);
      return {
        type: 'send' as const,
        to: bobCard.userId,
        msgId: inner.msgId,
        nonce: sealed.nonce,
        ciphertext: sealed.ciphertext,
      };
    });
    const tampered = frames[1]!;
    tampered.ciphertext[tampered.ciphertext.length >> 1]! ^= 0x04;
    for (const f of frames) {
      client.send(f);
      const ack = await client.next((x) => x.type === 'send-ack' || x.type === 'error');
      assert.equal(ack.type === 'send-ack' && ack.code, 'stored', JSON.stringify(ack));
    }
    return { tamperedMsgId: toHex(tampered.msgId) };
  } finally {
    client.close();
  }
}

/** bob's card as the relay's directory has it. */
async function lookUp(relay: TestRelay, asWho: Person, name: string): Promise<Card> {
  const { client } = await RawClient.login(relay.port, asWho.id, asWho.name);
  try {
    client.send({ type: 'lookup', requestId: 1, by: { pseudonym: name } });
    const result = await client.next((f) => f.type === 'lookup-result');
    assert.ok(result.type === 'lookup-result' && result.card !== null, `no card for ${name}`);
    return result.card;
  } finally {
    client.close();
  }
}

describe('a tampered message through a real relay (integration, loopback)', () => {
  let relay: TestRelay;
  const clients: NatterClient[] = [];

  beforeEach(async () => {
    relay = await startTestRelay();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await relay.close();
    await removeTempDirs();
  });

  it('reports it as damaged with its code, counts it, and still acknowledges it so the relay deletes it', async () => {
    const registering = await makeClient('bob', relay);
    await registering.connect();
    await registering.close();
    const alice = person('alice');
    const { tamperedMsgId } = await sendIntactAndTampered(
      relay,
      alice,
      await lookUp(relay, person('carol'), 'bob'),
    );
    assert.equal(await pendingFor(relay, registering.profile.identity, 'bob'), 2);

    const bob = await makeClient('bob', relay, { profile: registering.profile });
    clients.push(bob);
    const damaged = collect(bob, 'message:damaged', 1);
    const received = collect(bob, 'message:received', 1);
    await bob.connect();
    await bob.waitForInbox();
    const [report] = await damaged;
    assert.deepEqual(
      (await received).map((m) => m.text),
      ['intact'],
    );
    assert.equal(report?.code, 'E_MESSAGE_DAMAGED');
    assert.equal(report?.reason, 'open-failed');
    assert.equal(report?.msgId, tamperedMsgId);
    assert.equal(report?.claimedFrom.pseudonym, 'alice');
    assert.equal(report?.claimedFrom.userId, toHex(alice.id.signPk));
    assert.ok((report?.seq ?? 0) > 0);
    assert.equal(bob.stats().damagedMessages, 1);
    await bob.logout();
    assert.equal(
      await pendingFor(relay, registering.profile.identity, 'bob'),
      0,
      'acknowledged: the relay deleted both',
    );

    const again = await makeClient('bob', relay, { profile: registering.profile });
    clients.push(again);
    await again.connect();
    await again.waitForInbox();
    assert.equal(again.stats().damagedMessages, 0, 'not redelivered');
    assert.deepEqual(
      (await again.takeDamaged()).map((d) => [d.reason, d.msgId]),
      [['open-failed', tamperedMsgId]],
      'the report waits for a UI to show it',
    );
    assert.deepEqual(await again.takeDamaged(), [], 'once');
  });

  describe('natter inbox', () => {
    let dir: string;
    const as = (who: string, argv: string[]) =>
      runCli(['--profile', join(dir, who), ...argv], {
        env: { NATTER_RELAY: `${relay.host}:${relay.port}`, NATTER_PRESENCE_INTERFACES: '0' },
      });

    beforeEach(async () => {
      dir = await makeTempDir();
    });

    it('prints the good messages, says on stderr that one arrived damaged or forged, and exits 0', async () => {
      assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
      const alice = person('alice');
      await sendIntactAndTampered(relay, alice, await lookUp(relay, person('carol'), 'bob'));

      const r = await as('b', ['inbox']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\d\d:\d\d:\d\d {2}alice \([a-z2-7-]{19}\): intact\n$/);
      assert.match(
        r.stderr,
        /^natter: a message claimed to be from alice \([a-z2-7-]{19}\) arrived damaged or forged and was dropped: open-failed \(E_MESSAGE_DAMAGED\)\n$/,
      );
      const bobId = await loadIdentity(profilePaths(join(dir, 'b')).identity);
      assert.equal(
        await pendingFor(relay, bobId, 'bob'),
        0,
        'acknowledged, so the relay deleted it',
      );
      const rerun = await as('b', ['inbox']);
      assert.deepEqual(
        [rerun.code, rerun.stdout, rerun.stderr],
        [0, '', 'natter: no new messages\n'],
        'reported once',
      );
    });

    it('lists it in --json as an entry of type "damaged"', async () => {
      assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
      const alice = person('alice');
      const { tamperedMsgId } = await sendIntactAndTampered(
        relay,
        alice,
        await lookUp(relay, person('carol'), 'bob'),
      );

      const r = await as('b', ['inbox', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const entries = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as InboxEntry);
      assert.deepEqual(
        entries.map((e) => e.type ?? 'message'),
        ['message', 'damaged'],
      );
      assert.equal(entries[0]?.text, 'intact');
      const damaged = entries[1];
      assert.equal(damaged?.code, 'E_MESSAGE_DAMAGED');
      assert.equal(damaged?.reason, 'open-failed');
      assert.equal(damaged?.claimedFrom, 'alice');
      assert.equal(damaged?.claimedUserId, toHex(alice.id.signPk));
      assert.equal(damaged?.msgId, tamperedMsgId);
      assert.match(r.stderr, /\(E_MESSAGE_DAMAGED\)\n$/);
    });
  });
});
