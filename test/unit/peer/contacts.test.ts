import assert from 'node:assert/strict';
import { generateIdentity, identityFromSecrets } from '../../../src/crypto/keys.js';
import { randomBytes } from '../../../src/crypto/random.js';
import { Contacts } from '../../../src/peer/contacts.js';
import { isNatterError } from '../../../src/util/errors.js';
import { memoryPeer, person } from '../../helpers/peer-fixtures.js';

describe('contacts: trust on first use', () => {
  const me = person('me');

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
    await p.contacts.trust('bob');
    assert.equal(await p.contacts.observe(impostor.card), 'changed');
    assert.equal(await p.contacts.observe(impostor.card), 'pending');
    const c = p.contacts.get('bob');
    assert.ok(c?.pending);
    assert.deepEqual(c.card.userId, bob.id.signPk, 'the pinned key stays until trust');
    assert.equal(c.verified, false, 'a key change clears verified');
    const change = p.log['contact:key-changed']?.[0];
    assert.equal(change?.pseudonym, 'bob');
    assert.notEqual(change?.oldFingerprint, change?.newFingerprint);
    assert.match(change?.safetyNumber ?? '', /^(\d{5} ){11}\d{5}$/);
  });

  it('treats a new box key under the same user id as a key change', async () => {
    const seed = randomBytes(32);
    const first = person('bob', identityFromSecrets(seed, randomBytes(32)));
    const rotated = person('bob', identityFromSecrets(seed, randomBytes(32)));
    const p = await memoryPeer(me);
    await p.contacts.observe(first.card);
    assert.equal(await p.contacts.observe(rotated.card), 'changed');
  });

  it('switches to the pending key only on trust, and marks the contact verified', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    const newBob = person('bob');
    await p.contacts.observe(bob.card);
    await p.contacts.observe(newBob.card);
    const { contact, accepted } = await p.contacts.trust('bob');
    assert.equal(accepted, true);
    assert.deepEqual(contact.card.userId, newBob.id.signPk);
    assert.equal(contact.pending, null);
    assert.equal(contact.verified, true);
    assert.equal(await p.contacts.observe(newBob.card), 'known');
    assert.equal(await p.contacts.observe(bob.card), 'changed', 'the old key is now the stranger');
  });

  it('refuses to trust someone who is not a contact', async () => {
    const p = await memoryPeer(me);
    await assert.rejects(p.contacts.trust('nobody'), (err) =>
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

  it('checks roster cards against known contacts without pinning strangers', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    await p.contacts.observe(bob.card);
    await p.contacts.observeKnown([person('stranger').card, person('bob').card]);
    assert.equal(p.contacts.get('stranger'), undefined);
    assert.ok(p.contacts.get('bob')?.pending);
  });

  it('keeps pins, pending keys and verified flags across a reload', async () => {
    const p = await memoryPeer(me);
    const bob = person('bob');
    const carol = person('carol');
    await p.contacts.observe(bob.card);
    await p.contacts.observe(carol.card);
    await p.contacts.trust('carol');
    await p.contacts.observe(person('bob').card);
    const reloaded = await Contacts.load(p.store, p.events, me.id.signPk);
    assert.ok(reloaded.get('bob')?.pending);
    assert.equal(reloaded.get('carol')?.verified, true);
    assert.equal(reloaded.safetyNumber('carol'), p.contacts.safetyNumber('carol'));
  });
});
