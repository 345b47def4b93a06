import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { conflictWords } from '../../../src/peer/index.js';
import { conflictEvent } from '../../../src/peer/presence/online.js';
import type { RosterConflict } from '../../../src/presence/roster.js';

const e = { pseudonym: 'bob', claimedFingerprint: 'aaaa', pinnedFingerprint: 'bbbb' };

describe('an impostor in words', () => {
  it('says a LAN claim as the LAN’s', () => {
    assert.equal(
      conflictWords(e, 'bob'),
      'someone on the LAN claims to be bob with another key (aaaa); not shown',
    );
  });

  it('says a claim from the relay’s roster as the relay’s, not the LAN’s', () => {
    assert.equal(
      conflictWords({ ...e, via: 'relay' }, 'bob'),
      'the relay lists someone else as bob, with another key (aaaa); not shown',
    );
  });

  it('marks the event of a relay-sourced claim, and leaves a LAN one as it was', () => {
    const conflict = (source: 'lan' | 'relay') =>
      ({
        type: 'conflict',
        reason: 'pinned-key-mismatch',
        pinnedUserIdHex: '11'.repeat(32),
        item: { pseudonym: 'bob', card: { userId: new Uint8Array(32).fill(2) }, source },
      }) as unknown as RosterConflict;
    assert.equal(conflictEvent(conflict('relay')).via, 'relay');
    assert.equal('via' in conflictEvent(conflict('lan')), false);
  });
});
