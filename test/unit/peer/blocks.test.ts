/**
 * The block list (src/peer/blocks.ts): by key, durable in the profile's store, read back
 * at open; a damaged record is skipped, not fatal.
 */
import assert from 'node:assert/strict';
import { Blocks, blockKey } from '../../../src/peer/blocks.js';
import { PeerStore } from '../../../src/peer/store.js';
import { MemoryKv } from '../../../src/peer/store-memory.js';

const MALLORY = 'ab'.repeat(32);
const EVE = 'cd'.repeat(32);

describe('the block list', () => {
  it('blocks a key once, lists it by name, and lifts it', async () => {
    const store = new PeerStore(new MemoryKv());
    const blocks = await Blocks.load(store);
    assert.equal(blocks.has(MALLORY), false);
    assert.equal(await blocks.block(MALLORY, 'mallory', 1_000), true);
    assert.equal(await blocks.block(MALLORY, 'mallory', 2_000), false, 'blocked already');
    assert.equal(blocks.has(MALLORY), true);
    assert.equal(blocks.has(EVE), false);
    const [listed] = blocks.list();
    assert.equal(listed?.pseudonym, 'mallory');
    assert.equal(listed?.blockedAtMs, 1_000, 'the first block stands');
    assert.match(listed?.fingerprint ?? '', /^[a-z0-9]{4}(-[a-z0-9]{4})+$/);
    assert.equal(blocks.byName('MALLORY')?.userId, MALLORY, 'names compare as pseudonyms do');
    assert.equal(await blocks.unblock(MALLORY), true);
    assert.equal(await blocks.unblock(MALLORY), false);
    assert.equal(blocks.has(MALLORY), false);
    assert.deepEqual(blocks.list(), []);
  });

  it('survives a reopen of the store, and an unblock does too', async () => {
    const kv = new MemoryKv();
    const first = await Blocks.load(new PeerStore(kv));
    await first.block(MALLORY, 'mallory', 1_000);
    await first.block(EVE, 'eve', 2_000);
    await first.unblock(EVE);
    const again = await Blocks.load(new PeerStore(kv));
    assert.equal(again.has(MALLORY), true);
    assert.equal(again.has(EVE), false);
    assert.deepEqual(
      again.list().map((b) => [b.pseudonym, b.blockedAtMs]),
      [['mallory', 1_000]],
    );
  });

  it('is kept by key: a record under a key that is no user id is skipped at load', async () => {
    const kv = new MemoryKv();
    const store = new PeerStore(kv);
    await store.write([
      { type: 'put', key: blockKey('not-hex'), value: JSON.stringify({ pseudonym: 'x' }) },
      { type: 'put', key: blockKey(EVE), value: JSON.stringify({ blockedAtMs: 3 }) },
      {
        type: 'put',
        key: blockKey(MALLORY),
        value: JSON.stringify({ pseudonym: 'm', blockedAtMs: 5 }),
      },
    ]);
    const blocks = await Blocks.load(store);
    assert.deepEqual(
      blocks.list().map((b) => b.userId),
      [MALLORY],
    );
  });
});
