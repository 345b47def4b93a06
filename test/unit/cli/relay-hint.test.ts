/**
 * E_UNKNOWN_USER names the relay, and says when the person may be on another one
 * (seventeenth sitting: two relays on one LAN had split new users, and the error
 * named neither relay nor id).
 */
import assert from 'node:assert/strict';
import { unknownOnRelay } from '../../../src/cli/relay-hint.js';
import type { OnlinePeer } from '../../../src/peer/index.js';
import { relayFingerprint } from '../../../src/peer/profile.js';

const RELAY_ID = 'ab'.repeat(32);

function client(online: Partial<OnlinePeer>[], reached = true) {
  return {
    relayReached: () => (reached ? { address: '10.0.0.5:47474', relayId: RELAY_ID } : null),
    online: () => online as OnlinePeer[],
  };
}

describe('cli: who is unknown on which relay', () => {
  it('names the relay reached, by address and short id', () => {
    assert.equal(
      unknownOnRelay(client([]), 'alice'),
      ` (10.0.0.5:47474, relay id ${relayFingerprint(RELAY_ID)})`,
    );
  });

  it('says the person may be on another relay when the LAN shows them online', () => {
    const said = unknownOnRelay(client([{ pseudonym: 'Alice', source: 'lan' }]), 'alice');
    assert.match(said, /'alice' is online on the LAN, so they may be registered on another relay/);
  });

  it('says nothing of another relay when only this relay lists them, or nobody does', () => {
    assert.doesNotMatch(
      unknownOnRelay(client([{ pseudonym: 'alice', source: 'relay' }]), 'alice'),
      /another relay/,
    );
    assert.equal(unknownOnRelay(client([], false), 'alice'), '');
  });

  it('sanitises the name as it shows it', () => {
    const said = unknownOnRelay(
      client([{ pseudonym: 'al\u001b[2Jice', source: 'lan' }]),
      'al\u001b[2Jice',
    );
    assert.doesNotMatch(said, /\u001b/);
  });
});
