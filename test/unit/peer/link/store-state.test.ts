import assert from 'node:assert/strict';
import type { PeerEventMap } from '../../../../src/peer/events.js';
import { PeerEvents } from '../../../../src/peer/events.js';
import { RelayStoreState, relayStoreLine } from '../../../../src/peer/link/store-state.js';

function watched() {
  const events = new PeerEvents();
  const said: PeerEventMap['relay:store'][] = [];
  events.on('relay:store', (e) => said.push(e));
  return { state: new RelayStoreState(events), said };
}

const DOWN = { reachable: false, code: 'E_STORE_UNAVAILABLE' } as const;

describe('peer/link/store-state', () => {
  it('says nothing while the relay says nothing (a relay whose store answers, or an older one)', () => {
    const { state, said } = watched();
    state.onReady();
    state.onOffline();
    state.onReady();
    assert.deepEqual(said, []);
  });

  it('says down at the Ready a StoreStatus came before, not earlier', () => {
    const { state, said } = watched();
    state.heard('E_STORE_UNAVAILABLE');
    assert.deepEqual(said, []);
    state.onReady();
    assert.deepEqual(said, [DOWN]);
  });

  it('says back when told during the session, or at the Ready of a session told nothing', () => {
    const { state, said } = watched();
    state.onReady();
    state.heard('E_STORE_UNAVAILABLE');
    state.heard('');
    assert.deepEqual(said, [DOWN, { reachable: true }]);
    state.heard('E_STORE_UNAVAILABLE');
    state.onOffline();
    state.onReady();
    assert.deepEqual(said, [DOWN, { reachable: true }, DOWN, { reachable: true }]);
  });

  it('says a down store once across reconnects that are told it again', () => {
    const { state, said } = watched();
    for (let i = 0; i < 3; i++) {
      state.heard('E_STORE_UNAVAILABLE');
      state.onReady();
      state.onOffline();
    }
    assert.deepEqual(said, [DOWN]);
  });

  it('words both for the inbox and the chat, with the code', () => {
    assert.equal(
      relayStoreLine(DOWN),
      'the relay cannot reach its mail store; waiting mail will arrive when it is back (E_STORE_UNAVAILABLE)',
    );
    assert.equal(
      relayStoreLine({ reachable: true }),
      'the relay reaches its mail store again; waiting mail follows',
    );
  });
});
