import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  fixedWidth,
  type Kv,
  LevelKv,
  MemoryKv,
  PeerStore,
  prefixRange,
} from '../../../src/peer/store.js';
import { isNatterError } from '../../../src/util/errors.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

async function collect(kv: Kv, prefix: string, reverse = false, limit?: number): Promise<string[]> {
  const keys: string[] = [];
  const extra = limit === undefined ? { reverse } : { reverse, limit };
  for await (const [k] of kv.entries(prefixRange(prefix, extra))) keys.push(k);
  return keys;
}

/** One compliance suite for both stores (STYLE.md §12). */
for (const [name, open] of [
  ['memory', async () => new MemoryKv()],
  ['LevelDB', async () => LevelKv.open(join(await makeTempDir(), 'db'))],
] as const) {
  describe(`peer store (${name})`, () => {
    let kv: Kv;
    beforeEach(async () => {
      kv = await open();
    });
    afterEach(async () => {
      await kv.close();
    });
    after(removeTempDirs);

    it('returns undefined for a missing key and the value for a present one', async () => {
      assert.equal(await kv.get('nope'), undefined);
      await kv.batch([{ type: 'put', key: 'k', value: 'v' }], { sync: true });
      assert.equal(await kv.get('k'), 'v');
    });

    it('applies puts and deletes of one batch together', async () => {
      await kv.batch([{ type: 'put', key: 'a', value: '1' }], { sync: false });
      await kv.batch(
        [
          { type: 'del', key: 'a' },
          { type: 'put', key: 'b', value: '2' },
        ],
        { sync: true },
      );
      assert.equal(await kv.get('a'), undefined);
      assert.equal(await kv.get('b'), '2');
    });

    it('stores bytes as they are, next to strings, and reads either as bytes', async () => {
      const bytes = new Uint8Array([0, 0xff, 0x80, 0xc3, 0x28, 10]);
      await kv.batch(
        [
          { type: 'put', key: 'b!1', value: bytes },
          { type: 'put', key: 'b!2', value: 'é' },
        ],
        { sync: true },
      );
      assert.deepEqual(await kv.getBytes('b!1'), bytes);
      assert.deepEqual(await kv.getBytes('b!2'), new Uint8Array([0xc3, 0xa9]));
      assert.equal(await kv.get('b!2'), 'é');
      assert.equal(await kv.getBytes('nope'), undefined);
      const listed: [string, Uint8Array][] = [];
      for await (const entry of kv.entriesBytes(prefixRange('b!'))) listed.push(entry);
      assert.deepEqual(listed, [
        ['b!1', bytes],
        ['b!2', new Uint8Array([0xc3, 0xa9])],
      ]);
      bytes[0] = 7;
      assert.equal((await kv.getBytes('b!1'))?.[0], 0, 'the store kept its own copy');
    });

    it('lists a prefix in key order, fixed-width numbers in numeric order, and nothing outside it', async () => {
      const ops = [9, 10, 100, 2].map((n) => ({
        type: 'put' as const,
        key: `p!${fixedWidth(n)}`,
        value: '',
      }));
      ops.push({ type: 'put', key: 'p"', value: '' }, { type: 'put', key: 'o', value: '' });
      await kv.batch(ops, { sync: false });
      assert.deepEqual(
        (await collect(kv, 'p!')).map((k) => Number(k.slice(2))),
        [2, 9, 10, 100],
      );
      assert.deepEqual(
        (await collect(kv, 'p!', true, 2)).map((k) => Number(k.slice(2))),
        [100, 10],
      );
    });
  });
}

describe('peer store: group commit and locking', () => {
  after(removeTempDirs);

  it('writes everything submitted in one turn as one batch', async () => {
    const kv = new MemoryKv();
    const store = new PeerStore(kv);
    await Promise.all(
      [1, 2, 3].map((n) => store.write([{ type: 'put', key: `k${n}`, value: '' }])),
    );
    assert.equal(kv.batches, 1);
    assert.equal(kv.data.size, 3);
  });

  it('refuses writes after close, and closing twice is harmless', async () => {
    const store = new PeerStore(new MemoryKv());
    await store.close();
    await store.close();
    await assert.rejects(store.write([{ type: 'del', key: 'x' }]), (e) =>
      isNatterError(e, 'E_STORE_CLOSED'),
    );
  });

  it('fails with E_PROFILE_IN_USE when another process holds the profile database', async () => {
    const dir = await makeTempDir();
    const first = await PeerStore.open(join(dir, 'db'), dir);
    try {
      await assert.rejects(PeerStore.open(join(dir, 'db'), dir), (e) => {
        assert.ok(isNatterError(e, 'E_PROFILE_IN_USE'));
        assert.match((e as Error).message, /in use by another natter process/);
        return true;
      });
    } finally {
      await first.close();
    }
  });

  it('waits for the profile when asked to (a one-shot command beside another), and fails once the wait is over', async () => {
    const dir = await makeTempDir();
    const first = await PeerStore.open(join(dir, 'db'), dir);
    const closing = new Promise((resolve) => setTimeout(resolve, 300)).then(() => first.close());
    const second = await PeerStore.open(join(dir, 'db'), dir, { lockWaitMs: 5_000 });
    await closing;
    await second.close();
    const third = await PeerStore.open(join(dir, 'db'), dir);
    try {
      await assert.rejects(PeerStore.open(join(dir, 'db'), dir, { lockWaitMs: 200 }), (e) =>
        isNatterError(e, 'E_PROFILE_IN_USE'),
      );
    } finally {
      await third.close();
    }
  });
});
