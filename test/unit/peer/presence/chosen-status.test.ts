/**
 * The status the user chose, kept in the profile (presence/chosen-status.ts): read back as
 * written, a damaged value ignored, `--status` given kept, nothing kept is online.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  chosenStatusOp,
  loadChosenStatus,
  takeUpChosenStatus,
} from '../../../../src/peer/presence/chosen-status.js';
import { PeerStore, PREFIX, putJson } from '../../../../src/peer/store.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';

/** Just what takeUpChosenStatus asks of presence. */
class FakePresence {
  now: { status: string; text: string } = { status: 'online', text: '' };
  own() {
    return this.now;
  }
  async setStatus(status: string, text: string) {
    this.now = { status, text };
  }
}

describe('peer presence: the chosen status kept in the profile', () => {
  let store: PeerStore;
  beforeEach(async () => {
    const dir = await makeTempDir();
    store = await PeerStore.open(join(dir, 'db'), dir);
  });
  afterEach(async () => {
    await store.close();
    await removeTempDirs();
  });

  it('reads back what was kept; nothing kept is nothing', async () => {
    assert.equal(await loadChosenStatus(store), undefined);
    await store.write([chosenStatusOp({ status: 'busy', text: 'in a call' })]);
    assert.deepEqual(await loadChosenStatus(store), { status: 'busy', text: 'in a call' });
  });

  it('ignores a kept value that does not check', async () => {
    for (const bad of [{ status: 'asleep', text: '' }, { status: 'busy', text: 'a\nb' }, 'busy']) {
      await store.write([putJson(`${PREFIX.meta}status`, bad)]);
      assert.equal(await loadChosenStatus(store), undefined, JSON.stringify(bad));
    }
  });

  it('takes up the kept status without flags, keeps the flags given, and does nothing unannounced', async () => {
    await store.write([chosenStatusOp({ status: 'away', text: 'lunch' })]);
    const quiet = new FakePresence();
    await takeUpChosenStatus({ store, presence: quiet as never }, false);
    assert.equal(quiet.now.status, 'online', 'a client that does not announce takes nothing up');
    const taken = new FakePresence();
    await takeUpChosenStatus({ store, presence: taken as never }, { port: 1 });
    assert.deepEqual(taken.now, { status: 'away', text: 'lunch' });
    const flagged = new FakePresence();
    flagged.now = { status: 'busy', text: '' };
    await takeUpChosenStatus({ store, presence: flagged as never }, { port: 1, status: 'busy' });
    assert.deepEqual(flagged.now, { status: 'busy', text: '' }, 'the flag wins');
    assert.deepEqual(await loadChosenStatus(store), { status: 'busy', text: '' }, 'and is kept');
  });
});
