import assert from 'node:assert/strict';
import { posix, win32 } from 'node:path';
import fc from 'fast-check';
import { FilesCode } from '../../../../src/peer/files/errors.js';
import {
  checkRelativePath,
  FALLBACK_FILE_NAME,
  isWindowsReserved,
  MAX_DISPLAY_NAME_BYTES,
  MAX_FOLDER_DEPTH,
  MAX_PATH_SEGMENT_BYTES,
  MAX_RELATIVE_PATH_BYTES,
  MAX_UNIQUE_NAME_TRIES,
  nameCandidates,
  safeDisplayName,
  uniqueName,
} from '../../../../src/peer/files/safe-name.js';
import { isNatterError } from '../../../../src/util/errors.js';
import { codeOf } from '../../../helpers/codes.js';
import { HOSTILE_NAMES } from '../../../helpers/hostile-names.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** A name that is one plain entry of any folder, on POSIX and on Windows. */
function assertSafeComponent(name: string, from: string): void {
  const why = `${JSON.stringify(from)} -> ${JSON.stringify(name)}`;
  assert.ok(name.length > 0, why);
  assert.ok(bytes(name) <= MAX_DISPLAY_NAME_BYTES, why);
  assert.ok(!/[/\\<>:"|?*]/.test(name), why);
  assert.ok(!INVISIBLE.test(name), why);
  assert.ok(!/^[\s.]|[\s.]$/u.test(name), why);
  assert.ok(!isWindowsReserved(name), why);
  assert.equal(posix.dirname(posix.join('/dl', name)), '/dl', why);
  assert.equal(win32.dirname(win32.join('C:\\dl', name)), 'C:\\dl', why);
  assert.equal(Buffer.from(name, 'utf8').toString('utf8'), name, `${why}: well-formed UTF-8`);
}

describe('safe file names', () => {
  describe('safeDisplayName', () => {
    it('turns every name of the hostile corpus into one plain, visible entry of the folder', () => {
      for (const name of HOSTILE_NAMES) assertSafeComponent(safeDisplayName(name), name);
    });

    it('sanitises each hostile name as documented', () => {
      const cases: Array<[string, string]> = [
        ['../../x', '_.._x'],
        ['..\\x', '_x'],
        ['/etc/x', '_etc_x'],
        ['C:\\x', 'C__x'],
        ['CON', '_CON'],
        ['con.txt', '_con.txt'],
        ['Nul.tar.gz', '_Nul.tar.gz'],
        ['a\0b', 'ab'],
        ['\x1b[31mred\x1b[0m.txt', '[31mred[0m.txt'],
        ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
        ['.', FALLBACK_FILE_NAME],
        ['..', FALLBACK_FILE_NAME],
        ['', FALLBACK_FILE_NAME],
        [' ', FALLBACK_FILE_NAME],
        ['.bashrc', 'bashrc'],
        ['trailing. . .', 'trailing'],
        ['name.txt:stream', 'name.txt_stream'],
        ['report.pdf', 'report.pdf'],
        ['Ünïcödé naïve.txt', 'Ünïcödé naïve.txt'],
        ['e\u0301.txt', 'é.txt'],
      ];
      for (const [name, expected] of cases) {
        assert.equal(safeDisplayName(name), expected, JSON.stringify(name));
      }
      assert.equal(safeDisplayName(42 as unknown as string), FALLBACK_FILE_NAME);
    });

    it('cuts names over MAX_DISPLAY_NAME_BYTES at a character boundary and keeps the extension', () => {
      assert.equal(safeDisplayName('x'.repeat(300)), 'x'.repeat(MAX_DISPLAY_NAME_BYTES));
      const long = safeDisplayName(`${'y'.repeat(296)}.txt`);
      assert.equal(long, `${'y'.repeat(196)}.txt`);
      const euros = safeDisplayName(`${'€'.repeat(120)}.pdf`);
      assert.ok(euros.endsWith('.pdf') && bytes(euros) <= MAX_DISPLAY_NAME_BYTES);
      assert.equal(euros, `${'€'.repeat(65)}.pdf`);
      // ZWJ is a format character, so an emoji sequence falls apart into whole emoji.
      const emoji = safeDisplayName(`${'👨‍👩‍👧'.repeat(40)}.png`);
      assert.equal(emoji, `${'👨👩👧'.repeat(16)}👨.png`);
      const fits = `${'z'.repeat(MAX_DISPLAY_NAME_BYTES - 4)}.txt`;
      assert.equal(safeDisplayName(fits), fits);
    });

    it('is idempotent and always safe, for any string (property)', () => {
      const hostile = fc.constantFrom(
        '.',
        '/',
        '\\',
        ':',
        ' ',
        '\0',
        '\x1b',
        '\u202e',
        '\u200b',
        'a',
        'CON',
        'é',
        'e\u0301',
        '€',
        '👨‍👩‍👧',
        '\ud800',
        'tar',
        '.gz',
      );
      const names = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.array(hostile, { maxLength: 120 }).map((parts) => parts.join('')),
      );
      fc.assert(
        fc.property(names, (name) => {
          const safe = safeDisplayName(name);
          assertSafeComponent(safe, name);
          assert.equal(safeDisplayName(safe), safe);
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('checkRelativePath', () => {
    it('returns the segments of entries that stay inside the folder', () => {
      assert.deepEqual(checkRelativePath('photos/2024/cat.jpg'), ['photos', '2024', 'cat.jpg']);
      assert.deepEqual(checkRelativePath('.gitignore'), ['.gitignore']);
      assert.deepEqual(checkRelativePath('src/.hidden/a b.txt'), ['src', '.hidden', 'a b.txt']);
      const deepest = Array.from({ length: MAX_FOLDER_DEPTH }, () => 'd').join('/');
      assert.equal(checkRelativePath(deepest).length, MAX_FOLDER_DEPTH);
      assert.deepEqual(checkRelativePath('s'.repeat(MAX_PATH_SEGMENT_BYTES)), ['s'.repeat(255)]);
    });

    it('refuses every hostile entry with E_FILE_BAD_PATH', () => {
      const hostile = [
        '',
        '../../x',
        'a/../../x',
        'a/..',
        './a',
        'a/./b',
        '..\\x',
        'a\\b',
        '/etc/x',
        '//server/share/x',
        'C:\\x',
        'C:x',
        'c:/x',
        'a/b:stream',
        'a//b',
        'a/',
        'a\0b',
        'a/\x1b[2Jb',
        '\u202Eexe.txt',
        'a\u2066b',
        'zero\u200bwidth',
        'line\nbreak',
        'CON',
        'a/nul.txt',
        'com1/x',
        'a./b',
        'a /b',
        'b.',
        Array.from({ length: MAX_FOLDER_DEPTH + 1 }, () => 'd').join('/'),
        's'.repeat(MAX_PATH_SEGMENT_BYTES + 1),
        Array.from({ length: 11 }, () => 'p'.repeat(99)).join('/'),
        null as unknown as string,
      ];
      for (const path of hostile) {
        assert.equal(
          codeOf(() => checkRelativePath(path)),
          FilesCode.BadPath,
          JSON.stringify(path),
        );
      }
      assert.ok(
        bytes(Array.from({ length: 11 }, () => 'p'.repeat(99)).join('/')) > MAX_RELATIVE_PATH_BYTES,
      );
    });

    it('only ever returns segments that join to a path inside the folder (property)', () => {
      const part = fc.constantFrom('a', '.', '..', '/', '\\', ':', 'C', ' ', '\0', '\u202e', 'é');
      fc.assert(
        fc.property(fc.array(part, { maxLength: 30 }), (parts) => {
          let segments: string[];
          try {
            segments = checkRelativePath(parts.join(''));
          } catch (err) {
            assert.ok(isNatterError(err, FilesCode.BadPath));
            return;
          }
          const joined = posix.join('/dl', ...segments);
          assert.ok(joined.startsWith('/dl/'), joined);
          assert.equal(posix.relative('/dl', joined).split('/').length, segments.length);
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('uniqueName', () => {
    const taken =
      (...names: string[]) =>
      (name: string) =>
        names.includes(name);

    it('keeps a free name and numbers a taken one before its extension', () => {
      assert.equal(uniqueName(taken(), 'report.pdf'), 'report.pdf');
      assert.equal(uniqueName(taken('report.pdf'), 'report.pdf'), 'report (1).pdf');
      assert.equal(
        uniqueName(taken('report.pdf', 'report (1).pdf'), 'report.pdf'),
        'report (2).pdf',
      );
      assert.equal(uniqueName(taken('a.tar.gz'), 'a.tar.gz'), 'a (1).tar.gz');
      assert.equal(uniqueName(taken('README'), 'README'), 'README (1)');
      assert.equal(uniqueName(taken('.bashrc'), '.bashrc'), '.bashrc (1)');
    });

    it('keeps numbered names within MAX_DISPLAY_NAME_BYTES, extension included', () => {
      const long = safeDisplayName(`${'y'.repeat(300)}.txt`);
      const next = uniqueName(taken(long), long);
      assert.ok(next.endsWith(' (1).txt') && bytes(next) <= MAX_DISPLAY_NAME_BYTES, next);
    });

    it('gives up with E_FILE_NO_FREE_NAME after MAX_UNIQUE_NAME_TRIES names', () => {
      let tries = 0;
      const everything = () => {
        tries += 1;
        return true;
      };
      assert.equal(
        codeOf(() => uniqueName(everything, 'x.bin')),
        FilesCode.NoFreeName,
      );
      assert.equal(tries, MAX_UNIQUE_NAME_TRIES);
      assert.equal([...nameCandidates('x.bin')].length, MAX_UNIQUE_NAME_TRIES);
      assert.equal(new Set(nameCandidates('x.bin')).size, MAX_UNIQUE_NAME_TRIES);
    });
  });
});
