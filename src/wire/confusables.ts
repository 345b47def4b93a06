/**
 * Look-alike names (UTS #39, Unicode Security Mechanisms; issue 8): the confusable
 * skeleton, a uniqueness key that folds case and confusables together, and the
 * "highly restrictive" mixed-script rule. The confusable data is Unicode's
 * confusables.txt as packaged by `unhomoglyph` (nodeca; the package's data is
 * version 13.0, so look-alikes added to the file since then are not folded). The
 * script data is the runtime's own (regex Script_Extensions).
 */
import unhomoglyph from 'unhomoglyph';

/**
 * UTS #39 §4 skeleton: NFD, each code point replaced by its confusables.txt
 * prototype, NFD again. unhomoglyph does only the middle step (one regex over
 * the table; no NFD of its own), so the normalisations are ours. The table maps
 * a prototype to itself, so skeleton(skeleton(x)) === skeleton(x). It keeps
 * accents: 'é' is 'e' + U+0301, and only the 'e' has a prototype.
 */
export function skeleton(s: string): string {
  return unhomoglyph(s.normalize('NFD')).normalize('NFD');
}

/**
 * Rounds of the fold in lookalikeKey before it settles. Two settle every accepted
 * code point and every string the property tests try; the cap only keeps a
 * hostile string from looping (its key is still deterministic, just not a fixed point).
 */
const MAX_KEY_ROUNDS = 4;

/**
 * One round: NFKC; case-fold towards upper (lower then upper, so 'ς', 'σ' and 'Σ'
 * meet); skeleton; case-fold towards lower (upper then lower); skeleton; NFKC.
 * Why both directions: confusables.txt maps some capitals to a lower-case
 * prototype ('I' → 'l') and some lower-case letters to a string ('m' → 'rn').
 * Folding to lower first loses the first kind ('aIice' would become 'aiice', not
 * 'alice'); folding to upper first, then skeleton, then lower, and skeleton again,
 * catches both. So 'i' (via 'I') meets 'l' too: 'aiice' collides with 'alice'.
 * A case fold is lossy in a way a single key cannot undo: 'η' looks
 * like 'n' but 'Η' like 'H'. Case-insensitivity wins (it is what users type), so
 * such a letter folds with its capital's prototype: 168 code points of
 * Greek, Cyrillic, Cherokee, Coptic and Warang Citi (listed by the exhaustive test),
 * e.g. 'в' meets 'b' and 'B' but not the Latin small capital 'ʙ'. Closing over
 * both relations instead would merge unrelated Latin letters through those
 * scripts ('r' with 'y' via 'ⲅ'/'Ⲅ', 'e' with '7' via Warang Citi).
 */
function foldRound(s: string): string {
  const upper = skeleton(s.normalize('NFKC').toLowerCase().toUpperCase());
  return skeleton(upper.toUpperCase().toLowerCase()).normalize('NFKC');
}

/**
 * lookalikeKey without its ASCII shortcut: foldRound until it stops changing.
 * Exported so a test can hold the shortcut to it.
 */
export function foldUntilStable(s: string): string {
  let key = foldRound(s);
  for (let round = 1; round < MAX_KEY_ROUNDS; round++) {
    const next = foldRound(key);
    if (next === key) break;
    key = next;
  }
  return key;
}

/** Printable ASCII, where the fold works one character at a time (a test holds it to the general path). */
const ASCII_NAME = /^[\x21-\x7e]*$/;
let asciiKeys: readonly string[] | null = null;

/**
 * The key under which look-alike names collide: case variants ('ALICE'), TR39
 * confusables ('аlice' with Cyrillic а, 'rn' for 'm', 'l'/'I'/'1', '0'/'O') and
 * NFKC compatibility forms ('ａｌｉｃｅ', '𝐚𝐥𝐢𝐜𝐞') all give the same key. It is
 * an index key, not a display form: 'alice' keys as 'allce'. A fixed point:
 * lookalikeKey(lookalikeKey(x)) === lookalikeKey(x).
 */
export function lookalikeKey(name: string): string {
  if (!ASCII_NAME.test(name)) return foldUntilStable(name);
  asciiKeys ??= Array.from({ length: 0x80 }, (_, i) => foldUntilStable(String.fromCharCode(i)));
  let key = '';
  for (let i = 0; i < name.length; i++) key += asciiKeys[name.charCodeAt(i)]!;
  return key;
}

/**
 * Characters that draw nothing, or nothing a reader can tell from a space or from the
 * letter before them (seventeenth sitting: 'alice' + U+FE0F was registered beside
 * 'alice'). Every Default_Ignorable_Code_Point: variation selectors U+FE00-FE0F and
 * U+E0100-E01EF, Mongolian free variation selectors, the combining grapheme joiner
 * U+034F, tag characters U+E0000-E007F, the Hangul fillers U+115F, U+1160, U+3164 and
 * U+FFA0, Khmer inherent vowels U+17B4-17B5, the soft hyphen, zero-width and bidi
 * characters (a test holds the runtime's data to each of these). Plus blanks that are
 * not default-ignorable: the Braille blank U+2800, the Khitan filler U+16FE4 and the
 * musical null notehead U+1D159.
 */
export const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u2800\u{16fe4}\u{1d159}]/u;

const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'gu');

/** Any combining mark: nonspacing, spacing or enclosing. */
export const ANY_MARK = /^\p{M}$/u;

/**
 * A name as the eye sees it, for look-alike keys: without invisible characters, and
 * without the accents of alphabets that write them as optional-looking diacritics
 * (Latin, Greek, Cyrillic, Armenian, Georgian, Arabic and Hebrew vowel points, and
 * marks on digits or symbols): 'José' is 'Jose', 'Андрей' 'Андреи'. Marks that spell a
 * letter of their own (Devanagari, Thai, Tibetan, kana dakuten...) are kept, one of
 * each run of the same mark, so 'कमल' and 'कोमल' stay two names. NFD out.
 */
export function withoutMarks(name: string): string {
  let out = '';
  let strip = false;
  let last = '';
  for (const c of name.normalize('NFKC').replace(INVISIBLE_ALL, '').normalize('NFD')) {
    if (!ANY_MARK.test(c)) {
      strip = DIACRITIC_BASE.test(c);
      last = c;
      out += c;
    } else if (!strip && c !== last) {
      last = c;
      out += c;
    }
  }
  return out;
}

const DIACRITIC_BASE =
  /^[\p{scx=Latn}\p{scx=Grek}\p{scx=Cyrl}\p{scx=Armn}\p{scx=Geor}\p{scx=Arab}\p{scx=Hebr}\p{scx=Zyyy}]$/u;

/**
 * What a name may hold that does not tell it apart from another to the eye or the
 * ear (issue: 'bob.', 'bob_', 'b.ob', 'bo-b' beside 'bob'): punctuation (\p{P}:
 * '.', '_', '-', quotes, brackets, '·' and the like), modifier symbols (\p{Sk}: '^',
 * '`', '¨') and '~'. Not '|' ('l' to TR39, folded there), other symbols (emoji, '+',
 * '$') nor digits: 'c4rol' and 'carol' stay two names (docs/decisions.md).
 */
const SEPARATORS = /[\p{P}\p{Sk}~]/gu;

/**
 * The key under which names collide once separators, invisible characters and
 * diacritics are ignored too: lookalikeKey of the name without INVISIBLE characters,
 * without the marks withoutMarks drops and without SEPARATORS ('b.ob', 'bob_', 'BOB',
 * 'bob' + U+034F and 'bób' all key as bob's; 'José' as 'Jose''s). Marks the skeleton
 * brings back are dropped again. A name of separators only keys as itself. The relay
 * checks it beside lookalikeKey for new names only (directory.ts, name-owners.ts); it
 * is never stored, so it may change without a migration.
 */
export function blindKey(name: string): string {
  const visible = withoutMarks(name);
  const bare = visible.replace(SEPARATORS, '');
  return withoutMarks(lookalikeKey(bare !== '' ? bare : visible !== '' ? visible : name));
}

/**
 * Every script value of Unicode 17 except Common and Inherited (ISO 15924 codes,
 * PropertyValueAliases.txt). A runtime with older Unicode data (Node 20.19 has
 * Unicode 16) rejects the newest codes in a regex, and has no characters in those
 * scripts either, so they are skipped.
 */
const SCRIPT_CODES =
  'Adlm Aghb Ahom Arab Armi Armn Avst Bali Bamu Bass Batk Beng Berf Bhks Bopo Brah Brai Bugi Buhd Cakm Cans Cari Cham Cher Chrs Copt Cpmn Cprt Cyrl Deva Diak Dogr Dsrt Dupl Egyp Elba Elym Ethi Gara Geor Glag Gong Gonm Goth Gran Grek Gujr Gukh Guru Hang Hani Hano Hatr Hebr Hira Hluw Hmng Hmnp Hung Ital Java Kali Kana Kawi Khar Khmr Khoj Kits Knda Krai Kthi Lana Laoo Latn Lepc Limb Lina Linb Lisu Lyci Lydi Mahj Maka Mand Mani Marc Medf Mend Merc Mero Mlym Modi Mong Mroo Mtei Mult Mymr Nagm Nand Narb Nbat Newa Nkoo Nshu Ogam Olck Onao Orkh Orya Osge Osma Ougr Palm Pauc Perm Phag Phli Phlp Phnx Plrd Prti Rjng Rohg Runr Samr Sarb Saur Sgnw Shaw Shrd Sidd Sidt Sind Sinh Sogd Sogo Sora Soyo Sund Sunu Sylo Syrc Tagb Takr Tale Talu Taml Tang Tavt Tayo Telu Tfng Tglg Thaa Thai Tibt Tirh Tnsa Todr Tols Toto Tutg Ugar Vaii Vith Wara Wcho Xpeo Xsux Yezi Yiii Zanb'.split(
    ' ',
  );

function scriptClass(codes: readonly string[]): RegExp | null {
  try {
    return new RegExp(`^[${codes.map((c) => `\\p{scx=${c}}`).join('')}]$`, 'u');
  } catch {
    return null;
  }
}

type Script = readonly [code: string, test: RegExp];

/**
 * Each script as a one-character test, plus the three UTS #39 §5.1 augmented
 * sets: Han writing mixes with kana in Japanese (Jpan), with Hangul in Korean
 * (Kore) and with Bopomofo (Hanb), so '田中たなか' is one script.
 */
let scriptTable: readonly Script[] | null = null;

/** Built on first use: compiling the ~170 expressions cost every CLI command ~40 ms at start. */
function allScripts(): readonly Script[] {
  scriptTable ??= [
    ...SCRIPT_CODES.map((c) => [c, scriptClass([c])] as const),
    ['Jpan', scriptClass(['Hani', 'Hira', 'Kana'])] as const,
    ['Kore', scriptClass(['Hani', 'Hang'])] as const,
    ['Hanb', scriptClass(['Hani', 'Bopo'])] as const,
  ].filter((s): s is Script => s[1] !== null);
  return scriptTable;
}

/**
 * Distinct characters whose script sets are remembered. Finding one costs a test per
 * script (about 10 µs); names start with few distinct letters, and the cap keeps a
 * peer that sprays names from growing the memo (it is emptied when full).
 */
export const MAX_SCRIPT_MEMO_CHARS = 4096;
const scriptMemo = new Map<string, readonly Script[]>();

function scriptsOf(c: string): readonly Script[] {
  let scripts = scriptMemo.get(c);
  if (scripts === undefined) {
    if (scriptMemo.size >= MAX_SCRIPT_MEMO_CHARS) scriptMemo.clear();
    scripts = allScripts().filter(([, test]) => test.test(c));
    scriptMemo.set(c, scripts);
  }
  return scripts;
}

/** How many characters the script memo holds now (for the test of its cap). */
export function scriptMemoSize(): number {
  return scriptMemo.size;
}

/** Digits, punctuation, emoji and combining marks used by every script: they never make a name mixed. */
const ANY_SCRIPT = /^[\p{scx=Zyyy}\p{scx=Zinh}]$/u;

/** UTS #39 §5.2 lets an all-ASCII string pass without a look at its scripts (all Latin or Common). */
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** UTS #39 §5.2 "highly restrictive": the mixes allowed besides a single script. */
const ALLOWED_MIXES: readonly RegExp[] = [
  ['Latn', 'Hani', 'Hira', 'Kana'],
  ['Latn', 'Hani', 'Bopo'],
  ['Latn', 'Hani', 'Hang'],
].map((codes) => {
  const classes = [...codes, 'Zyyy', 'Zinh'].map((c) => `\\p{scx=${c}}`).join('');
  return new RegExp(`^[${classes}]*$`, 'u');
});

const scriptNames = new Intl.DisplayNames(['en'], { type: 'script', fallback: 'code' });

/**
 * Why a name mixes scripts beyond UTS #39 "highly restrictive", or null. Allowed:
 * one script (by Script_Extensions, so a character shared by several scripts
 * fits any of them; Common and Inherited characters fit every script), or Latin
 * with Han and kana, Han and Bopomofo, or Han and Hangul. So 'pаypal' with a
 * Cyrillic 'а' is refused, and so is 'Вася_Σοφία': each half is readable, but
 * mixing is how a look-alike hides, and one person's name is rarely in two
 * alphabets. Whole-script look-alikes ('раура', all Cyrillic) pass here and
 * collide in lookalikeKey instead.
 */
export function mixedScriptProblem(name: string): string | null {
  if (ASCII_ONLY.test(name)) return null;
  let candidates: readonly Script[] = [];
  let first: string | null = null;
  for (const c of name) {
    if (ANY_SCRIPT.test(c)) continue;
    const left = first === null ? scriptsOf(c) : candidates.filter(([, test]) => test.test(c));
    if (left.length === 0) {
      if (first === null) return `contains ${codePointLabel(c)}, of a script this build lacks`;
      if (ALLOWED_MIXES.some((mix) => mix.test(name))) return null;
      return `mixes scripts: ${describe(first)} and ${describe(c)}`;
    }
    candidates = left;
    first ??= c;
  }
  return null;
}

function describe(c: string): string {
  const code = scriptsOf(c)[0]?.[0] ?? 'Zzzz';
  return `${scriptNames.of(code) ?? code} ${codePointLabel(c)}`;
}

/** 'U+0430', the form every refusal reason uses for a character. */
export function codePointLabel(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}
