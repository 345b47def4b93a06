import assert from 'node:assert/strict';
import { Roster, type RosterChange } from '../../../src/presence/roster.js';
import { makePeer, presence, T0 } from './fixtures.js';

const INTERVAL = 2000;
const MISSED = 3;
const BUDGET = INTERVAL * MISSED;
const ADDR = '10.77.1.2';

function newRoster(extra: ConstructorParameters<typeof Roster>[0] = {}): Roster {
  return new Roster({ intervalMs: INTERVAL, missedBeforeExpiry: MISSED, ...extra });
}

function types(changes: RosterChange[]): string[] {
  return changes.map((c) => (c.type === 'leave' ? `leave:${c.reason}` : c.type));
}

describe('presence roster', () => {
  const alice = makePeer('alice');
  const bob = makePeer('bob');

  describe('LAN heartbeats', () => {
    it('lists a new key as joined from the LAN with a deadline of interval times missed', () => {
      const roster = newRoster();
      const changes = roster.seen(presence(alice, 1), ADDR, T0);
      assert.deepEqual(types(changes), ['join']);
      const item = roster.get(alice.id);
      assert.ok(item);
      assert.equal(item.pseudonym, 'alice');
      assert.equal(item.source, 'lan');
      assert.equal(item.address, ADDR);
      assert.equal(item.expiresAtMs, T0 + BUDGET);
      assert.equal(roster.nextDeadline(), T0 + BUDGET);
    });

    it('refreshes the deadline without an update when nothing visible changed', () => {
      const roster = newRoster();
      roster.seen(presence(alice, 1), ADDR, T0);
      assert.deepEqual(roster.seen(presence(alice, 2), ADDR, T0 + 1000), []);
      assert.equal(roster.get(alice.id)?.expiresAtMs, T0 + 1000 + BUDGET);
    });

    it('reports a status or status text change as an update', () => {
      const roster = newRoster();
      roster.seen(presence(alice, 1), ADDR, T0);
      const changes = roster.seen(
        presence(alice, 2, { status: 'busy', statusText: 'in a meeting' }),
        ADDR,
        T0 + 10,
      );
      assert.deepEqual(types(changes), ['update']);
      assert.equal(changes[0]?.item.status, 'busy');
      assert.equal(changes[0]?.item.statusText, 'in a meeting');
    });

    it('keeps a peer until the missed-heartbeat budget has passed, then expires it', () => {
      const roster = newRoster();
      roster.seen(presence(alice, 1), ADDR, T0);
      assert.deepEqual(roster.expire(T0 + BUDGET - 1), []);
      assert.equal(roster.size, 1);
      assert.deepEqual(types(roster.expire(T0 + BUDGET)), ['leave:expired']);
      assert.equal(roster.size, 0);
      assert.equal(roster.nextDeadline(), null);
    });

    it('rejects a sequence number that is not above the last one and counts it', () => {
      const roster = newRoster();
      roster.seen(presence(alice, 10), ADDR, T0);
      assert.deepEqual(roster.seen(presence(alice, 10, { status: 'away' }), ADDR, T0 + 1), []);
      assert.deepEqual(roster.seen(presence(alice, 9, { status: 'away' }), ADDR, T0 + 2), []);
      assert.equal(roster.get(alice.id)?.status, 'online');
      assert.equal(roster.stats().staleSeq, 2);
    });

    it('removes a peer at once on BYE', () => {
      const roster = newRoster();
      roster.seen(presence(alice, 1), ADDR, T0);
      assert.deepEqual(types(roster.seen(presence(alice, 2, { kind: 'bye' }), ADDR, T0 + 5)), [
        'leave:bye',
      ]);
      assert.equal(roster.get(alice.id), undefined);
    });

    it('does not bring a departed peer back with a replayed older heartbeat', () => {
      const roster = newRoster();
      roster.seen(presence(alice, 1), ADDR, T0);
      roster.seen(presence(alice, 2, { kind: 'bye' }), ADDR, T0 + 5);
      assert.deepEqual(roster.seen(presence(alice, 1), ADDR, T0 + 10), []);
      assert.equal(roster.size, 0);
      assert.deepEqual(types(roster.seen(presence(alice, 3, { kind: 'hello' }), ADDR, T0 + 20)), [
        'join',
      ]);
    });

    it('ignores a BYE from a key it does not list', () => {
      const roster = newRoster();
      assert.deepEqual(roster.seen(presence(alice, 1, { kind: 'bye' }), ADDR, T0), []);
    });

    it('refuses new peers once full and counts them', () => {
      const roster = newRoster({ maxItems: 1 });
      roster.seen(presence(alice, 1), ADDR, T0);
      assert.deepEqual(roster.seen(presence(bob, 1), ADDR, T0), []);
      assert.equal(roster.stats().full, 1);
    });

    it('returns snapshots that later heartbeats do not change', () => {
      const roster = newRoster();
      const [join] = roster.seen(presence(alice, 1), ADDR, T0);
      roster.seen(presence(alice, 2, { status: 'away' }), ADDR, T0 + 1);
      assert.equal(join?.item.status, 'online');
      assert.ok(Object.isFrozen(join?.item));
    });
  });

  describe('ordering', () => {
    it('lists by pseudonym case-insensitively, and the same way every time', () => {
      const roster = newRoster();
      ['bob', 'Alice', 'carol', 'ALBERT', 'dave'].forEach((name, i) => {
        roster.seen(presence(makePeer(name), 1), ADDR, T0 + i);
      });
      const names = roster.list().map((i) => i.pseudonym);
      assert.deepEqual(names, ['ALBERT', 'Alice', 'bob', 'carol', 'dave']);
      assert.deepEqual(
        roster.list().map((i) => i.pseudonym),
        names,
      );
    });
  });

  describe('pinning', () => {
    it('reports a different key claiming a first-seen pseudonym as a conflict, never as that user', () => {
      const roster = newRoster();
      roster.seen(presence(alice, 1), ADDR, T0);
      const impostor = makePeer('ALICE');
      const changes = roster.seen(presence(impostor, 1, { status: 'busy' }), '10.77.1.66', T0 + 1);
      assert.equal(changes.length, 1);
      const [conflict] = changes;
      assert.ok(conflict?.type === 'conflict');
      assert.equal(conflict.reason, 'pinned-key-mismatch');
      assert.equal(conflict.pinnedUserIdHex, alice.id);
      assert.equal(conflict.item.userIdHex, impostor.id);
      assert.deepEqual(
        roster.list().map((i) => i.userIdHex),
        [alice.id],
      );
      assert.equal(roster.get(alice.id)?.status, 'online');
      assert.equal(roster.stats().conflicts, 1);
      assert.deepEqual(
        roster.conflicts().map((i) => i.userIdHex),
        [impostor.id],
      );
    });

    it('reports an impostor once while its claim lasts, and keeps refusing it', () => {
      const roster = newRoster();
      roster.seen(presence(alice, 1), ADDR, T0);
      const impostor = makePeer('alice');
      assert.deepEqual(types(roster.seen(presence(impostor, 1), ADDR, T0)), ['conflict']);
      assert.deepEqual(roster.seen(presence(impostor, 2), ADDR, T0 + 1), []);
      assert.equal(roster.size, 1);
    });

    it('lists the impostors whose claims last, with the key pinned to the name, until they lapse or say BYE', () => {
      const roster = newRoster();
      roster.seen(presence(alice, 1), ADDR, T0);
      const impostor = makePeer('alice');
      const other = makePeer('alice');
      roster.seen(presence(impostor, 1), ADDR, T0);
      roster.seen(presence(other, 1), ADDR, T0 + 1000);
      const claims = (now: number) =>
        roster
          .impostors(now)
          .map((c) => [c.item.userIdHex, c.pinnedUserIdHex])
          .sort();
      // Asked later, not only as they were heard: the heartbeats repeat nothing.
      roster.seen(presence(impostor, 2), ADDR, T0 + 2000);
      assert.deepEqual(
        claims(T0 + 2500),
        [
          [impostor.id, alice.id],
          [other.id, alice.id],
        ].sort(),
      );
      assert.deepEqual(claims(T0 + 1000 + BUDGET), [[impostor.id, alice.id]]);
      roster.seen(presence(impostor, 3, { kind: 'bye' }), ADDR, T0 + 3000);
      assert.deepEqual(claims(T0 + 3000), [[other.id, alice.id]]);
    });

    it("lists a relay impostor's claim while the relay lists it, however long, not a heartbeat budget", () => {
      const roster = newRoster({ pins: new Map([['alice', alice.id]]) });
      const left = makePeer('alice');
      const unlisted = makePeer('alice');
      const lost = makePeer('alice');
      const claim = (p: typeof alice) => ({
        card: p.card,
        status: 'online' as const,
        statusText: '',
      });
      const claims = (now: number) =>
        roster
          .impostors(now)
          .map((c) => c.item.userIdHex)
          .sort();
      roster.relayReset([claim(left), claim(unlisted), claim(lost)], T0);
      // The relay says each once; nothing repeats them, and nothing lapses.
      roster.expire(T0 + 10 * BUDGET);
      assert.deepEqual(claims(T0 + 10 * BUDGET), [left.id, unlisted.id, lost.id].sort());
      // One the relay says left; one a full roster no longer lists; then the link goes.
      roster.relayLeft(left.id);
      assert.deepEqual(claims(T0 + 10 * BUDGET), [unlisted.id, lost.id].sort());
      roster.relayReset([claim(lost)], T0 + 10 * BUDGET);
      assert.deepEqual(claims(T0 + 10 * BUDGET), [lost.id]);
      roster.relayReset([], T0 + 10 * BUDGET, 'link-lost');
      assert.deepEqual(claims(T0 + 10 * BUDGET), []);
      // Back again: said again, as a new claim.
      assert.deepEqual(types(roster.relaySeen(claim(left), T0 + 11 * BUDGET)), ['conflict']);
    });

    it('ends a relay claim under a name the relay lists its key under no more, and keeps a LAN claim to its deadline', () => {
      const roster = newRoster({ pins: new Map([['alice', alice.id]]) });
      const impostor = makePeer('alice');
      const claims = (now: number) => roster.impostors(now).map((c) => c.item.userIdHex);
      roster.seen(presence(impostor, 1), ADDR, T0);
      roster.relaySeen({ card: impostor.card, status: 'online', statusText: '' }, T0 + 1);
      assert.deepEqual(claims(T0 + 2 * BUDGET), [impostor.id]);
      roster.relayGone(impostor.id);
      assert.deepEqual(claims(T0 + BUDGET - 1), [impostor.id], 'the LAN claim lasts its budget');
      assert.deepEqual(claims(T0 + BUDGET), []);
      // The relay lists the key under a name of its own now: no claim to 'alice' from it.
      const renamed = { ...impostor.card, pseudonym: 'mallory' };
      roster.relaySeen({ card: impostor.card, status: 'online', statusText: '' }, T0 + 2);
      roster.relaySeen({ card: renamed, status: 'online', statusText: '' }, T0 + 3);
      assert.deepEqual(claims(T0 + 2 * BUDGET), []);
    });

    it('keeps the first-seen pin after the pinned user has left', () => {
      const roster = newRoster();
      roster.seen(presence(alice, 1), ADDR, T0);
      roster.seen(presence(alice, 2, { kind: 'bye' }), ADDR, T0 + 1);
      const impostor = makePeer('alice');
      assert.deepEqual(types(roster.seen(presence(impostor, 1), ADDR, T0 + 2)), ['conflict']);
      assert.equal(roster.size, 0);
    });

    it('honours pins given as a map even for a pseudonym it has never seen', () => {
      const roster = newRoster({ pins: new Map([['alice', alice.id]]) });
      const impostor = makePeer('Alice');
      assert.deepEqual(types(roster.seen(presence(impostor, 1), ADDR, T0)), ['conflict']);
      assert.deepEqual(types(roster.seen(presence(alice, 1), ADDR, T0)), ['join']);
    });

    it('lets pins given as a callback outrank what it saw first', () => {
      const pins = new Map<string, string>();
      const roster = newRoster({ pins: (key) => pins.get(key) });
      const first = makePeer('bob');
      roster.seen(presence(first, 1), ADDR, T0);
      pins.set('bob', bob.id);
      assert.deepEqual(types(roster.seen(presence(bob, 1), ADDR, T0 + 1)), ['join']);
      assert.deepEqual(types(roster.seen(presence(first, 2), ADDR, T0 + 2)), ['conflict']);
    });

    it('applies pins to relay-sourced entries too', () => {
      // An owner's pin: a first-seen LAN pin yields to the relay (see the squatter tests).
      const roster = newRoster({ pins: new Map([['alice', alice.id]]) });
      roster.seen(presence(alice, 1), ADDR, T0);
      const impostor = makePeer('alice');
      const changes = roster.relaySeen(
        { card: impostor.card, status: 'online', statusText: '' },
        T0 + 1,
      );
      assert.deepEqual(types(changes), ['conflict']);
      assert.equal(roster.get(impostor.id), undefined);
    });

    it('lets a relay-registered user outrank a LAN squatter that claimed the name first', () => {
      const roster = newRoster();
      const squatter = makePeer('alice');
      roster.seen(presence(squatter, 1), '10.77.1.66', T0);
      const changes = roster.relaySeen(
        { card: alice.card, status: 'online', statusText: '' },
        T0 + 1,
      );
      assert.deepEqual(types(changes), ['leave:outranked', 'conflict', 'join']);
      const conflict = changes[1];
      assert.ok(conflict?.type === 'conflict');
      assert.equal(conflict.item.userIdHex, squatter.id);
      assert.equal(conflict.pinnedUserIdHex, alice.id);
      assert.deepEqual(
        roster.list().map((i) => i.userIdHex),
        [alice.id],
      );
      assert.deepEqual(
        roster.conflicts().map((i) => i.userIdHex),
        [squatter.id],
      );
      assert.equal(roster.stats().conflicts, 1);
      // The squatter's next heartbeats stay refused, reported once; the real user's LAN
      // heartbeats merge into their entry.
      assert.deepEqual(roster.seen(presence(squatter, 2), '10.77.1.66', T0 + 2), []);
      assert.deepEqual(types(roster.seen(presence(alice, 1), ADDR, T0 + 3)), ['update']);
      assert.equal(roster.get(alice.id)?.source, 'both');
      assert.equal(roster.get(squatter.id), undefined);
    });

    it('takes the name from a squatter that is no longer listed, without a conflict', () => {
      const roster = newRoster();
      const squatter = makePeer('alice');
      roster.seen(presence(squatter, 1), ADDR, T0);
      roster.seen(presence(squatter, 2, { kind: 'bye' }), ADDR, T0 + 1);
      const viaRelay = { card: alice.card, status: 'online' as const, statusText: '' };
      assert.deepEqual(types(roster.relaySeen(viaRelay, T0 + 2)), ['join']);
      assert.deepEqual(types(roster.seen(presence(squatter, 3), ADDR, T0 + 3)), ['conflict']);
    });

    it('keeps a name the relay already vouched for against another relay entry', () => {
      const roster = newRoster();
      const first = makePeer('alice');
      roster.seen(presence(first, 1), ADDR, T0);
      roster.relaySeen({ card: first.card, status: 'online', statusText: '' }, T0 + 1);
      const changes = roster.relaySeen(
        { card: alice.card, status: 'online', statusText: '' },
        T0 + 2,
      );
      assert.deepEqual(types(changes), ['conflict']);
      assert.deepEqual(
        roster.list().map((i) => i.userIdHex),
        [first.id],
      );
    });

    it('keeps a contact pin above a relay-registered user and the LAN alike', () => {
      const contact = makePeer('alice');
      const roster = newRoster({ pins: new Map([['alice', contact.id]]) });
      assert.deepEqual(types(roster.seen(presence(contact, 1), ADDR, T0)), ['join']);
      const changes = roster.relaySeen(
        { card: alice.card, status: 'online', statusText: '' },
        T0 + 1,
      );
      assert.deepEqual(types(changes), ['conflict']);
      assert.deepEqual(
        roster.list().map((i) => i.userIdHex),
        [contact.id],
      );
      assert.deepEqual(
        roster.conflicts().map((i) => i.userIdHex),
        [alice.id],
      );
    });
  });

  describe('merging the relay and the LAN', () => {
    const viaRelay = { card: alice.card, status: 'online' as const, statusText: '' };

    it('shows an entry heard through both sources as both', () => {
      const roster = newRoster();
      assert.deepEqual(types(roster.relaySeen(viaRelay, T0)), ['join']);
      assert.equal(roster.get(alice.id)?.source, 'relay');
      assert.equal(roster.get(alice.id)?.expiresAtMs, null);
      assert.deepEqual(types(roster.seen(presence(alice, 1), ADDR, T0 + 1)), ['update']);
      const item = roster.get(alice.id);
      assert.equal(item?.source, 'both');
      assert.deepEqual([...(item?.sources ?? [])].sort(), ['lan', 'relay']);
    });

    it("takes the status from the user's own heartbeats while they are heard on the LAN", () => {
      const roster = newRoster();
      roster.seen(presence(alice, 1, { status: 'away', statusText: 'lunch' }), ADDR, T0);
      assert.deepEqual(types(roster.relaySeen(viaRelay, T0 + 1)), ['update'], 'the source only');
      assert.equal(roster.get(alice.id)?.status, 'away');
      assert.equal(roster.get(alice.id)?.statusText, 'lunch');
      roster.seen(presence(alice, 2, { kind: 'bye' }), ADDR, T0 + 2);
      roster.relaySeen({ ...viaRelay, status: 'busy' }, T0 + 3);
      assert.equal(roster.get(alice.id)?.status, 'busy', 'the relay speaks once the LAN is silent');
    });

    it('keeps an entry listed until neither source has it', () => {
      const roster = newRoster();
      roster.relaySeen(viaRelay, T0);
      roster.seen(presence(alice, 1), ADDR, T0);
      assert.deepEqual(types(roster.seen(presence(alice, 2, { kind: 'bye' }), ADDR, T0 + 1)), [
        'update',
      ]);
      assert.equal(roster.get(alice.id)?.source, 'relay');
      // The relay's drop after her BYE is that logout (Entry.saidBye).
      assert.deepEqual(types(roster.relayGone(alice.id)), ['leave:bye']);
      assert.equal(roster.size, 0);
    });

    it('calls the relay dropping a user whose BYE came first a bye, and one heard again since relay-gone', () => {
      const roster = newRoster();
      roster.relaySeen(viaRelay, T0);
      roster.seen(presence(alice, 1), ADDR, T0);
      roster.seen(presence(alice, 2, { kind: 'bye' }), ADDR, T0 + 1);
      assert.deepEqual(types(roster.relayLeft(alice.id)), ['leave:bye']);
      roster.relaySeen(viaRelay, T0 + 2);
      roster.seen(presence(alice, 3), ADDR, T0 + 2);
      roster.seen(presence(alice, 4, { kind: 'bye' }), ADDR, T0 + 3);
      roster.seen(presence(alice, 5), ADDR, T0 + 4);
      assert.deepEqual(types(roster.relayLeft(alice.id)), ['leave:relay-gone']);
    });

    it('keeps a LAN-expired entry listed while the relay still has it', () => {
      const roster = newRoster();
      roster.seen(presence(alice, 1), ADDR, T0);
      roster.relaySeen(viaRelay, T0);
      assert.deepEqual(types(roster.expire(T0 + BUDGET)), ['update']);
      assert.equal(roster.get(alice.id)?.source, 'relay');
      assert.equal(roster.get(alice.id)?.address, null);
    });

    it('never expires relay-only entries by time', () => {
      const roster = newRoster();
      roster.relaySeen(viaRelay, T0);
      assert.deepEqual(roster.expire(T0 + 100 * BUDGET), []);
      assert.equal(roster.nextDeadline(), null);
      assert.equal(roster.size, 1);
    });

    it('keeps a LAN entry when the relay says a user it never reported is gone', () => {
      const roster = newRoster();
      roster.seen(presence(alice, 1), ADDR, T0);
      assert.deepEqual(roster.relayGone(alice.id), []);
      assert.equal(roster.get(alice.id)?.source, 'lan');
    });

    it('treats a relay entry marked offline as gone', () => {
      const roster = newRoster();
      roster.relaySeen(viaRelay, T0);
      assert.deepEqual(types(roster.relaySeen({ ...viaRelay, online: false }, T0 + 1)), [
        'leave:relay-gone',
      ]);
    });

    it('removes a user from both sources when the relay says their connection closed', () => {
      const roster = newRoster();
      roster.seen(presence(alice, 1), ADDR, T0);
      roster.relaySeen(viaRelay, T0);
      const changes = roster.relayLeft(alice.id);
      assert.deepEqual(types(changes), ['leave:relay-gone']);
      assert.equal(changes[0]?.item.source, 'both', 'the leave shows what it had');
      assert.equal(roster.size, 0);
      assert.equal(roster.nextDeadline(), null);
      assert.deepEqual(types(roster.seen(presence(alice, 2), ADDR, T0 + 1)), ['join']);
      assert.deepEqual(roster.seen(presence(alice, 1), ADDR, T0 + 2), [], 'no replay after it');
    });

    it('keeps a LAN entry the relay never listed when it reports that user gone', () => {
      const roster = newRoster();
      roster.seen(presence(alice, 1), ADDR, T0);
      assert.deepEqual(roster.relayLeft(alice.id), []);
      assert.equal(roster.get(alice.id)?.source, 'lan');
    });

    it('replaces every relay-sourced entry on a full relay roster', () => {
      const roster = newRoster();
      const carol = makePeer('carol');
      roster.relaySeen(viaRelay, T0);
      roster.relaySeen({ card: bob.card, status: 'online', statusText: '' }, T0);
      roster.seen(presence(bob, 1), ADDR, T0);
      const changes = roster.relayReset(
        [{ card: carol.card, status: 'away', statusText: 'lunch' }],
        T0 + 1,
      );
      assert.deepEqual(types(changes).sort(), ['join', 'leave:relay-gone', 'update']);
      assert.deepEqual(
        roster.list().map((i) => [i.pseudonym, i.source]),
        [
          ['bob', 'lan'],
          ['carol', 'relay'],
        ],
      );
    });
  });
});
