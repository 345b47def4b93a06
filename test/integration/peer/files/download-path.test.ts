import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  finalizeDownload,
  makeDownloadDir,
  makeDownloadFolder,
  openDownloadTarget,
  openFolderEntry,
  openPartFile,
  tempPathFor,
} from '../../../../src/peer/files/download-path.js';
import { FilesCode } from '../../../../src/peer/files/errors.js';
import { isNatterError } from '../../../../src/util/errors.js';
import { HOSTILE_NAMES } from '../../../helpers/hostile-names.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return isNatterError(err) ? err.code : `not a NatterError: ${String(err)}`;
  }
  return undefined;
}

const ID = '0123456789abcdef0123456789abcdef';

/** A temp root holding the download folder `dl` and, beside it, `outside/target.txt`. */
async function layout() {
  const root = await makeTempDir('natter-dl-');
  const dl = join(root, 'dl');
  const outside = join(root, 'outside');
  await mkdir(dl);
  await mkdir(outside);
  const target = join(outside, 'target.txt');
  await writeFile(target, 'original');
  return { root, dl, outside, target };
}

async function create(dir: string, name: string, content: string): Promise<string> {
  const { path, handle } = await openDownloadTarget(dir, name);
  await handle.writeFile(content);
  await handle.close();
  return path;
}

describe('the download folder (real files)', () => {
  afterEach(removeTempDirs);

  it('makes the download folder and its parents, and says E_FILE_BAD_PATH where a file is in the way', async () => {
    const { root, target } = await layout();
    const deep = join(root, 'new', 'deeper');
    await makeDownloadDir(deep);
    assert.ok((await lstat(deep)).isDirectory());
    await makeDownloadDir(deep);
    assert.equal(await codeOf(makeDownloadDir(target)), FilesCode.BadPath);
    assert.equal(await codeOf(makeDownloadDir(join(target, 'sub'))), FilesCode.BadPath);
  });

  it('says at once that a folder cannot be made where the file system will not (/proc), a coded error', async () => {
    // Node's recursive mkdir loops for ever there, a core busy (a trial's `accept --out /proc/x`).
    assert.equal(await codeOf(makeDownloadDir('/proc/natter-no-such/deeper')), FilesCode.Io);
    const { root } = await layout();
    await symlink(join(root, 'nowhere'), join(root, 'dangling'));
    assert.equal(await codeOf(makeDownloadDir(join(root, 'dangling', 'x'))), FilesCode.BadPath);
    await mkdir(join(root, 'real'));
    await symlink(join(root, 'real'), join(root, 'linked'));
    await makeDownloadDir(join(root, 'linked', 'inside'));
    assert.ok(
      (await lstat(join(root, 'real', 'inside'))).isDirectory(),
      'a linked parent is followed',
    );
  });

  it('creates each hostile name as a new private file directly in the folder, and nothing elsewhere', async () => {
    const { root, dl, outside } = await layout();
    const paths = new Set<string>();
    for (const name of HOSTILE_NAMES) {
      const path = await create(dl, name, name);
      assert.equal(dirname(path), dl, JSON.stringify(name));
      assert.ok(!paths.has(path), `a fresh file for ${JSON.stringify(name)}`);
      paths.add(path);
      assert.equal((await lstat(path)).mode & 0o777, 0o600);
    }
    assert.equal((await readdir(dl)).length, HOSTILE_NAMES.length);
    assert.deepEqual((await readdir(root)).sort(), ['dl', 'outside']);
    assert.deepEqual(await readdir(outside), ['target.txt']);
  });

  it('never overwrites: an existing file makes the next name, "name (1).ext"', async () => {
    const { dl } = await layout();
    await writeFile(join(dl, 'report.pdf'), 'mine');
    assert.equal(await create(dl, 'report.pdf', 'theirs'), join(dl, 'report (1).pdf'));
    assert.equal(await create(dl, 'report.pdf', 'again'), join(dl, 'report (2).pdf'));
    assert.equal(await readFile(join(dl, 'report.pdf'), 'utf8'), 'mine');
    assert.equal(await readFile(join(dl, 'report (1).pdf'), 'utf8'), 'theirs');
  });

  it('never follows a planted symlink, dangling or not: it counts as taken', async () => {
    const { dl, outside, target } = await layout();
    await symlink(target, join(dl, 'notes.txt'));
    await symlink(join(outside, 'created-by-link.txt'), join(dl, 'dangling.txt'));
    assert.equal(await create(dl, 'notes.txt', 'evil'), join(dl, 'notes (1).txt'));
    assert.equal(await create(dl, 'dangling.txt', 'evil'), join(dl, 'dangling (1).txt'));
    assert.equal(await readFile(target, 'utf8'), 'original');
    assert.deepEqual(await readdir(outside), ['target.txt']);
    assert.equal(await readlink(join(dl, 'notes.txt')), target);
  });

  it('skips a directory of the same name', async () => {
    const { dl } = await layout();
    await mkdir(join(dl, 'photos'));
    assert.equal(await create(dl, 'photos', 'x'), join(dl, 'photos (1)'));
  });

  it('reports E_FILE_IO when the folder does not exist', async () => {
    const { root } = await layout();
    assert.equal(await codeOf(openDownloadTarget(join(root, 'missing'), 'a.txt')), FilesCode.Io);
  });

  describe('the in-progress file and the final name', () => {
    it('names the part file after the transfer, hidden, in the folder, and refuses ids that are not hex', async () => {
      const { dl } = await layout();
      assert.equal(tempPathFor(dl, ID), join(dl, `.natter-${ID}.part`));
      for (const bad of ['', '../../etc', 'ABCDEF0123456789', `${ID}/x`, 'abc']) {
        assert.throws(
          () => tempPathFor(dl, bad),
          (err) => isNatterError(err, FilesCode.BadPath),
        );
      }
    });

    it('reopens a part file where it left off, and refuses a symlink planted there', async () => {
      const { dl, target } = await layout();
      const first = await openPartFile(dl, ID);
      assert.equal(first.size, 0);
      await first.handle.write(Buffer.from('12345'), 0, 5, 0);
      await first.handle.close();
      const again = await openPartFile(dl, ID);
      assert.equal(again.size, 5);
      await again.handle.close();
      const other = 'f'.repeat(32);
      await symlink(target, tempPathFor(dl, other));
      assert.equal(await codeOf(openPartFile(dl, other)), FilesCode.BadPath);
      assert.equal(await readFile(target, 'utf8'), 'original');
    });

    it('moves the verified file to its name, removing the part file', async () => {
      const { dl } = await layout();
      const part = await openPartFile(dl, ID);
      await part.handle.writeFile('movie bytes');
      await part.handle.close();
      const final = await finalizeDownload(part.path, dl, 'movie.mkv');
      assert.equal(final, join(dl, 'movie.mkv'));
      assert.equal(await readFile(final, 'utf8'), 'movie bytes');
      assert.deepEqual(await readdir(dl), ['movie.mkv']);
    });

    it('never overwrites or follows a symlink at the final name', async () => {
      const { dl, target } = await layout();
      await writeFile(join(dl, 'movie.mkv'), 'older movie');
      await symlink(target, join(dl, 'movie (1).mkv'));
      const part = await openPartFile(dl, ID);
      await part.handle.writeFile('new movie');
      await part.handle.close();
      const final = await finalizeDownload(part.path, dl, 'movie.mkv');
      assert.equal(final, join(dl, 'movie (2).mkv'));
      assert.equal(await readFile(final, 'utf8'), 'new movie');
      assert.equal(await readFile(join(dl, 'movie.mkv'), 'utf8'), 'older movie');
      assert.equal(await readFile(target, 'utf8'), 'original');
      assert.ok((await lstat(join(dl, 'movie (1).mkv'))).isSymbolicLink());
    });

    it('claims the name with an O_EXCL reservation and rename() where hard links are not used', async () => {
      const { dl, target } = await layout();
      await writeFile(join(dl, 'song.ogg'), 'older song');
      await symlink(target, join(dl, 'song (1).ogg'));
      const part = await openPartFile(dl, ID);
      await part.handle.writeFile('new song');
      await part.handle.close();
      const final = await finalizeDownload(part.path, dl, 'song.ogg', { hardLink: false });
      assert.equal(final, join(dl, 'song (2).ogg'));
      assert.equal(await readFile(final, 'utf8'), 'new song');
      assert.equal(await readFile(join(dl, 'song.ogg'), 'utf8'), 'older song');
      assert.equal(await readFile(target, 'utf8'), 'original');
      assert.deepEqual((await readdir(dl)).sort(), ['song (1).ogg', 'song (2).ogg', 'song.ogg']);
    });

    it('refuses a part file outside the folder or that is a symlink', async () => {
      const { dl, target } = await layout();
      assert.equal(await codeOf(finalizeDownload(target, dl, 'x.txt')), FilesCode.BadPath);
      const planted = tempPathFor(dl, ID);
      await symlink(target, planted);
      assert.equal(await codeOf(finalizeDownload(planted, dl, 'x.txt')), FilesCode.BadPath);
      assert.deepEqual((await readdir(dl)).sort(), [`.natter-${ID}.part`]);
    });
  });

  describe('folders', () => {
    it('creates a folder under a free name and its entries inside it', async () => {
      const { dl } = await layout();
      await mkdir(join(dl, 'holiday'));
      const root = await makeDownloadFolder(dl, 'holiday');
      assert.equal(root, join(dl, 'holiday (1)'));
      for (const entry of ['a.jpg', 'day 1/b.jpg', 'day 1/.meta', 'day 2/raw/c.cr2']) {
        const { path, handle } = await openFolderEntry(root, entry);
        await handle.writeFile(entry);
        await handle.close();
        assert.equal(path, join(root, entry));
      }
      assert.equal(await readFile(join(root, 'day 2/raw/c.cr2'), 'utf8'), 'day 2/raw/c.cr2');
      assert.deepEqual((await readdir(join(dl, 'holiday'))).length, 0);
    });

    it('refuses hostile entries, planted links and duplicates with E_FILE_BAD_PATH, writing nothing outside', async () => {
      const { root: tmp, dl, outside, target } = await layout();
      const root = await makeDownloadFolder(dl, 'tree');
      for (const entry of [
        '../../x',
        '..\\x',
        '/etc/x',
        'C:\\x',
        'a/../../x',
        'CON',
        'a\0b',
        '\u202Ex',
      ]) {
        assert.equal(await codeOf(openFolderEntry(root, entry)), FilesCode.BadPath, entry);
      }
      await symlink(outside, join(root, 'linked'));
      assert.equal(await codeOf(openFolderEntry(root, 'linked/new.txt')), FilesCode.BadPath);
      await (await openFolderEntry(root, 'same.txt')).handle.close();
      assert.equal(await codeOf(openFolderEntry(root, 'same.txt')), FilesCode.BadPath);
      assert.deepEqual(await readdir(outside), ['target.txt']);
      assert.equal(await readFile(target, 'utf8'), 'original');
      assert.deepEqual((await readdir(tmp)).sort(), ['dl', 'outside']);
    });
  });
});
