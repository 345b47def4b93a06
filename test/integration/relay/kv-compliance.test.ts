/**
 * One suite for both relay key-value stores (STYLE.md §12): LevelDB on a real
 * temp dir, and the in-memory one the unit tests use. Whatever the relay relies
 * on — order, ranges, limits, atomic batches, data across close/open — holds
 * for both.
 */
import assert from 'node:assert/strict';
import { LevelKv, MemoryKv, type RelayKv, scan, scanKeys } from '../../../src/relay/store/index.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) =>
  b === undefined ? undefined : new TextDecoder().decode(b);

const kinds: Array<[string, () => Promise<RelayKv>]> = [
  ['LevelKv (LevelDB)', async () => LevelKv.open(await makeTempDir('natter-kv-'))],
  ['MemoryKv', async () => new MemoryKv()],
];

for (const [name, make] of kinds) {
  describe(`relay key-value store compliance: ${name}`, () => {
    let kv: RelayKv;
    beforeEach(async () => {
      kv = await make();
    });
    afterEach(async () => {
      await kv.close();
    });
    after(removeTempDirs);

    it('reads back what a batch put, and nothing it deleted', async () => {
      await kv.write(
        [
          { type: 'put', key: 'a', value: bytes('1') },
          { type: 'put', key: 'b', value: bytes('2') },
        ],
        { sync: true },
      );
      await kv.write([{ type: 'del', key: 'a' }], { sync: false });
      assert.equal(text(await kv.get('a')), undefined);
      assert.equal(text(await kv.get('b')), '2');
    });

    it('returns a range in key order, bounded by gt/gte/lt and limit', async () => {
      const keys = ['m1!b!02', 'm1!a!10', 'm1!a!02', 'm1!a!09', 'n1!x'];
      await kv.write(
        keys.map((key) => ({ type: 'put' as const, key, value: bytes(key) })),
        { sync: true },
      );
      const all = await kv.range({ gte: 'm1!a!', lt: 'm1!a!~', limit: 10 });
      assert.deepEqual(
        all.map(([k]) => k),
        ['m1!a!02', 'm1!a!09', 'm1!a!10'],
      );
      const after = await kv.range({ gt: 'm1!a!02', lt: 'm1!~', limit: 2 });
      assert.deepEqual(
        after.map(([k]) => k),
        ['m1!a!09', 'm1!a!10'],
      );
      assert.equal(text(after[0]?.[1]), 'm1!a!09');
    });

    it('returns fewer than the limit only at the end of the range', async () => {
      const ops = Array.from({ length: 300 }, (_, i) => ({
        type: 'put' as const,
        key: `k!${String(i).padStart(4, '0')}`,
        value: new Uint8Array(4096),
      }));
      await kv.write(ops, { sync: true });
      assert.equal((await kv.range({ gt: 'k!', lt: 'k!~', limit: 256 })).length, 256);
      assert.equal((await kv.range({ gt: 'k!0255', lt: 'k!~', limit: 256 })).length, 44);
      let n = 0;
      for await (const _ of scan(kv, { gt: 'k!', lt: 'k!~' }, 7)) n++;
      assert.equal(n, 300);
    });

    it('ends a range once its values reach maxBytes, and a scan still reads every entry', async () => {
      const value = new Uint8Array(1000);
      const ops = Array.from({ length: 50 }, (_, i) => ({
        type: 'put' as const,
        key: `v!${String(i).padStart(3, '0')}`,
        value,
      }));
      await kv.write(ops, { sync: true });
      const first = await kv.range({ gt: 'v!', lt: 'v!~', limit: 50, maxBytes: 2500 });
      assert.deepEqual(
        first.map(([k]) => k),
        ['v!000', 'v!001', 'v!002'],
      );
      // At least one entry, however small the bound.
      assert.equal((await kv.range({ gt: 'v!', lt: 'v!~', limit: 50, maxBytes: 1 })).length, 1);
      const seen: string[] = [];
      for await (const [key] of scan(kv, { gt: 'v!', lt: 'v!~' }, 50, 4000)) seen.push(key);
      assert.deepEqual(
        seen,
        ops.map((op) => op.key),
      );
    });

    it('lists the keys of a range in order without their values', async () => {
      const ops = ['k!c', 'k!a', 'k!b', 'l!a'].map((key) => ({
        type: 'put' as const,
        key,
        value: bytes('x'),
      }));
      await kv.write(ops, { sync: true });
      assert.deepEqual(await kv.keys({ gt: 'k!', lt: 'k!~', limit: 2 }), ['k!a', 'k!b']);
      const all: string[] = [];
      for await (const key of scanKeys(kv, { gt: 'k!', lt: 'k!~' }, 2)) all.push(key);
      assert.deepEqual(all, ['k!a', 'k!b', 'k!c']);
    });

    it('applies a batch whole: a put and a delete in one write', async () => {
      await kv.write([{ type: 'put', key: 'old', value: bytes('x') }], { sync: true });
      await kv.write(
        [
          { type: 'del', key: 'old' },
          { type: 'put', key: 'new', value: bytes('y') },
        ],
        { sync: true },
      );
      assert.deepEqual(
        (await kv.range({ gte: '', lt: '~', limit: 10 })).map(([k]) => k),
        ['new'],
      );
    });

    it('keeps synced data across close and open, and refuses reads while closed', async () => {
      await kv.write([{ type: 'put', key: 'kept', value: bytes('v') }], { sync: true });
      await kv.close();
      assert.equal(kv.isOpen, false);
      await assert.rejects(kv.get('kept'));
      await kv.open();
      assert.equal(kv.isOpen, true);
      assert.equal(text(await kv.get('kept')), 'v');
    });

    it('does not let a caller change stored bytes by reusing its buffer', async () => {
      const value = bytes('abc');
      await kv.write([{ type: 'put', key: 'k', value }], { sync: true });
      value.fill(0);
      assert.equal(text(await kv.get('k')), 'abc');
    });
  });
}
