/**
 * Issue 10, "cards and presence", at a real relay on loopback: a card is signed
 * over user id, pseudonym and box key, so one re-labelled after signing is refused
 * at Register (and at Login); a card stored before that signature existed is
 * replaced at its owner's next login; a status is the user's signed statement,
 * which the relay checks, keeps and forwards unchanged.
 */
import assert from 'node:assert/strict';
import { verifyCard } from '../../../src/crypto/card.js';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { verifyStatus } from '../../../src/crypto/status.js';
import { RelayStore } from '../../../src/relay/store/index.js';
import { bytesEqual, toHex } from '../../../src/util/bytes.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { encodeFrame } from '../../../src/wire/codec.js';
import type { Card, Frame, FrameOf } from '../../../src/wire/types.js';
import { cardOf, RawClient, signedStatus } from '../../helpers/raw-client.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';

type Refusal = { code?: string };
const refusedWith = (code: string) => (err: Refusal) => err.code === code;

describe('cards and statuses at the relay (integration, loopback)', () => {
  let relay: TestRelay;
  const clients: RawClient[] = [];

  async function login(
    name: string,
    id = generateIdentity(),
    mode: 'register' | 'login' = 'register',
    card?: Card,
  ) {
    const { client, ready } = await RawClient.login(
      relay.port,
      id,
      name,
      mode,
      card ? { card } : {},
    );
    clients.push(client);
    return { client, ready, id };
  }

  async function lookup(client: RawClient, pseudonym: string): Promise<Card | null> {
    const requestId = Math.floor(Math.random() * 1e9);
    client.send({ type: 'lookup', requestId, by: { pseudonym } });
    const r = await client.next((f) => f.type === 'lookup-result' && f.requestId === requestId);
    return (r as FrameOf<'lookup-result'>).card;
  }

  const rosterEntry = (f: Frame, name: string) =>
    f.type === 'roster-update' ? f.entries.find((e) => e.card.pseudonym === name) : undefined;

  beforeEach(async () => {
    relay = await startTestRelay();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await relay.close();
    await removeTempDirs();
  });

  it('refuses a Register whose card pseudonym was changed after signing (E_BAD_KEY), and registers nothing', async () => {
    const id = generateIdentity();
    const relabelled = { ...cardOf(id, 'alice'), pseudonym: 'mallory' };
    await assert.rejects(login('mallory', id, 'register', relabelled), refusedWith('E_BAD_KEY'));
    const boxKeyOnly = { ...cardOf(id, 'alice'), cardSig: id.boxSig };
    await assert.rejects(login('alice', id, 'register', boxKeyOnly), refusedWith('E_BAD_KEY'));
    assert.equal(relay.relay.stats().users, 0);
  });

  it('refuses a Login card with a new box key under another spelling of the name; ignores one with the same keys', async () => {
    const alice = await login('alice');
    alice.client.close();
    const respelled = cardOf(alice.id, 'ALICE');
    const again = await login('alice', alice.id, 'login', respelled);
    assert.equal(again.ready.card.pseudonym, 'alice', 'the card as registered, not re-labelled');
    assert.ok(verifyCard(again.ready.card));
    again.client.close();
    const newBox = cardOf(
      { ...generateIdentity(), signPk: alice.id.signPk, signSk: alice.id.signSk },
      'ALICE',
    );
    await assert.rejects(login('alice', alice.id, 'login', newBox), refusedWith('E_BAD_KEY'));
  });

  it('replaces a card registered before the card signature when its owner next logs in with a card', async () => {
    const alice = await login('alice');
    alice.client.close();
    // Rewrite the stored card as an older relay kept it: the box-key-only signature in field 4.
    const dataDir = relay.dataDir;
    await relay.close();
    const store = await RelayStore.open({
      dataDir,
      minFreeDiskBytes: 0,
      clock: systemClock,
      log: silentLogger,
    });
    const legacy = { ...cardOf(alice.id, 'alice'), cardSig: alice.id.boxSig };
    const value = encodeFrame({ type: 'lookup-result', requestId: 0, card: legacy, online: false });
    await store.kv.write([{ type: 'put', key: `u1!${toHex(alice.id.signPk)}`, value }], {
      sync: true,
    });
    await store.close();
    relay = await startTestRelay({ dataDir });

    const bob = await login('bob');
    const before = await lookup(bob.client, 'alice');
    assert.ok(before && bytesEqual(before.cardSig, alice.id.boxSig), 'served as stored');
    assert.equal(verifyCard(before), false, 'which no client accepts');

    const again = await login('alice', alice.id, 'login', cardOf(alice.id, 'alice'));
    assert.ok(verifyCard(again.ready.card));
    const after = await lookup(bob.client, 'alice');
    assert.ok(after && verifyCard(after), 'the card the owner signed');
  });

  it('forwards a signed status unchanged in its roster, to those online and to those who come later', async () => {
    const alice = await login('alice');
    const bob = await login('bob');
    const unsigned = await bob.client.next((f) => rosterEntry(f, 'alice') !== undefined);
    assert.equal(rosterEntry(unsigned, 'alice')?.signed, null, 'nothing signed yet');

    const status = signedStatus(alice.id, 'busy', 'in a meeting ☕', 1_700_000_000_000);
    alice.client.send(status);
    const update = await bob.client.next((f) => rosterEntry(f, 'alice')?.status === 'busy');
    const entry = rosterEntry(update, 'alice')!;
    assert.deepEqual(
      [
        entry.statusText,
        entry.signed?.seq,
        entry.signed && bytesEqual(entry.signed.sig, status.sig),
      ],
      ['in a meeting ☕', status.seq, true],
    );
    assert.ok(verifyStatus(alice.id.signPk, { ...entry, ...entry.signed! }, entry.signed!.sig));

    const carol = await login('carol');
    const full = await carol.client.next((f) => f.type === 'roster-update' && f.full);
    assert.deepEqual(rosterEntry(full, 'alice')?.signed?.seq, status.seq);
  });

  it('refuses a status whose signature does not verify for the session user (E_BAD_STATUS)', async () => {
    const alice = await login('alice');
    const bob = await login('bob');
    const forged = { ...signedStatus(alice.id, 'away', 'lunch', 10), statusText: 'resigned' };
    alice.client.send(forged);
    const err = await alice.client.next((f) => f.type === 'error');
    assert.equal(err.type === 'error' && err.code, 'E_BAD_STATUS');
    await alice.client.closed;
    // Bob's own key, on Bob's session, works; on Alice's it would not.
    bob.client.send(signedStatus(bob.id, 'away', 'lunch', 10));
    const other = await login('carol');
    await other.client.next((f) => rosterEntry(f, 'bob')?.status === 'away');
  });

  it('refuses a status whose seq does not grow within a session (E_BAD_STATUS)', async () => {
    const alice = await login('alice');
    alice.client.send(signedStatus(alice.id, 'away', 'one', 10));
    alice.client.send(signedStatus(alice.id, 'busy', 'two', 10));
    const err = await alice.client.next((f) => f.type === 'error');
    assert.equal(err.type === 'error' && err.code, 'E_BAD_STATUS');
  });
});
