import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatContacts, formatMessage, safeJson, sanitize } from '../../../src/cli/format.js';
import {
  type ContactInfo,
  directConversation,
  type ReceivedMessage,
} from '../../../src/peer/index.js';
import { MAX_MARKS_PER_CELL } from '../../../src/util/text-width.js';

const UNSAFE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

const message = (text: string, pseudonym = 'bob'): ReceivedMessage => ({
  conversation: directConversation('bob'),
  from: { pseudonym, userId: '00', fingerprint: 'aaaa-bbbb-cccc-dddd' },
  text,
  sentAtMs: 0,
  receivedAtMs: 0,
  msgId: '11',
});

describe('cli output: peer text made safe for a terminal', () => {
  it('strips escape sequences, C1 controls, bidi overrides and zero-width characters', () => {
    assert.equal(sanitize('\u001b[2J\u001b]0;pwned\u0007hi\u009b'), '[2J]0;pwnedhi');
    assert.equal(sanitize('abc\u202edcba\u2066x\u2069'), 'abcdcbax');
    assert.equal(sanitize('zero\u200bwidth\ufeff'), 'zerowidth');
    assert.equal(sanitize('carriage\rreturn'), 'carriagereturn');
  });

  it("keeps newlines in message bodies but not in one-line fields; a tab is one space in a field, spaces to its line's next tab stop in a body, as in the chat", () => {
    assert.equal(sanitize('a\n\tb', { multiline: true }), `a\n${' '.repeat(8)}b`);
    assert.equal(sanitize('a\n\tb'), 'a  b');
    assert.equal(
      sanitize('col1\tcol2\t\tcol3\n1\t22\t\t333', { multiline: true }),
      'col1    col2            col3\n1       22              333',
    );
    assert.equal(sanitize('日本\tx', { multiline: true }), '日本    x', 'counted in columns');
    // A body's first line starts after its header: its tab stops are the text's own.
    assert.equal(
      formatMessage(message('a\tb\n\tc')).split(': ')[1],
      `a${' '.repeat(7)}b\n    ${' '.repeat(8)}c`,
    );
  });

  it('caps combining marks per character as the chat does, so a stack of them cannot smear the lines around', () => {
    const mark = '\u0301';
    const capped = `e${mark.repeat(MAX_MARKS_PER_CELL)}x`;
    assert.equal(sanitize(`e${mark.repeat(6)}x`), capped);
    assert.equal(sanitize(`e${mark.repeat(200)}x`, { multiline: true }), capped);
    assert.equal(
      sanitize(`a${mark}b${mark.repeat(2)}`),
      `a${mark}b${mark.repeat(2)}`,
      'a few kept',
    );
    // A mark with nothing under it would stack on the ": " or the indent printed before it.
    assert.equal(sanitize(`${mark}x\n${mark.repeat(3)}y`, { multiline: true }), 'x\ny');
    const body = formatMessage(message(`ok\nz${mark.repeat(50)}`)).split('\n')[1];
    assert.equal(body, `    z${mark.repeat(MAX_MARKS_PER_CELL)}`);
  });

  it('keeps U+200D and U+FE0F inside an emoji sequence (a family), and drops U+200D elsewhere', () => {
    const family = '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}';
    assert.equal(sanitize(`fam ${family} z`), `fam ${family} z`);
    assert.equal(sanitize('\u{1f3f3}\ufe0f\u200d\u{1f308}'), '\u{1f3f3}\ufe0f\u200d\u{1f308}');
    assert.equal(
      sanitize('a\u200db \u{1f469}\u200dx y\u200d\u{1f469}'),
      'ab \u{1f469}x y\u{1f469}',
    );
    const five = Array.from({ length: 5 }, () => '\u{1f469}').join('\u200d');
    assert.equal(sanitize(five), '\u{1f469}'.repeat(5), "a chain longer than Unicode's is split");
    assert.equal(sanitize(`${family}\u200d`), family, 'a trailing joiner goes');
  });

  it('never prints more combining marks on one character than the chat draws, nor a tab', () => {
    const piece = fc.oneof(
      fc.constantFrom('a', 'e\u0301', '\u0301', '\u0336', '\u20dd', '\t', '\n', ' ', '\u{1f600}'),
      fc.string({ unit: 'binary', maxLength: 3 }),
    );
    const tooMany = new RegExp(`[\\p{Mn}\\p{Me}\\p{Cf}]{${MAX_MARKS_PER_CELL + 1}}`, 'u');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const out = sanitize(pieces.join(''), { multiline: true });
        assert.doesNotMatch(out, tooMany);
        assert.doesNotMatch(out, /\t/);
        assert.doesNotMatch(
          out,
          /^[\p{Mn}\p{Me}]|\n[\p{Mn}\p{Me}]/u,
          'a mark with nothing under it',
        );
      }),
    );
  });

  it('never lets any input produce an unsafe character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        assert.doesNotMatch(sanitize(s, { multiline: true }), UNSAFE);
        assert.doesNotMatch(safeJson({ s }), UNSAFE);
        assert.deepEqual(JSON.parse(safeJson({ s })), { s });
      }),
    );
  });

  it("prints when a message arrived here, as history does, not the sender's clock", () => {
    const sentAtMs = new Date(2025, 2, 4, 9, 15, 0).getTime();
    const receivedAtMs = new Date(2025, 2, 4, 11, 42, 7).getTime();
    const out = formatMessage({ ...message('hi'), sentAtMs, receivedAtMs });
    assert.match(out, /^11:42:07 {2}bob/);
    assert.match(formatMessage({ ...message('hi'), sentAtMs, receivedAtMs: 0 }), /^09:15:00 /);
  });

  it('indents continuation lines so a body cannot fake a header line', () => {
    const out = formatMessage(
      message('hi\n12:00:00  alice (xxxx-xxxx-xxxx-xxxx): send me your key'),
    );
    const lines = out.split('\n');
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d {2}bob \(aaaa-bbbb-cccc-dddd\): hi$/);
    assert.match(lines[1]!, /^ {4}12:00:00/);
  });
});

describe('cli output: contacts in aligned columns', () => {
  const contact = (pseudonym: string, verified: boolean): ContactInfo =>
    ({
      pseudonym,
      userId: '00'.repeat(32),
      fingerprint: 'abcd-efgh-ijkl-mnop',
      verified,
      keyChanged: false,
      pendingKeys: [],
    }) as unknown as ContactInfo;

  it('pads every name to the longest, so fingerprints and states line up', () => {
    const lines = formatContacts([
      contact('bo', true),
      contact('alexandra', false),
      contact('éa', false),
    ]);
    assert.deepEqual(lines, [
      'bo         abcd-efgh-ijkl-mnop  verified',
      'alexandra  abcd-efgh-ijkl-mnop  unverified',
      'éa         abcd-efgh-ijkl-mnop  unverified',
    ]);
  });

  it('pads by the columns a terminal gives a name, not its characters (wide emoji and CJK take two)', () => {
    const lines = formatContacts([
      contact('😀x', true),
      contact('bob', false),
      contact('花子', false),
    ]);
    assert.deepEqual(lines, [
      '😀x   abcd-efgh-ijkl-mnop  verified',
      'bob   abcd-efgh-ijkl-mnop  unverified',
      '花子  abcd-efgh-ijkl-mnop  unverified',
    ]);
  });
});
