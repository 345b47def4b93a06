import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  codePointWidth,
  conversationIdOf,
  displayWidth,
  findMentions,
  MAX_MARKS_PER_CELL,
  messageOffset,
  messageText,
  nameKey,
  padEnd,
  padStart,
  sanitize,
  toCells,
  truncate,
  wrap,
} from '../../../src/peer/ui/text.js';
import { pseudonymKey } from '../../../src/wire/text.js';

const cp = (s: string) => s.codePointAt(0)!;

/** Characters that stress widths: ASCII, CJK, fullwidth, Hangul, emoji, modifiers, marks, ZWJ. */
const PIECES = [
  'a',
  'Z',
  ' ',
  '世',
  '界',
  'Ａ',
  '한',
  '😀',
  '👍',
  '🏽',
  '\u0301',
  '\u200d',
  '❤',
  '\ufe0f',
  'é',
  '🇫',
];
const mixed = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((a) => a.join(''));

describe('ui text: display width', () => {
  it('counts East Asian Wide and Fullwidth characters as two columns', () => {
    assert.equal(codePointWidth(cp('世')), 2);
    assert.equal(codePointWidth(cp('Ａ')), 2);
    assert.equal(codePointWidth(cp('한')), 2);
    assert.equal(codePointWidth(cp('あ')), 2);
    assert.equal(displayWidth('日本語'), 6);
  });

  it('counts emoji with emoji presentation as two columns, text-style symbols as one', () => {
    assert.equal(codePointWidth(cp('😀')), 2);
    assert.equal(codePointWidth(cp('👍')), 2);
    assert.equal(codePointWidth(cp('🏽')), 2, 'skin tone modifiers have emoji presentation');
    assert.equal(codePointWidth(cp('🇫')), 2, 'regional indicators have emoji presentation');
    assert.equal(codePointWidth(cp('❤')), 1, 'U+2764 is text presentation by default');
    assert.equal(codePointWidth(cp('✓')), 1);
  });

  it('counts combining marks, ZWJ and variation selectors as zero', () => {
    assert.equal(codePointWidth(0x0301), 0);
    assert.equal(codePointWidth(0x200d), 0);
    assert.equal(codePointWidth(0xfe0f), 0);
    assert.equal(displayWidth('e\u0301'), 1);
    assert.equal(
      displayWidth('👨\u200d👩\u200d👧'),
      6,
      'a family joined by ZWJ is one emoji sequence, in a box as wide as its three pictures',
    );
  });

  it('counts ASCII as one and controls as zero', () => {
    assert.equal(displayWidth('hello'), 5);
    assert.equal(codePointWidth(0x1b), 0);
    assert.equal(codePointWidth(0x9b), 0);
  });

  it('keeps combining marks with their base character, a few at most', () => {
    assert.deepEqual(toCells('e\u0301x'), [
      { text: 'e\u0301', width: 1 },
      { text: 'x', width: 1 },
    ]);
    const zalgo = `a${'\u0301'.repeat(50)}`;
    assert.equal(toCells(zalgo)[0]?.text, `a${'\u0301'.repeat(MAX_MARKS_PER_CELL)}`);
    assert.deepEqual(toCells('\u0301x'), [{ text: 'x', width: 1 }], 'a leading mark is dropped');
  });
});

describe('ui text: truncating, padding and wrapping by display width', () => {
  it('truncates CJK and emoji by columns, never splitting a wide character', () => {
    assert.equal(truncate('世界世界', 5), '世界…');
    assert.equal(truncate('世界', 3), '世…');
    assert.equal(truncate('世界', 4), '世界');
    assert.equal(truncate('😀😀😀', 4), '😀…');
    assert.equal(truncate('abc', 0), '');
    assert.equal(truncate('abcdef', 1), '…');
  });

  it('pads to an exact width with wide characters', () => {
    assert.equal(padEnd('世', 4), '世  ');
    assert.equal(displayWidth(padEnd('😀x', 6)), 6);
    assert.equal(padStart('世', 3), ' 世');
    assert.equal(displayWidth(padEnd('世界世界', 5)), 5);
  });

  it('never truncates or pads to more columns than asked', () => {
    fc.assert(
      fc.property(mixed, fc.integer({ min: 0, max: 30 }), (s, w) => {
        assert.ok(displayWidth(truncate(s, w)) <= w);
        assert.equal(displayWidth(padEnd(s, w)), w);
      }),
    );
  });

  it('wraps on spaces, breaks long words between cells, and keeps hard newlines', () => {
    const text = 'hello there wonderful world';
    assert.deepEqual(
      wrap(text, 12).map((s) => text.slice(s.start, s.end)),
      ['hello there', 'wonderful', 'world'],
    );
    const cjk = '世界世界世界';
    assert.deepEqual(
      wrap(cjk, 5).map((s) => cjk.slice(s.start, s.end)),
      ['世界', '世界', '世界'],
    );
    const lines = 'one\ntwo';
    assert.deepEqual(
      wrap(lines, 10).map((s) => lines.slice(s.start, s.end)),
      ['one', 'two'],
    );
  });

  it('gives the first line its own width', () => {
    const text = 'aaaa bbbb cccc';
    assert.deepEqual(
      wrap(text, 4, 9).map((s) => text.slice(s.start, s.end)),
      ['aaaa', 'bbbb cccc'],
    );
  });

  it('never wraps a line wider than asked, and loses no visible character', () => {
    fc.assert(
      fc.property(mixed, fc.integer({ min: 2, max: 20 }), (s, w) => {
        const segs = wrap(s, w);
        for (const seg of segs) {
          const text = s.slice(seg.start, seg.end);
          // An emoji box wider than a row (a skin tone is four columns) can only be alone on one.
          const oneBox = toCells(text).length === 1 && toCells(text)[0]!.box === true;
          assert.ok(displayWidth(text) <= w || oneBox, JSON.stringify(text));
        }
        const kept = segs.map((seg) => s.slice(seg.start, seg.end)).join('');
        assert.equal(kept.replace(/ /g, ''), s.replace(/ /g, ''));
      }),
    );
  });
  it('wraps only the first rows when asked for at most N, the same rows as the whole wrap', () => {
    const long = fc.array(fc.oneof(mixed, fc.constant('\n'), fc.constant(' ')), { maxLength: 60 });
    fc.assert(
      fc.property(
        long,
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 20 }),
        (parts, w, n) => {
          const s = parts.join('');
          assert.deepEqual(wrap(s, w, w + 3, n), wrap(s, w, w + 3).slice(0, n));
        },
      ),
    );
    // A 64 KiB line: the rows a collapsed message shows, without measuring the rest.
    const big = 'lorem ipsum dolor sit amet '.repeat(2500);
    assert.deepEqual(wrap(big, 50, 60, 17), wrap(big, 50, 60).slice(0, 17));
    const marks = `${'e\u0301\u0302\u0303'.repeat(3000)} tail`;
    assert.deepEqual(wrap(marks, 10, 10, 5), wrap(marks, 10, 10).slice(0, 5));
  });
});

describe('ui text: sanitising peer text', () => {
  it('removes ESC so escape sequences cannot reach the terminal', () => {
    assert.equal(sanitize('\x1b[2Jcleared'), '[2Jcleared');
    assert.equal(sanitize('\x1b]0;title\x07x'), ']0;titlex');
    assert.equal(sanitize('\x9b31mred'), '31mred', 'C1 CSI too');
  });

  it('leaves blessed tag syntax alone: it is drawn literally, never parsed', () => {
    assert.equal(sanitize('{red-fg}x{/red-fg}'), '{red-fg}x{/red-fg}');
  });

  it('removes bidi overrides, isolates, zero-width and tag characters', () => {
    assert.equal(sanitize('abc\u202edcba'), 'abcdcba');
    assert.equal(sanitize('a\u2066b\u2069c\u200fd'), 'abcd');
    assert.equal(sanitize('zero\u200bwidth\u200d\ufeff'), 'zerowidth');
    assert.equal(sanitize('tag\u{e0041}\u{e007f}s'), 'tags');
    assert.equal(sanitize('fill\u3164er\u115f'), 'filler');
  });

  it('keeps U+200D and U+FE0F inside an emoji sequence (a family), and drops U+200D elsewhere', () => {
    const family = '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}';
    assert.equal(sanitize(`fam ${family} z`), `fam ${family} z`);
    assert.equal(
      sanitize('\u{1f44d}\u{1f3fd}\u200d\u2764\ufe0f'),
      '\u{1f44d}\u{1f3fd}\u200d\u2764\ufe0f',
    );
    assert.equal(
      sanitize('a\u200db \u{1f469}\u200dx y\u200d\u{1f469}'),
      'ab \u{1f469}x y\u{1f469}',
    );
    const five = Array.from({ length: 5 }, () => '\u{1f469}').join('\u200d');
    assert.equal(sanitize(five), '\u{1f469}'.repeat(5), "a chain longer than Unicode's is split");
  });

  it('keeps a joiner only between two pictures, whatever the input', () => {
    fc.assert(
      fc.property(mixed, (s) => {
        const out = sanitize(s, { multiline: true });
        const bare = out.replace(
          /\p{Extended_Pictographic}(?:\ufe0f|[\u{1f3fb}-\u{1f3ff}])?\u200d(?=\p{Extended_Pictographic})/gu,
          '',
        );
        assert.doesNotMatch(bare, /\u200d/u, JSON.stringify(out));
      }),
    );
  });

  it('keeps newlines only in message bodies, and turns tabs into spaces', () => {
    assert.equal(sanitize('a\nb\tc'), 'a b c');
    assert.equal(sanitize('a\nb\r\n', { multiline: true }), 'a\nb\n');
    assert.equal(sanitize('line\u2028sep', { multiline: true }), 'line\nsep');
  });

  it("draws a message's tabs as spaces to its line's next tab stop, counted in columns", () => {
    assert.equal(messageText('a\tb'), `a${' '.repeat(7)}b`);
    assert.equal(messageText('name\tqty\nkumquat\t3'), 'name    qty\nkumquat 3');
    assert.equal(messageText('12345678\tx'), `12345678${' '.repeat(8)}x`, 'a full stop: the next');
    assert.equal(messageText('日本語\tx\ne\u0301\tx'), `日本語  x\ne\u0301${' '.repeat(7)}x`);
    assert.equal(messageText('\x1b[2J\tx'), `[2J${' '.repeat(5)}x`, 'sanitised first');
    // /open's offset (in sanitize()'s one line, a tab one space) lands on the same text.
    const text = 'a\tb\tneedle';
    const at = sanitize(text).indexOf('needle');
    assert.equal(messageText(text).slice(messageOffset(text, at)), 'needle');
  });

  it('never draws a raw tab, and expanding a prefix gives a prefix of the text drawn', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat(), (s, cut) => {
        const drawn = messageText(s);
        assert.doesNotMatch(drawn, /\t/);
        const chars = [...s]; // a cut inside a surrogate pair would make a lone one
        const prefix = messageText(chars.slice(0, cut % (chars.length + 1)).join(''));
        assert.equal(drawn.slice(0, prefix.length), prefix);
      }),
    );
  });

  it('replaces lone surrogates', () => {
    assert.equal(sanitize('a\ud800b'), 'a\ufffdb');
    assert.equal(sanitize('😀'), '😀');
  });

  it('never lets any input keep a control, bidi or zero-width character', () => {
    const unsafe =
      /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/u;
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        assert.doesNotMatch(sanitize(s, { multiline: true }), unsafe);
        assert.doesNotMatch(sanitize(s), /\n/);
      }),
    );
  });
});

describe('ui text: names', () => {
  it('folds case exactly like the core, so conversation ids match', () => {
    for (const name of [
      'Alice',
      'ΣΑΣ',
      'STRASSE',
      'straße',
      'İstanbul',
      '{bold}Evil{/bold}',
      'ｂｏｂ',
    ]) {
      assert.equal(nameKey(name), pseudonymKey(name), name);
      assert.equal(conversationIdOf(name), `@${pseudonymKey(name)}`, name);
    }
  });

  it('finds mentions of a name as a word, case-insensitively', () => {
    assert.deepEqual(findMentions('hi Alice!', 'alice'), [{ start: 3, end: 8 }]);
    assert.deepEqual(findMentions('malice and alicent', 'alice'), []);
    assert.deepEqual(findMentions('ping {b}x', '{b}x'), [{ start: 5, end: 9 }]);
  });
});
