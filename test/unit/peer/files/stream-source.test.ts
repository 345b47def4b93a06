import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { safeDisplayName } from '../../../../src/peer/files/safe-name.js';
import { planStream, StreamReader } from '../../../../src/peer/files/stream-source.js';
import { openFdsTo } from '../../../helpers/fds.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';

const bytes = (n: number, seed: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
};

describe('files: a file or folder as one stream', () => {
  after(removeTempDirs);

  it('walks a folder: regular files only, sorted relative paths, symlinks skipped', async () => {
    const dir = await makeTempDir();
    const root = join(dir, 'photos');
    await mkdir(join(root, 'b', 'c'), { recursive: true });
    await writeFile(join(root, 'z.txt'), bytes(10, 1));
    await writeFile(join(root, 'a.txt'), bytes(5, 2));
    await writeFile(join(root, 'b', 'c', 'd.bin'), bytes(7, 3));
    await symlink('/etc/passwd', join(root, 'link'));
    const plan = await planStream([root]);
    assert.equal(plan.name, 'photos');
    assert.equal(plan.folder, true);
    assert.deepEqual(
      plan.files.map((f) => [f.relative, f.size]),
      [
        ['a.txt', 5],
        ['b/c/d.bin', 7],
        ['z.txt', 10],
      ],
    );
    assert.equal(plan.size, 22);
  });

  it('reads chunk i across file boundaries by positional reads, and hashes the whole', async () => {
    const dir = await makeTempDir();
    const parts = [bytes(5000, 1), bytes(0, 0), bytes(9000, 2), bytes(3, 3)];
    for (const [i, p] of parts.entries()) await writeFile(join(dir, `f${i}`), p);
    const plan = await planStream(parts.map((_, i) => join(dir, `f${i}`)));
    const reader = new StreamReader(plan.files);
    const whole = Buffer.concat(parts);
    try {
      for (const [at, len] of [
        [0, 4096],
        [4096, 4096],
        [8192, 4096],
        [12288, 4096],
      ] as const) {
        assert.deepEqual(Buffer.from(await reader.read(at, len)), whole.subarray(at, at + len));
      }
      const sha = createHash('sha256').update(whole).digest();
      assert.deepEqual(Buffer.from(await reader.sha256()), sha);
    } finally {
      await reader.close();
    }
  });

  it('reports a source that changed since it was planned as E_FILE_SOURCE_CHANGED', async () => {
    const dir = await makeTempDir();
    const path = join(dir, 'f');
    await writeFile(path, bytes(100, 1));
    const plan = await planStream([path]);
    const reader = new StreamReader(plan.files);
    await reader.checkUnchanged();
    await utimes(path, new Date(), new Date(Date.now() + 5_000));
    await assert.rejects(reader.checkUnchanged(), { code: 'E_FILE_SOURCE_CHANGED' });
    await reader.close();
  });

  it('refuses a folder with no file in it, empty subfolders or links only, as E_FILE_EMPTY_FOLDER', async () => {
    const dir = await makeTempDir();
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await assert.rejects(planStream([empty]), { code: 'E_FILE_EMPTY_FOLDER' });
    const nested = join(dir, 'nested');
    await mkdir(join(nested, 'a', 'b'), { recursive: true });
    await mkdir(join(nested, 'c'));
    await symlink('/etc/passwd', join(nested, 'c', 'link'));
    await assert.rejects(planStream([nested]), { code: 'E_FILE_EMPTY_FOLDER' });
    // Beside a file it would vanish from what is saved: refused too, not dropped unsaid.
    const file = join(dir, 'a.txt');
    await writeFile(file, bytes(2, 1));
    await assert.rejects(planStream([file, empty]), { code: 'E_FILE_EMPTY_FOLDER' });
    // A folder with a file in it keeps its empty subfolders out, as before.
    await writeFile(join(nested, 'a', 'f.txt'), bytes(3, 1));
    const plan = await planStream([nested]);
    assert.deepEqual(
      plan.files.map((f) => f.relative),
      ['a/f.txt'],
    );
  });

  it('refuses a path that does not exist with E_FILE_NOT_FOUND', async () => {
    const dir = await makeTempDir();
    await assert.rejects(planStream([join(dir, 'nope')]), { code: 'E_FILE_NOT_FOUND' });
    await assert.rejects(planStream([]), { code: 'E_FILE_NOT_FOUND' });
  });

  it('refuses a folder holding a name the receiver would refuse, with E_FILE_BAD_PATH naming it sanitised', async () => {
    const dir = await makeTempDir();
    const root = join(dir, 'weird');
    await mkdir(join(root, 'sub'), { recursive: true });
    await writeFile(join(root, 'fine.txt'), bytes(3, 1));
    await writeFile(join(root, 'sub', 'new\nline.txt'), bytes(3, 2));
    await assert.rejects(planStream([root]), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_FILE_BAD_PATH');
      assert.ok(err.message.includes('"sub/new\\nline.txt"'), err.message);
      assert.ok(!err.message.includes('\n'), 'no raw newline in the message');
      return true;
    });
    // Several paths are entries too (FileOffer.several): a bad name among them is refused alike.
    await assert.rejects(planStream([join(root, 'fine.txt'), join(root, 'sub', 'new\nline.txt')]), {
      code: 'E_FILE_BAD_PATH',
    });
    // A single file's name is only a suggestion the receiver sanitises: it still goes.
    const one = await planStream([join(root, 'sub', 'new\nline.txt')]);
    assert.equal(one.folder, false);
    // And a segment Windows drops its trailing dot from is refused as the receiver does.
    const dotted = join(dir, 'dotted');
    await mkdir(dotted);
    await writeFile(join(dotted, 'notes.'), bytes(1, 1));
    await assert.rejects(planStream([dotted]), { code: 'E_FILE_BAD_PATH' });
  });

  it('plans several files of one name (the receiver names them apart), refuses two folders of one name holding one path (E_FILE_BAD_OFFER)', async () => {
    const dir = await makeTempDir();
    for (const side of ['x', 'y']) {
      await mkdir(join(dir, side, 'd'), { recursive: true });
      await writeFile(join(dir, side, 'a.txt'), bytes(2, 1));
      await writeFile(join(dir, side, 'd', 'f'), bytes(2, 2));
    }
    const files = await planStream([join(dir, 'x', 'a.txt'), join(dir, 'y', 'a.txt')]);
    assert.deepEqual(
      files.files.map((f) => f.relative),
      ['a.txt', 'a.txt'],
    );
    await assert.rejects(
      planStream([join(dir, 'x', 'd'), join(dir, 'y', 'd')]),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'E_FILE_BAD_OFFER');
        assert.match(err.message, /"d\/f" is listed twice among the paths given/);
        return true;
      },
    );
  });

  it('names a single file as the receiver will see and save it (controls dropped, a trailing dot trimmed)', async () => {
    const dir = await makeTempDir();
    const cases: [string, string][] = [
      ['ctl\tname.txt', 'ctlname.txt'],
      ['ctl\u0001x.txt', 'ctlx.txt'],
      ['dot.', 'dot'],
      ['plain.txt', 'plain.txt'],
    ];
    for (const [name, seen] of cases) {
      await writeFile(join(dir, name), bytes(2, 1));
      const plan = await planStream([join(dir, name)]);
      assert.equal(plan.name, seen, JSON.stringify(name));
      assert.equal(plan.name, safeDisplayName(name), 'what the receiver makes of it');
    }
  });

  it('closes a file it was still opening when closed meanwhile; that read fails E_FILE_BAD_STATE', async function () {
    if (openFdsTo('/') === null) this.skip(); // no /proc/self/fd here
    const dir = await makeTempDir();
    const path = join(dir, 'big.bin');
    await writeFile(path, bytes(1000, 7));
    const { size, mtimeMs } = await stat(path);
    const file = { path, relative: 'big.bin', size, mtimeMs };
    // Closed at once, and closed once the open is under way (the upload stopped mid-read).
    for (const wait of [false, true]) {
      const reader = new StreamReader([file]);
      const read = reader.read(0, 100);
      if (wait) await new Promise((r) => setImmediate(r));
      await reader.close();
      await assert.rejects(read, { code: 'E_FILE_BAD_STATE' });
      assert.deepEqual(openFdsTo(path), [], `the file is left open (waited: ${wait})`);
      await assert.rejects(reader.read(0, 100), { code: 'E_FILE_BAD_STATE' });
    }
    // Open and read, then closed: nothing left open either.
    const reader = new StreamReader([file]);
    assert.equal((await reader.read(0, 100)).length, 100);
    assert.equal(openFdsTo(path)!.length, 1);
    await reader.close();
    assert.deepEqual(openFdsTo(path), []);
  });
});
