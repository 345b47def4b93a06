import assert from 'node:assert/strict';
import { generateIdentity, identityFromSecrets } from '../../../src/crypto/keys.js';
import { randomBytes } from '../../../src/crypto/random.js';
import { safetyNumber } from '../../../src/crypto/safety.js';
import { Contacts, MAX_PENDING_KEYS, parseSafetyNumber } from '../../../src/peer/contacts.js';
import { PREFIX, putJson } from '../../../src/peer/store.js';
import { toHex, utf8 } from '../../../src/util/bytes.js';
import { isNatterError } from '../../../src/util/errors.js';
import { memoryPeer, type Person, person } from '../../helpers/peer-fixtures.js';

const me = person('me');
/** The safety number `me` shares with `other`'s key: what the user would compare. */
const numberWith = (other: Person) => safetyNumber(me.id.signPk, other.id.signPk);

describe('contacts: trust on first use', () => {
  it('pins the first card seen for a pseudonym and announces the new contact', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    assert.equal(await p.contacts.observe(bob.card), 'new');
    assert.equal(await p.contacts.observe(bob.card), 'known');
    assert.equal(p.log['contact:new']?.length, 1);
    const listed = p.contacts.list();
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.pseudonym, 'bob');
    assert.equal(listed[0]?.verified, false);
    assert.equal(listed[0]?.keyChanged, false);
  });

  it('finds contacts case-insensitively and by user id', async () => {
    const p = await memoryPeer(me);
    const bob = person('Bob');
    await p.contacts.observe(bob.card);
    assert.equal(p.contacts.get('bOB')?.pseudonym, 'Bob');
    assert.equal(p.contacts.byUserId(bob.id.signPk)?.pseudonym, 'Bob');
  });

  it('treats a different identity under a known pseudonym as a key change, held as pending', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    const impostor = person('bob');
    await p.contacts.observe(bob.card);
    await p.contacts.trust('bob', numberWith(bob));
    assert.equal(await p.contacts.observe(impostor.card), 'changed');
    assert.equal(await p.contacts.observe(impostor.card), 'pending');
    const c = p.contacts.get('bob');
    assert.ok(c?.pending);
    assert.deepEqual(c.card.userId, bob.id.signPk, 'the pinned key stays until trust');
    assert.equal(c.verified, false, 'a key change clears verified');
    const change = p.log['contact:key-changed']?.[0];
    assert.equal(change?.pseudonym, 'bob');
    assert.notEqual(change?.oldFingerprint, change?.newFingerprint);
    assert.equal(change?.safetyNumber, numberWith(impostor));
    assert.equal(change?.newUserId, toHex(impostor.id.signPk));
    assert.equal(change?.pendingKeys, 1);
  });

  it('treats a new box key under the same user id as a key change', async () => {
    const seed = randomBytes(32);
    const first = person('bob', identityFromSecrets(seed, randomBytes(32)));
    const rotated = person('bob', identityFromSecrets(seed, randomBytes(32)));
    const p = await memoryPeer(me);
    await p.contacts.observe(first.card);
    assert.equal(await p.contacts.observe(rotated.card), 'changed');
    const { contact, accepted } = await p.contacts.trust('bob', numberWith(rotated));
    assert.equal(accepted, true, 'the same identity: its number accepts the new box key');
    assert.deepEqual(contact.card.boxPk, rotated.id.boxPk);
  });

  it('switches to the pending key only on trust, and marks the contact verified', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    const newBob = person('bob');
    await p.contacts.observe(bob.card);
    await p.contacts.observe(newBob.card);
    const { contact, accepted } = await p.contacts.trust('bob', numberWith(newBob));
    assert.equal(accepted, true);
    assert.deepEqual(contact.card.userId, newBob.id.signPk);
    assert.equal(contact.pending, null);
    assert.equal(contact.verified, true);
    assert.equal(await p.contacts.observe(newBob.card), 'known');
    assert.equal(await p.contacts.observe(bob.card), 'changed', 'the old key is now the stranger');
  });

  it('refuses to trust someone who is not a contact', async () => {
    const p = await memoryPeer(me);
    await assert.rejects(p.contacts.trust('nobody', numberWith(me)), (err) =>
      isNatterError(err, 'E_UNKNOWN_CONTACT'),
    );
  });

  it('refuses to pin a card whose box key is not signed by its user id', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    const forged = { ...bob.card, boxPk: generateIdentity().boxPk };
    await assert.rejects(p.contacts.observe(forged), (err) => isNatterError(err, 'E_BAD_CARD'));
    assert.equal(p.contacts.list().length, 0);
  });

  it('refuses a card whose pseudonym was changed after it was signed, for a stranger or a contact', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    const carol = person('carol');
    await p.contacts.observe(carol.card);
    for (const name of ['mallory', 'carol', 'Bob']) {
      await assert.rejects(p.contacts.observe({ ...bob.card, pseudonym: name }), (err) =>
        isNatterError(err, 'E_BAD_CARD'),
      );
    }
    assert.deepEqual(
      p.contacts.list().map((c) => [c.pseudonym, c.keyChanged]),
      [['carol', false]],
      'nothing pinned, no key change raised',
    );
  });

  it('keeps a contact stored with a box-key-only signature, and stores the card signature when its card is next seen', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    const key = PREFIX.contact + toHex(utf8('bob'));
    const legacy = {
      pseudonym: 'bob',
      userId: toHex(bob.id.signPk),
      boxPk: toHex(bob.id.boxPk),
      boxSig: toHex(bob.id.boxSig),
      verified: true,
      addedAtMs: 1,
    };
    await p.store.write([putJson(key, legacy)]);
    const loaded = await Contacts.load(p.store, p.events, me.id.signPk);
    assert.deepEqual(loaded.get('bob')?.card.boxPk, bob.id.boxPk, 'still the pinned key');
    // From the wire, a card carrying the old signature is refused like any card not signed as it reads...
    await assert.rejects(loaded.observe({ ...bob.card, cardSig: bob.id.boxSig }), (err) =>
      isNatterError(err, 'E_BAD_CARD'),
    );
    // ...and the genuine card is the known contact, whose record now holds its signature.
    assert.equal(await loaded.observe(bob.card), 'known');
    const stored = await p.store.getJson<typeof legacy>(key);
    assert.equal(stored?.boxSig, toHex(bob.card.cardSig));
    assert.equal(stored?.verified, true, 'still verified: the keys did not change');
    assert.equal(p.log['contact:key-changed'], undefined);
    assert.equal(await loaded.observe(bob.card), 'known');
  });

  it('checks roster cards against known contacts without pinning strangers', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    await p.contacts.observe(bob.card);
    await p.contacts.observeKnown([person('stranger').card, person('bob').card]);
    assert.equal(p.contacts.get('stranger'), undefined);
    assert.ok(p.contacts.get('bob')?.pending);
  });

  it("follows a contact's rename: their own keys signed over a new name move the pin and verification", async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    await p.contacts.observe(bob.card);
    await p.contacts.trust('bob', numberWith(bob));
    const robert = person('robert', bob.id);
    assert.equal(await p.contacts.observe(robert.card), 'known');
    assert.equal(p.contacts.get('robert')?.verified, true);
    // The old name stays pinned to his keys (a squatter on it is a key change), not listed,
    // and what is written to it goes to the new one.
    assert.deepEqual(p.contacts.get('bob')?.card.userId, bob.id.signPk);
    assert.equal(p.contacts.currentName('BOB'), 'robert');
    assert.equal(p.contacts.byUserId(bob.id.signPk)?.pseudonym, 'robert');
    // Renamed again, then back to the first name: the pin follows each time.
    const q2 = await memoryPeer(me);
    await q2.contacts.observe(bob.card);
    await q2.contacts.trust('bob', numberWith(bob));
    await q2.contacts.observe(robert.card);
    await q2.contacts.observe(person('rob', bob.id).card);
    assert.equal(q2.contacts.currentName('bob'), 'rob');
    assert.equal(await q2.contacts.observe(person('bob', bob.id).card), 'known');
    assert.deepEqual(
      q2.contacts.list().map((c) => [c.pseudonym, c.verified, c.renamedTo]),
      [
        ['bob', true, undefined],
        ['rob', true, 'bob'],
        ['robert', true, 'bob'],
      ],
      'one contact, the names they left marked with the name they go by now',
    );
    assert.equal(q2.contacts.currentName('robert'), 'bob');
    assert.equal(q2.contacts.currentName('rob'), 'bob');
    // Someone who registered the freed name, online: no news of the contact.
    const newBob = person('bob');
    await p.contacts.observeKnown([newBob.card]);
    assert.equal(p.log['contact:key-changed'], undefined, 'no warning from a roster');
    // The relay told of the rename (robert's card came from it), so the old name is free:
    // whoever writes under it now is a new contact, no key change of bob's.
    assert.equal(await p.contacts.observe(newBob.card, { delivered: true }), 'new');
    assert.equal(p.log['contact:key-changed'], undefined);
    assert.deepEqual(
      p.log['contact:renamed']?.map((e) => [e.from, e.to]),
      [['bob', 'robert']],
    );
    assert.equal(p.log['contact:new']?.length, 2, 'bob, then the new bob: robert is no new one');
    assert.equal(p.contacts.currentName('bob'), 'bob', 'the name means who holds it now');
    const reloaded = await Contacts.load(p.store, p.events, me.id.signPk);
    assert.deepEqual(
      reloaded.list().map((c) => [c.pseudonym, c.userId, c.keyChanged, c.renamedTo]),
      [
        ['bob', toHex(newBob.id.signPk), false, undefined],
        ['robert', toHex(bob.id.signPk), false, undefined],
      ],
      'the newcomer under the freed name, the contact under his new one',
    );
    // The relay's roster brings the new name too (a contact online, not yet written to).
    const q = await memoryPeer(me);
    await q.contacts.observe(bob.card);
    await q.contacts.observeKnown([robert.card]);
    assert.equal(q.contacts.get('robert')?.pseudonym, 'robert');
  });

  it('keeps an old name pinned to its holder until the relay confirms the rename', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    const squatter = person('bob');
    await p.contacts.observe(bob.card);
    // The new name seen only with mail: the old one still pins bob's keys.
    await p.contacts.observe(person('robert', bob.id).card, { delivered: true });
    assert.equal(p.contacts.currentName('bob'), 'robert');
    assert.equal(p.contacts.get('bob')?.nameLeft, undefined);
    assert.equal(await p.contacts.observe(squatter.card, { delivered: true }), 'changed');
    // The relay's card for robert (a lookup, the roster) confirms it: the name is free.
    const q = await memoryPeer(me);
    await q.contacts.observe(bob.card);
    await q.contacts.observe(person('robert', bob.id).card, { delivered: true });
    assert.equal(await q.contacts.observe(person('robert', bob.id).card), 'known');
    assert.equal(q.contacts.get('bob')?.nameLeft, true);
    assert.equal(q.contacts.list().find((c) => c.pseudonym === 'bob')?.nameLeft, true);
    assert.equal(await q.contacts.observe(squatter.card, { delivered: true }), 'new');
    assert.deepEqual(q.contacts.get('bob')?.card.userId, squatter.id.signPk);
    assert.equal(q.log['contact:key-changed'], undefined);
  });

  it('takes a rename back only from the relay, not from mail that may be older than it', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    await p.contacts.observe(bob.card);
    await p.contacts.observe(person('robin', bob.id).card);
    await p.contacts.observe(person('bobby', bob.id).card);
    // A message bob sent as robin, delivered late: robin stays an old name.
    const late = person('robin', bob.id).card;
    assert.equal(await p.contacts.observe(late, { delivered: true }), 'known');
    assert.equal(p.contacts.currentName('robin'), 'bobby');
    assert.equal(p.contacts.currentName('bob'), 'bobby');
    assert.deepEqual(
      p.contacts.list().map((c) => [c.pseudonym, c.renamedTo]),
      [
        ['bob', 'bobby'],
        ['bobby', undefined],
        ['robin', 'bobby'],
      ],
      'old names lead to the latest',
    );
    // The relay's card for robin (a lookup, the roster): he is robin again.
    assert.equal(await p.contacts.observe(late), 'known');
    assert.equal(p.contacts.currentName('bobby'), 'robin');
  });

  it('never leads an old name into a key that is not theirs: pending there, or trusted there since', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    const dave = person('bob');
    await p.contacts.observe(bob.card);
    await p.contacts.observe(person('robert', bob.id).card);
    await p.contacts.observe(bob.card); // back to bob (the relay says so)
    assert.equal(p.contacts.currentName('robert'), 'bob');
    // dave took 'bob' since bob renamed again (unseen here), and writes: a key change.
    assert.equal(await p.contacts.observe(dave.card, { delivered: true }), 'changed');
    assert.equal(p.contacts.currentName('robert'), 'robert', 'not into a pending key change');
    await p.contacts.trust('bob', numberWith(dave));
    assert.equal(p.contacts.currentName('robert'), 'robert', "not into dave's key");
    assert.deepEqual(p.contacts.get('robert')?.card.userId, bob.id.signPk);
  });

  it('takes no rename from a contact whose key change is pending, nor from other keys', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    await p.contacts.observe(bob.card);
    await p.contacts.observe(person('bob').card);
    assert.equal(await p.contacts.observe(person('robert', bob.id).card), 'new');
    assert.ok(p.contacts.get('bob')?.pending, 'bob stays, with his pending change');
    assert.equal(p.contacts.get('robert')?.verified, false);
    assert.equal(p.log['contact:renamed'], undefined);
  });

  it('keeps pins, pending keys and verified flags across a reload', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    const carol = person('carol');
    await p.contacts.observe(bob.card);
    await p.contacts.observe(carol.card);
    await p.contacts.trust('carol', numberWith(carol));
    await p.contacts.observe(person('bob').card);
    const reloaded = await Contacts.load(p.store, p.events, me.id.signPk);
    assert.ok(reloaded.get('bob')?.pending);
    assert.equal(reloaded.get('carol')?.verified, true);
    assert.equal(reloaded.safetyNumber('carol'), p.contacts.safetyNumber('carol'));
  });
});

describe('contacts: trust by the safety number compared (issue 10)', () => {
  it('refuses a stale safety number: a card that came while the user compared is not verified', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    await p.contacts.observe(bob.card);
    const compared = p.contacts.safetyNumber('bob');
    const swapped = person('bob');
    assert.equal(await p.contacts.observe(swapped.card), 'changed');
    await assert.rejects(p.contacts.trust('bob', compared), (err) =>
      isNatterError(err, 'E_SAFETY_NUMBER_MISMATCH'),
    );
    const c = p.contacts.get('bob');
    assert.deepEqual(c?.card.userId, bob.id.signPk, 'the pinned key is unchanged');
    assert.deepEqual(c?.pending?.userId, swapped.id.signPk, 'the swapped key is still pending');
    assert.equal(c?.verified, false);
    assert.equal(p.log['contact:trusted'], undefined);
  });

  it('refuses a number that belongs to no key of the contact, and text that is no safety number', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    await p.contacts.observe(bob.card);
    await assert.rejects(p.contacts.trust('bob', numberWith(person('eve'))), (err) =>
      isNatterError(err, 'E_SAFETY_NUMBER_MISMATCH'),
    );
    for (const bad of ['', '12345', `${numberWith(bob)} 1`, numberWith(bob).replace('0', 'o')]) {
      await assert.rejects(p.contacts.trust('bob', bad), (err) =>
        isNatterError(err, 'E_BAD_SAFETY_NUMBER'),
      );
    }
    assert.equal(p.contacts.get('bob')?.verified, false);
  });

  it('accepts the number with or without spaces', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    await p.contacts.observe(bob.card);
    const { accepted, info } = await p.contacts.trust('bob', numberWith(bob).replaceAll(' ', ''));
    assert.equal(accepted, false, 'no key change: the pinned key is marked verified');
    assert.equal(info.verified, true);
    assert.equal(parseSafetyNumber(` ${numberWith(bob).replaceAll(' ', '  ')} `), numberWith(bob));
  });

  it('announces two card changes while pending, and trusting the first number does not verify the second key', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    const first = person('bob');
    const second = person('bob');
    await p.contacts.observe(bob.card);
    assert.equal(await p.contacts.observe(first.card), 'changed');
    assert.equal(await p.contacts.observe(second.card), 'changed');
    assert.equal(await p.contacts.observe(first.card), 'pending', 'the first is still kept');
    assert.deepEqual(
      p.log['contact:key-changed']?.map((e) => [e.newUserId, e.safetyNumber, e.pendingKeys]),
      [
        [toHex(first.id.signPk), numberWith(first), 1],
        [toHex(second.id.signPk), numberWith(second), 2],
      ],
    );
    const [listed] = p.contacts.list();
    assert.equal(listed?.keyChanged, true);
    assert.deepEqual(
      listed?.pendingKeys.map((k) => [k.userId, k.safetyNumber]),
      [
        [toHex(first.id.signPk), numberWith(first)],
        [toHex(second.id.signPk), numberWith(second)],
      ],
    );

    const { contact, accepted, discarded } = await p.contacts.trust('bob', numberWith(first));
    assert.equal(accepted, true);
    assert.deepEqual(contact.card.userId, first.id.signPk, 'the compared key is pinned');
    assert.equal(contact.pending, null);
    assert.deepEqual(
      discarded.map((k) => k.userId),
      [toHex(second.id.signPk)],
    );
    assert.equal(p.contacts.byUserId(second.id.signPk), undefined);
    assert.equal(
      await p.contacts.observe(second.card),
      'changed',
      'the second key is a new change again, never verified',
    );
    assert.equal(p.contacts.get('bob')?.verified, false);
  });

  it('can accept a later pending key by its own number', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    const first = person('bob');
    const second = person('bob');
    await p.contacts.observe(bob.card);
    await p.contacts.observe(first.card);
    await p.contacts.observe(second.card);
    assert.equal(p.contacts.safetyNumber('bob'), numberWith(second), 'the newest is shown');
    const { contact, discarded } = await p.contacts.trust('bob', numberWith(second));
    assert.deepEqual(contact.card.userId, second.id.signPk);
    assert.deepEqual(
      discarded.map((k) => k.userId),
      [toHex(first.id.signPk)],
    );
  });

  it('refuses the old key number while changed keys are pending', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    await p.contacts.observe(bob.card);
    await p.contacts.observe(person('bob').card);
    await assert.rejects(p.contacts.trust('bob', numberWith(bob)), (err) =>
      isNatterError(err, 'E_SAFETY_NUMBER_MISMATCH'),
    );
    assert.ok(p.contacts.get('bob')?.pending);
  });

  it(`keeps at most ${MAX_PENDING_KEYS} changed keys: the first and the newest, each announced`, async () => {
    const p = await memoryPeer(me);
    await p.contacts.observe(person('bob').card);
    const changes = Array.from({ length: MAX_PENDING_KEYS + 2 }, () => person('bob'));
    for (const c of changes) assert.equal(await p.contacts.observe(c.card), 'changed');
    assert.equal(p.log['contact:key-changed']?.length, MAX_PENDING_KEYS + 2);
    const kept = p.contacts.list()[0]?.pendingKeys.map((k) => k.userId);
    assert.equal(kept?.length, MAX_PENDING_KEYS);
    assert.deepEqual(
      kept,
      [changes[0], ...changes.slice(3)].map((c) => toHex(c!.id.signPk)),
    );
    const forgotten = changes[1]!;
    await assert.rejects(p.contacts.trust('bob', numberWith(forgotten)), (err) =>
      isNatterError(err, 'E_SAFETY_NUMBER_MISMATCH'),
    );
    assert.equal(await p.contacts.observe(forgotten.card), 'changed', 'told again if it returns');
  });

  it('loads a contact stored before issue 10 and keeps the first pending card where it was', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    const first = person('bob');
    const hex = (c: Person) => ({
      pseudonym: 'bob',
      userId: toHex(c.id.signPk),
      boxPk: toHex(c.id.boxPk),
      boxSig: toHex(c.id.boxSig),
    });
    const key = PREFIX.contact + toHex(utf8('bob'));
    await p.store.write([
      putJson(key, {
        ...hex(bob),
        verified: false,
        addedAtMs: 1,
        pending: { ...hex(first), seenAtMs: 2 },
      }),
    ]);
    const loaded = await Contacts.load(p.store, p.events, me.id.signPk);
    assert.deepEqual(loaded.get('bob')?.pending?.userId, first.id.signPk);
    assert.deepEqual(loaded.list()[0]?.pendingKeys[0]?.seenAtMs, 2);
    const second = person('bob');
    assert.equal(await loaded.observe(second.card), 'changed');
    const stored = await p.store.getJson<{
      pending: { userId: string };
      laterPending: { userId: string }[];
    }>(key);
    assert.equal(stored?.pending.userId, toHex(first.id.signPk), 'an older client still sees it');
    assert.deepEqual(
      stored?.laterPending.map((c) => c.userId),
      [toHex(second.id.signPk)],
    );
    await loaded.trust('bob', numberWith(first));
    const trusted = await p.store.getJson<Record<string, unknown>>(key);
    assert.equal(trusted?.pending, undefined);
    assert.equal(trusted?.laterPending, undefined);
    assert.equal(trusted?.userId, toHex(first.id.signPk));
  });
});
