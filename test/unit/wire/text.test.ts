import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_PSEUDONYM_CHARS } from '../../../src/wire/limits.js';
import {
  isSafeLine,
  normalizePseudonym,
  pseudonymKey,
  pseudonymProblem,
} from '../../../src/wire/text.js';

describe('wire/text', () => {
  describe('pseudonymProblem', () => {
    const accepted: Array<[string, string]> = [
      ['plain ASCII', 'alice'],
      ['a precomposed accented letter', 'Émile'],
      ['CJK', '李雷'],
      ['digits and underscore', 'bob_2'],
      ['braces and a slash, shown literally by the UI', '{bold}x{/bold}'],
      ['an emoji', '🦊'],
      ['an emoji with a skin-tone modifier', '👍🏽'],
      ['an emoji with a variation selector', '❤️'],
      ['Cyrillic and Greek', 'Вася_Σοφία'],
      ['Arabic letters', 'ليلى'],
      [`exactly ${MAX_PSEUDONYM_CHARS} characters`, 'a'.repeat(MAX_PSEUDONYM_CHARS)],
      [`${MAX_PSEUDONYM_CHARS} astral characters`, '🦊'.repeat(MAX_PSEUDONYM_CHARS)],
    ];
    for (const [what, name] of accepted) {
      it(`accepts ${what}`, () => {
        assert.equal(pseudonymProblem(name), null);
      });
    }

    const refused: Array<[string, string]> = [
      ['an empty name', ''],
      [`a name of ${MAX_PSEUDONYM_CHARS + 1} characters`, 'a'.repeat(MAX_PSEUDONYM_CHARS + 1)],
      ['a name with a space', 'alice smith'],
      ['a name with a leading space', ' alice'],
      ['a name with a no-break space', 'alice\u00a0smith'],
      ['a name with an ideographic space', 'alice\u3000smith'],
      ['a name with a tab', 'alice\tsmith'],
      ['a name with a newline', 'alice\n'],
      ['a name with an ANSI escape sequence', '\u001b[31malice'],
      ['a name with a DEL', 'alice\u007f'],
      ['a name with a C1 control', 'alice\u009b'],
      ['a name with a right-to-left override', 'alice\u202etxt'],
      ['a name with a left-to-right isolate', '\u2066alice'],
      ['a name with a right-to-left mark', 'alice\u200f'],
      ['a name with a zero-width joiner', 'ali\u200dce'],
      ['a name with a zero-width space', 'ali\u200bce'],
      ['a name with a byte-order mark', '\ufeffalice'],
      ['a name with a private-use character', 'alice\ue000'],
      ['a name with a lone surrogate', 'alice\ud800'],
      ['a name with a ligature that NFKC rewrites', 'ﬁ'],
      ['a name in fullwidth letters that NFKC rewrites', 'ａｌｉｃｅ'],
      ['a name with a decomposed accent (not NFKC)', 'E\u0301mile'],
    ];
    for (const [what, name] of refused) {
      it(`refuses ${what}`, () => {
        assert.equal(typeof pseudonymProblem(name), 'string');
      });
    }

    it('accepts whatever normalizePseudonym produces from an acceptable-looking name', () => {
      assert.equal(pseudonymProblem(normalizePseudonym('ﬁona')), null);
      assert.equal(normalizePseudonym('ﬁona'), 'fiona');
      assert.equal(normalizePseudonym('E\u0301mile'), 'Émile');
    });

    it('never accepts a name containing whitespace, controls or format characters', () => {
      const bad = fc.constantFrom(
        ' ',
        '\t',
        '\n',
        '\r',
        '\u0000',
        '\u001b',
        '\u0085',
        '\u00a0',
        '\u200b',
        '\u200d',
        '\u200e',
        '\u2028',
        '\u202e',
        '\u2066',
        '\ufeff',
      );
      fc.assert(
        fc.property(fc.string({ maxLength: 10 }), bad, fc.string({ maxLength: 10 }), (a, c, b) => {
          assert.notEqual(pseudonymProblem(a + c + b), null);
        }),
      );
    });
  });

  describe('pseudonymKey', () => {
    it('gives names differing only in ASCII case the same key', () => {
      assert.equal(pseudonymKey('Alice'), pseudonymKey('ALICE'));
      assert.equal(pseudonymKey('alice'), pseudonymKey('ALICE'));
    });

    it('gives names differing in non-ASCII case the same key', () => {
      assert.equal(pseudonymKey('ÉMILE'), pseudonymKey('émile'));
      assert.equal(pseudonymKey('ВАСЯ'), pseudonymKey('вася'));
    });

    it('folds compatibility forms: ligatures, fullwidth letters, decomposed accents', () => {
      assert.equal(pseudonymKey('ﬁona'), pseudonymKey('fiona'));
      assert.equal(pseudonymKey('ＡＬＩＣＥ'), pseudonymKey('alice'));
      assert.equal(pseudonymKey('E\u0301mile'), pseudonymKey('émile'));
    });

    it('keeps different names apart', () => {
      assert.notEqual(pseudonymKey('alice'), pseudonymKey('alicf'));
      assert.notEqual(pseudonymKey('bob'), pseudonymKey('bob_'));
      assert.notEqual(pseudonymKey('李雷'), pseudonymKey('李'));
    });

    it('is a fixed point: the key of a key is itself', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 16 }), (name) => {
          const key = pseudonymKey(name);
          assert.equal(pseudonymKey(key), key);
        }),
      );
    });

    // Regression: toLowerCase() alone is not a case fold ('ΣΑΣ' vs 'σασ', 'straße').
    it('gives a name and its upper-case form the same key for every accepted character', () => {
      assert.equal(pseudonymKey('ΣΑΣ'), pseudonymKey('σασ'));
      assert.equal(pseudonymKey('STRASSE'), pseudonymKey('straße'));
      assert.equal(pseudonymKey('ВАСЯ'), pseudonymKey('ᲀася'));
      for (let cp = 0; cp <= 0x10ffff; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue;
        const c = String.fromCodePoint(cp);
        if (pseudonymProblem(c) !== null) continue;
        assert.equal(pseudonymKey(c.toUpperCase()), pseudonymKey(c), `U+${cp.toString(16)}`);
      }
    });
  });

  describe('isSafeLine', () => {
    for (const [what, line] of [
      ['an empty line', ''],
      ['plain text', 'in a meeting until 3'],
      ['non-Latin text and emoji', '李雷 ☕ 👍🏽 Émile'],
      ['braces and brackets', '{bold}[x]'],
    ] as const) {
      it(`accepts ${what}`, () => {
        assert.equal(isSafeLine(line), true);
      });
    }

    for (const [what, line] of [
      ['a newline', 'a\nb'],
      ['a carriage return', 'ok\rE_FAKE'],
      ['a tab', 'a\tb'],
      ['a NUL', 'a\u0000b'],
      ['an ANSI escape sequence', '\u001b[2J'],
      ['a DEL', 'a\u007fb'],
      ['a C1 CSI', 'a\u009b31m'],
      ['a NEL', 'a\u0085b'],
      ['a zero-width space', 'a\u200bb'],
      ['a zero-width joiner', 'a\u200db'],
      ['a left-to-right mark', 'a\u200eb'],
      ['a right-to-left mark', 'a\u200fb'],
      ['a right-to-left override', 'evil\u202etxt.exe'],
      ['a left-to-right embedding', 'a\u202ab'],
      ['a first-strong isolate', 'a\u2068b'],
      ['a pop directional isolate', 'a\u2069b'],
      ['a word joiner', 'a\u2060b'],
      ['a byte-order mark', '\ufeffa'],
      ['a line separator', 'a\u2028b'],
      ['an invisible tag character', 'a\u{e0041}b'],
    ] as const) {
      it(`refuses a line with ${what}`, () => {
        assert.equal(isSafeLine(line), false);
      });
    }

    it('refuses a line with an Arabic letter mark', () => {
      assert.equal(isSafeLine('a\u061cb'), false);
    });

    it('refuses any line that contains a C0 or C1 control character', () => {
      const control = fc
        .oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f }))
        .map((cp) => String.fromCodePoint(cp));
      fc.assert(
        fc.property(fc.string(), control, fc.string(), (a, c, b) => {
          assert.equal(isSafeLine(a + c + b), false);
        }),
      );
    });
  });
});
