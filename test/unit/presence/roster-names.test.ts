/**
 * Presence holds LAN names to the rules of registration (docs/decisions.md, "Presence:
 * lookalike and impostor beacons"): a name that looks like a pinned one (a contact, or a
 * name the relay reported) under another key is a conflict, as the exact name is; a name
 * the relay would refuse is dropped unless its key is vouched for under it.
 */
import assert from 'node:assert/strict';
import { Roster, type RosterChange } from '../../../src/presence/roster.js';
import { lookalikeKey } from '../../../src/wire/text.js';
import { makePeer, presence, T0 } from './fixtures.js';

const ADDR = '10.77.1.9';
/** 'mallory' with a Cyrillic 'а' (U+0430): mixed scripts, refused at registration. */
const MIXED_MALLORY = 'm\u0430llory';
/** 'alice' all in Cyrillic: one script, but it folds to alice's look-alike key. */
const CYRILLIC_ALICE = '\u0430\u04c0\u0456\u0441\u0435';

const types = (changes: RosterChange[]) => changes.map((c) => c.type);

/** A roster whose owner's pins (the contact book) hold these names to these peers. */
function withContacts(...contacts: ReturnType<typeof makePeer>[]): Roster {
  const byName = new Map(contacts.map((c) => [c.card.pseudonym, c.id]));
  const byLook = new Map(contacts.map((c) => [lookalikeKey(c.card.pseudonym), c.id]));
  return new Roster({
    intervalMs: 2000,
    missedBeforeExpiry: 3,
    pins: byName,
    lookalikes: (key) => byLook.get(key),
  });
}

describe('presence roster: look-alike and impostor names', () => {
  const mallory = makePeer('mallory');
  const alice = makePeer('alice');

  it('reports a look-alike of a contact under another key as a conflict, once, never listed', () => {
    const roster = withContacts(mallory, alice);
    for (const name of ['rnallory', CYRILLIC_ALICE]) {
      const fake = makePeer(name);
      const changes = roster.seen(presence(fake, 1), ADDR, T0);
      assert.deepEqual(types(changes), ['conflict'], name);
      const [conflict] = changes;
      assert.ok(conflict?.type === 'conflict');
      assert.equal(conflict.item.pseudonym, name);
      assert.equal(conflict.pinnedUserIdHex, name === 'rnallory' ? mallory.id : alice.id);
      // Told once while the claim lasts, not on every heartbeat.
      assert.deepEqual(roster.seen(presence(fake, 2), ADDR, T0 + 1000), []);
    }
    assert.equal(roster.size, 0);
    assert.equal(roster.stats().conflicts, 4);
  });

  it('reports a mixed-script look-alike of a contact as a conflict rather than dropping it unsaid', () => {
    const roster = withContacts(mallory);
    const fake = makePeer(MIXED_MALLORY);
    const changes = roster.seen(presence(fake, 1), ADDR, T0);
    assert.deepEqual(types(changes), ['conflict']);
    assert.equal(roster.size, 0);
  });

  it('reports an exact-name impostor of a contact as a conflict', () => {
    const roster = withContacts(alice);
    const impostor = makePeer('alice');
    assert.deepEqual(types(roster.seen(presence(impostor, 1), ADDR, T0)), ['conflict']);
    assert.deepEqual(types(roster.seen(presence(alice, 1), ADDR, T0)), ['join']);
    assert.deepEqual(
      roster.list().map((i) => i.userIdHex),
      [alice.id],
    );
  });

  it('lists a contact heard under another case or look-alike spelling of their own name', () => {
    const roster = withContacts(mallory);
    const same = makePeer('Mallory', mallory.identity);
    assert.deepEqual(types(roster.seen(presence(same, 1), ADDR, T0)), ['join']);
  });

  it('drops a LAN name the relay would refuse (mixed scripts), counted, told to no one', () => {
    const roster = withContacts();
    const fake = makePeer(MIXED_MALLORY);
    assert.deepEqual(roster.seen(presence(fake, 1), ADDR, T0), []);
    assert.equal(roster.size, 0);
    assert.equal(roster.stats().badNames, 1);
    assert.deepEqual(roster.conflicts(), []);
  });

  it('still lists a contact whose pinned name predates the rules, under their own key', () => {
    const legacy = makePeer(MIXED_MALLORY);
    const roster = withContacts(legacy);
    assert.deepEqual(types(roster.seen(presence(legacy, 1), ADDR, T0)), ['join']);
    assert.equal(roster.stats().badNames, 0);
  });

  it('reports a look-alike of a name the relay reported, under another key, as a conflict', () => {
    const roster = withContacts();
    roster.relaySeen({ card: mallory.card, status: 'online', statusText: '' }, T0);
    const fake = makePeer('rnallory');
    const changes = roster.seen(presence(fake, 1), ADDR, T0);
    assert.deepEqual(types(changes), ['conflict']);
    assert.ok(changes[0]?.type === 'conflict');
    assert.equal(changes[0].pinnedUserIdHex, mallory.id);
    assert.deepEqual(
      roster.list().map((i) => i.pseudonym),
      ['mallory'],
    );
  });

  it('unlists a look-alike heard before the relay reported the name it looks like: it leaves, outranked, and is a conflict then', () => {
    const roster = withContacts();
    const fake = makePeer('rnallory');
    const honest = makePeer('carol');
    assert.deepEqual(types(roster.seen(presence(fake, 1), ADDR, T0)), ['join']);
    roster.seen(presence(honest, 1), ADDR, T0);
    const changes = roster.relayReset(
      [{ card: mallory.card, status: 'online', statusText: '' }],
      T0 + 100,
    );
    assert.deepEqual(
      changes.map((c) => (c.type === 'leave' ? `leave:${c.reason}` : c.type)),
      ['join', 'leave:outranked', 'conflict'],
    );
    const conflict = changes[2];
    assert.ok(conflict?.type === 'conflict');
    assert.equal(conflict.item.userIdHex, fake.id);
    assert.equal(conflict.pinnedUserIdHex, mallory.id);
    assert.deepEqual(
      roster.list().map((i) => i.pseudonym),
      ['carol', 'mallory'],
    );
    assert.deepEqual(
      roster.impostors(T0 + 100).map((c) => c.item.userIdHex),
      [fake.id],
    );
    // Its next heartbeat is refused, and not said again.
    assert.deepEqual(roster.seen(presence(fake, 2), ADDR, T0 + 2000), []);
    // The relay's next word on mallory finds nothing more to unlist.
    assert.deepEqual(
      roster.relaySeen({ card: mallory.card, status: 'busy', statusText: '' }, T0 + 3000),
      [{ type: 'update', item: roster.get(mallory.id) }],
    );
  });

  it('keeps a LAN claimant the relay lists too, or whose exact name is pinned to its key, when a look-alike name is reported', () => {
    const reported = { card: mallory.card, status: 'online' as const, statusText: '' };
    const both = makePeer('rnallory');
    const relayToo = withContacts();
    relayToo.seen(presence(both, 1), ADDR, T0);
    relayToo.relaySeen({ card: both.card, status: 'online', statusText: '' }, T0);
    assert.deepEqual(types(relayToo.relaySeen(reported, T0 + 100)), ['join']);
    assert.deepEqual(
      relayToo.list().map((i) => i.pseudonym),
      ['mallory', 'rnallory'],
    );

    const legacy = makePeer('rnallory');
    const pinned = withContacts(legacy);
    assert.deepEqual(types(pinned.seen(presence(legacy, 1), ADDR, T0)), ['join']);
    assert.deepEqual(types(pinned.relaySeen(reported, T0 + 100)), ['join']);
    assert.deepEqual(
      pinned.list().map((i) => i.pseudonym),
      ['mallory', 'rnallory'],
    );
  });

  it('unlists a look-alike listed before its contact was pinned, once the names are checked again', () => {
    const byLook = new Map<string, string>();
    const roster = new Roster({
      intervalMs: 2000,
      missedBeforeExpiry: 3,
      lookalikes: (key) => byLook.get(key),
    });
    const fake = makePeer(CYRILLIC_ALICE);
    assert.deepEqual(types(roster.seen(presence(fake, 1), ADDR, T0)), ['join']);
    assert.deepEqual(roster.recheckNames(T0 + 10), []);
    byLook.set(lookalikeKey('alice'), alice.id);
    const changes = roster.recheckNames(T0 + 20);
    assert.deepEqual(types(changes), ['leave', 'conflict']);
    assert.equal(roster.size, 0);
  });
});
