/**
 * A holder's `watch` answer says its list is whole (holder-view.ts) once its relay session
 * is ready, a turn later (the roster comes behind Ready), and the LAN has had its wait.
 */
import assert from 'node:assert/strict';
import { HolderView, type HolderViewTarget } from '../../../src/cli/holder-view.js';
import type { ConnectionState } from '../../../src/peer/index.js';

function fakeClient() {
  let listener: ((e: { state: ConnectionState }) => void) | null = null;
  const target: HolderViewTarget = {
    on: (_name, l) => {
      listener = l;
      return () => {
        listener = null;
      };
    },
  };
  return { target, state: (state: ConnectionState) => listener?.({ state }), on: () => listener };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('cli: whether a holder lists everyone (holder-view)', () => {
  it('is whole once the relay is ready, its roster taken in, and the LAN has answered; not while offline', async () => {
    const client = fakeClient();
    const view = new HolderView(client.target, 30);
    try {
      assert.equal(view.complete, false, 'nothing yet');
      client.state('connecting');
      await sleep(40);
      assert.equal(view.complete, false, 'no relay session: never whole');
      client.state('ready');
      assert.equal(view.complete, false, 'the roster is not in before a turn');
      await turn();
      assert.equal(view.complete, false, 'the LAN has not had its wait');
      await sleep(40);
      assert.equal(view.complete, true);
      client.state('offline');
      assert.equal(view.complete, false, 'the relay entries went with the link');
      client.state('ready');
      await turn();
      assert.equal(view.complete, true, 'the LAN was heard already');
      // Ready and gone within one turn: not whole.
      client.state('ready');
      client.state('offline');
      await turn();
      assert.equal(view.complete, false);
    } finally {
      view.close();
    }
    assert.equal(client.on(), null, 'close() unsubscribes');
  });
});
