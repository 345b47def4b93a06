import assert from 'node:assert/strict';
import { signStatus } from '../../../../src/crypto/status.js';
import {
  MAX_TRACKED_STATUS_USERS,
  RelayStatuses,
} from '../../../../src/peer/presence/relay-statuses.js';
import type { RosterEntry, Status } from '../../../../src/wire/types.js';
import { makePeer, type TestPeer } from '../../presence/fixtures.js';

function signed(peer: TestPeer, status: Status, statusText: string, seq: number): RosterEntry {
  const sig = signStatus(peer.identity, { status, statusText, seq });
  return { card: peer.card, status, statusText, online: true, signed: { seq, sig } };
}

const unsigned = (peer: TestPeer, extra: Partial<RosterEntry> = {}): RosterEntry => ({
  card: peer.card,
  status: 'online',
  statusText: '',
  online: true,
  signed: null,
  ...extra,
});

const shown = (r: RosterEntry | string) => (typeof r === 'string' ? r : [r.status, r.statusText]);

describe('peer/presence/relay-statuses: statuses the relay forwards', () => {
  const carol = makePeer('carol');
  const dave = makePeer('dave');

  it('takes a status its user signed, and a newer one after it', () => {
    const s = new RelayStatuses();
    assert.deepEqual(shown(s.check(signed(carol, 'busy', 'x', 5))), ['busy', 'x']);
    assert.deepEqual(shown(s.check(signed(carol, 'away', 'y', 6))), ['away', 'y']);
    assert.deepEqual(s.stats(), { forgedStatuses: 0, staleStatuses: 0 });
  });

  it('drops a status signed by another user, or changed in any signed part, as forged', () => {
    const s = new RelayStatuses();
    const good = signed(carol, 'busy', 'in a meeting', 10);
    for (const forged of [
      { ...good, card: dave.card },
      { ...good, status: 'away' as const },
      { ...good, statusText: 'resigned today' },
      { ...good, signed: { seq: 11, sig: good.signed!.sig } },
      { ...signed(dave, 'busy', 'in a meeting', 10), card: carol.card },
    ]) {
      assert.equal(s.check(forged), 'forged');
    }
    assert.deepEqual(s.stats(), { forgedStatuses: 5, staleStatuses: 0 });
  });

  it('drops a status older than one already taken from the same user, but takes the same one again', () => {
    const s = new RelayStatuses();
    const older = signed(carol, 'busy', 'old', 10);
    const newer = signed(carol, 'online', 'new', 20);
    s.check(older);
    s.check(newer);
    assert.equal(s.check(older), 'stale');
    assert.deepEqual(shown(s.check(newer)), ['online', 'new']);
    assert.deepEqual(shown(s.check(signed(dave, 'away', 'z', 1))), ['away', 'z'], 'per user');
    assert.deepEqual(s.stats(), { forgedStatuses: 0, staleStatuses: 1 });
  });

  it("takes an unsigned entry only as 'online' with no text (connected, nothing claimed)", () => {
    const s = new RelayStatuses();
    assert.deepEqual(shown(s.check(unsigned(carol))), ['online', '']);
    assert.equal(s.check(unsigned(dave, { status: 'busy' })), 'forged');
    assert.equal(s.check(unsigned(dave, { statusText: 'made up' })), 'forged');
    s.check(signed(carol, 'away', 'lunch', 3));
    assert.deepEqual(shown(s.check(unsigned(carol))), ['online', '']);
    assert.equal(s.check(unsigned(carol, { status: 'busy' })), 'forged');
    assert.equal(s.check(signed(carol, 'away', 'older', 2)), 'stale', 'the seq is still known');
  });

  it('passes a departure without looking at its status', () => {
    const s = new RelayStatuses();
    const gone = unsigned(carol, { online: false, status: 'busy', statusText: 'whatever' });
    assert.equal(s.check(gone), gone);
    assert.deepEqual(s.stats(), { forgedStatuses: 0, staleStatuses: 0 });
  });

  it(`remembers at most MAX_TRACKED_STATUS_USERS (${MAX_TRACKED_STATUS_USERS}) users, forgetting the least recent first`, () => {
    const s = new RelayStatuses(2);
    const erin = makePeer('erin');
    s.check(signed(carol, 'busy', 'old', 10));
    s.check(signed(carol, 'busy', 'new', 20));
    s.check(signed(dave, 'away', '', 1));
    s.check(signed(erin, 'away', '', 1));
    // Carol was forgotten to make room: her older status is taken again, once.
    assert.deepEqual(shown(s.check(signed(carol, 'busy', 'old', 10))), ['busy', 'old']);
    assert.equal(s.check(signed(erin, 'away', '', 0)), 'stale', 'erin is still remembered');
  });
});
