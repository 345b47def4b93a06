/**
 * Pseudonyms with nothing hidden in them (seventeenth sitting): a QA trial registered
 * 'alice' + U+FE0F, 'bob' + U+034F and 'alice' + U+E0100 beside 'alice' and 'bob', a
 * name ending in U+115F, and 'x' with 31 stacked accents. New names refuse them
 * (invisibleProblem, through newPseudonymProblem); the wire rule still carries them, so
 * a name registered before decodes; the blind key sees through them and through the
 * diacritics of Latin, Greek, Cyrillic, Arabic and Hebrew.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { INVISIBLE, withoutMarks } from '../../../src/wire/confusables.js';
import {
  blindKey,
  invisibleProblem,
  MAX_MARKS_PER_CHAR,
  newPseudonymProblem,
  normalizePseudonym,
  pseudonymProblem,
} from '../../../src/wire/text.js';

const cp = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** The QA trial's names, each beside the visible name it passed for. */
const REPORTED: Array<[string, string, string]> = [
  ['a variation selector (U+FE0F)', 'alice\ufe0f', 'alice'],
  ['a combining grapheme joiner (U+034F)', 'bob\u034f', 'bob'],
  ['a variation selector supplement (U+E0100)', 'alice\u{e0100}', 'alice'],
  ['a Hangul choseong filler (U+115F)', 'carol\u115f', 'carol'],
  ['a Hangul jungseong filler (U+1160)', 'carol\u1160', 'carol'],
  ['a Hangul filler (U+3164)', 'carol\u3164', 'carol'],
  ['a halfwidth Hangul filler (U+FFA0)', 'carol\uffa0', 'carol'],
  ['a variation selector-1 (U+FE00)', 'dave\ufe00', 'dave'],
  ['a Mongolian free variation selector (U+180B)', 'dave\u180b', 'dave'],
  ['a Mongolian vowel separator (U+180E)', 'dave\u180e', 'dave'],
  ['a tag character (U+E0041)', 'dave\u{e0041}', 'dave'],
  ['a cancel tag (U+E007F)', 'dave\u{e007f}', 'dave'],
  ['a word joiner (U+2060)', 'wj\u2060dave', 'wjdave'],
  ['an invisible plus (U+2064)', 'dave\u2064', 'dave'],
  ['a soft hyphen (U+00AD)', 'da\u00adve', 'dave'],
  ['a Khmer inherent vowel (U+17B4)', 'dave\u17b4', 'dave'],
  ['a musical begin-beam format character (U+1D173)', 'dave\u{1d173}', 'dave'],
  ['a Braille blank (U+2800)', 'dave\u2800', 'dave'],
  ['a Khitan filler (U+16FE4)', 'dave\u{16fe4}', 'dave'],
  ['a musical null notehead (U+1D159)', 'dave\u{1d159}', 'dave'],
];

describe('wire/text: no invisible characters or stacked marks in new pseudonyms', () => {
  describe('the characters the QA trial registered, and their kin', () => {
    for (const [what, name] of REPORTED) {
      it(`refuses a new name with ${what}, naming the character`, () => {
        // NFKC first, as every client and the relay do: U+3164 and U+FFA0 become U+1160.
        const typed = normalizePseudonym(name);
        const invisible = [...typed].find((c) => INVISIBLE.test(c))!;
        assert.ok(invisible, 'the table names an invisible character');
        const problem = newPseudonymProblem(typed) ?? '';
        // Some were never valid on the wire (format characters); the rest are refused now.
        assert.match(problem, new RegExp(`${cp(invisible).replace('+', '\\+')}`));
      });
    }

    it('still carries on the wire the ones the wire accepted, so names registered with them decode', () => {
      for (const name of ['alice\ufe0f', 'bob\u034f', 'alice\u{e0100}', 'carol\u115f']) {
        assert.equal(pseudonymProblem(name), null, name);
        assert.match(invisibleProblem(name) ?? '', /invisible character/, name);
      }
    });

    it("holds the runtime's Default_Ignorable_Code_Point data to every character the rule names", () => {
      for (const c of [
        '\u00ad',
        '\u034f',
        '\u115f',
        '\u1160',
        '\u17b4',
        '\u17b5',
        '\u180b',
        '\u180f',
        '\u200b',
        '\u3164',
        '\ufe00',
        '\ufe0f',
        '\uffa0',
        '\u{e0000}',
        '\u{e0020}',
        '\u{e007f}',
        '\u{e0100}',
        '\u{e01ef}',
      ]) {
        assert.ok(/^\p{Default_Ignorable_Code_Point}$/u.test(c), cp(c));
      }
    });

    it('refuses every default-ignorable code point, wherever it stands in a name', () => {
      for (let code = 0; code <= 0x10ffff; code++) {
        if (code >= 0xd800 && code <= 0xdfff) continue;
        const c = String.fromCodePoint(code);
        if (!/^\p{Default_Ignorable_Code_Point}$/u.test(c)) continue;
        assert.notEqual(newPseudonymProblem(`ab${c}cd`), null, cp(c));
        assert.notEqual(invisibleProblem(`${c}abc`), null, cp(c));
      }
    });
  });

  describe('combining marks', () => {
    it("refuses 'x' with 31 stacked accents, as the trial sent it", () => {
      assert.match(
        newPseudonymProblem(`x${'\u0301'.repeat(31)}`) ?? '',
        /repeats the mark U\+0301/,
      );
    });

    it(`refuses more than ${MAX_MARKS_PER_CHAR} different stacked marks on one character`, () => {
      const four = 'x\u0300\u0301\u0302\u0303';
      assert.match(newPseudonymProblem(four) ?? '', /stacks more than 3 marks on U\+0078/);
      assert.equal(newPseudonymProblem('x\u0300\u0301\u0302'.normalize('NFKC')), null);
    });

    it('counts a precomposed letter by its parts: ệ is e with two marks', () => {
      assert.equal(newPseudonymProblem('\u1ec7\u0301'), null, 'ệ + acute: three');
      assert.match(newPseudonymProblem('\u1ec7\u0301\u0300') ?? '', /stacks more than 3/);
    });

    it('refuses the same mark twice on one character (it draws over itself)', () => {
      assert.match(newPseudonymProblem('e\u0301\u0301'.normalize('NFKC')) ?? '', /repeats/);
      assert.match(newPseudonymProblem('\u0e01\u0e48\u0e48') ?? '', /repeats the mark U\+0E48/); // Thai ก + two mai ek
    });

    it('refuses a name that starts with a combining mark', () => {
      assert.match(
        newPseudonymProblem('\u0301abc') ?? '',
        /starts with the combining mark U\+0301/,
      );
    });

    it('does not count spacing marks: a Burmese syllable with five marks is one name', () => {
      assert.equal(newPseudonymProblem('\u1019\u103d\u103e\u1031\u1038'), null); // မွှေး
    });
  });

  describe('real names in several scripts still register', () => {
    const names: Array<[string, string]> = [
      ['Vietnamese', 'Nguyễn'],
      ['Vietnamese', 'Phượng'],
      ['Vietnamese', 'Đặng'],
      ['Vietnamese, written decomposed', 'Nguye\u0302\u0303n'],
      ['Hindi with a virama and vowel signs', 'प्रियंका'],
      ['Hindi with a conjunct', 'श्रीकृष्ण'],
      ['Hindi with a candrabindu', 'हँसमुख'],
      ['Hindi with nuktas', 'ज़फ़र'],
      ['Hindi', 'सिद्धार्थ'],
      ['Thai with a vowel and a tone mark on one consonant', 'กิ่งแก้ว'],
      ['Thai', 'สมศักดิ์'],
      ['Arabic', 'محمد'],
      ['Arabic with vowel points and a shadda', 'مُحَمَّد'],
      ['Hebrew with points', 'שָׁלוֹם'],
      ['Korean', '김민준'],
      ['Japanese', '田中たなか'],
      ['Japanese with dakuten', 'ガッツ'],
      ['Tibetan with three stacked marks', 'སྒྲོལ་མ'],
      ['Khmer', 'ស្រី'],
      ['Burmese', 'မွှေး'],
      ['accented Latin', 'José'],
      ['accented Latin', 'François'],
      ['accented Latin', 'Zoë'],
      ['accented Latin', 'Łukasz'],
      ['Greek with a tonos', 'Ελένη'],
      ['Cyrillic with a breve', 'Андрей'],
      ['an emoji with its presentation selector', 'bob❤️'],
    ];
    for (const [what, name] of names) {
      it(`accepts ${what}: ${name}`, () => {
        assert.equal(newPseudonymProblem(normalizePseudonym(name)), null);
      });
    }

    it('keeps U+FE0F only right after a pictograph', () => {
      assert.equal(newPseudonymProblem('\u2764\ufe0f'), null);
      assert.match(newPseudonymProblem('\u2764\ufe0f\ufe0f') ?? '', /U\+FE0F/);
      assert.match(newPseudonymProblem('1\ufe0f') ?? '', /U\+FE0F/);
      assert.match(newPseudonymProblem('\u2764\ufe0e') ?? '', /U\+FE0E/);
    });
  });

  describe('blindKey sees through invisible characters and diacritics', () => {
    for (const [what, name, twin] of REPORTED) {
      it(`gives '${twin}' with ${what} the key of '${twin}'`, () => {
        assert.equal(blindKey(name), blindKey(twin));
      });
    }

    const same: Array<[string, string, string]> = [
      ['an acute on Latin', 'José', 'Jose'],
      ['an acute on Latin, in another case', 'JOSÉ', 'jose'],
      ['a circumflex on Latin', 'Tâm', 'Tam'],
      ['two marks on Latin', 'Nguyễn', 'Nguyen'],
      ['stacked accents', `x${'\u0301'.repeat(31)}`, 'x'],
      ['a tonos on Greek', 'Ελένη', 'Ελενη'],
      ['a breve on Cyrillic', 'Андрей', 'Андреи'],
      ['Arabic vowel points', 'مُحَمَّد', 'محمد'],
      ['Hebrew points', 'שָׁלוֹם', 'שלום'],
      ['an emoji presentation selector', 'bob❤️', 'bob❤'],
      ['a Thai tone mark written twice', '\u0e01\u0e48\u0e48', '\u0e01\u0e48'],
      ['a diacritic and a dot', 'bó.b', 'bob'],
    ];
    for (const [what, a, b] of same) {
      it(`gives '${a}' and '${b}' one key: ${what}`, () => {
        assert.equal(blindKey(normalizePseudonym(a)), blindKey(normalizePseudonym(b)));
      });
    }

    const apart: Array<[string, string, string]> = [
      ['a Devanagari vowel sign spells another name', 'कमल', 'कोमल'],
      ['a Devanagari vowel sign', 'कुमार', 'कमार'],
      ['a dakuten makes another kana', 'が', 'か'],
      ['Thai tone marks are letters of the syllable', 'ไก่', 'ไก้'],
      ['a Tibetan vowel sign', 'སྒྲོལ', 'སྒྲལ'],
    ];
    for (const [what, a, b] of apart) {
      it(`keeps '${a}' and '${b}' apart: ${what}`, () => {
        assert.notEqual(blindKey(normalizePseudonym(a)), blindKey(normalizePseudonym(b)));
      });
    }

    it('is blind to any default-ignorable character inserted anywhere in a name', () => {
      fc.assert(
        fc.property(
          fc.stringMatching(/^[a-z0-9]{1,12}$/),
          fc.nat(),
          fc.constantFrom('\ufe0f', '\u034f', '\u{e0100}', '\u115f', '\u3164', '\u200b', '\u2800'),
          (name, at, hidden) => {
            const i = at % (name.length + 1);
            assert.equal(blindKey(name.slice(0, i) + hidden + name.slice(i)), blindKey(name));
          },
        ),
      );
    });

    it('withoutMarks drops invisible characters and Latin accents, keeps Devanagari vowel signs', () => {
      assert.equal(withoutMarks('Jos\u00e9\ufe0f'), 'Jose');
      assert.equal(withoutMarks('कोमल'), 'कोमल'.normalize('NFD'));
    });
  });
});
