import assert from 'node:assert/strict';
import { emojiSequenceAt } from '../../../src/util/emoji.js';
import {
  displayWidth,
  EMOJI_BOX_COLS,
  emojiBoxCols,
  MAX_JOINED_EMOJI,
  toCells,
} from '../../../src/util/text-width.js';

const FLAG = '\u{1f1e9}\u{1f1ea}';
const HEART = '\u2764\ufe0f';
const THUMB_TONE = '\u{1f44d}\u{1f3fd}';
const FAMILY = '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}';
const KEYCAP = '1\ufe0f\u20e3';
const RAINBOW = '\u{1f3f3}\ufe0f\u200d\u{1f308}';
const TECHIE_TONE = '\u{1f469}\u{1f3fd}\u200d\u{1f4bb}';
const HANDSHAKE = '\u{1faf1}\u{1f3fb}\u200d\u{1faf2}\u{1f3ff}';
const FAMILY_OF_FOUR = '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}\u200d\u{1f466}';
const KISS = '\u{1f469}\u200d\u2764\ufe0f\u200d\u{1f48b}\u200d\u{1f468}';
const KEYCAP_BARE = '#\u20e3';

/**
 * Columns tmux 3.3a moved its cursor by for each sequence (cursor_x after printing it at
 * column 0, this sitting): what a box must hold at least, with xterm's, each part on its own.
 */
const TMUX_33A_COLS: [string, number][] = [
  [FLAG, 2],
  [HEART, 1],
  [THUMB_TONE, 4],
  [FAMILY, 2],
  [KEYCAP, 1],
  [RAINBOW, 1],
  [TECHIE_TONE, 4],
  [HANDSHAKE, 6],
  [FAMILY_OF_FOUR, 2],
  [KISS, 2],
];

describe('util emoji: sequences terminals disagree on are measured as one box', () => {
  it('measures a sequence as its parts add up where a terminal draws them one by one, two at least', () => {
    const expected: [string, number][] = [
      [FLAG, 2],
      [HEART, 2],
      [KEYCAP, 2],
      [KEYCAP_BARE, 2],
      [THUMB_TONE, 4],
      [RAINBOW, 4],
      [FAMILY, 6],
      [TECHIE_TONE, 6],
      [HANDSHAKE, 8],
      [FAMILY_OF_FOUR, 8],
      [KISS, 8],
    ];
    for (const [s, cols] of expected) {
      assert.equal(displayWidth(s), cols, JSON.stringify(s));
      assert.deepEqual(toCells(s), [{ text: s, width: cols, box: true }], JSON.stringify(s));
    }
    assert.equal(displayWidth(`flag only ${FLAG} end`), 16, 'a flag is not four columns');
  });

  it('gives every sequence at least the columns tmux 3.3a draws it in, and never fewer than two', () => {
    for (const [s, tmux] of TMUX_33A_COLS) {
      assert.ok(emojiBoxCols(s) >= tmux, `${JSON.stringify(s)}: tmux draws ${tmux}`);
      assert.ok(emojiBoxCols(s) >= EMOJI_BOX_COLS, JSON.stringify(s));
    }
  });

  it('boxes a lone regional indicator, which tmux draws in one column and others in two', () => {
    assert.deepEqual(toCells('\u{1f1e9}x'), [
      { text: '\u{1f1e9}', width: 2, box: true },
      { text: 'x', width: 1 },
    ]);
  });

  it('leaves single characters, CJK and combining marks measured as before, unboxed', () => {
    assert.deepEqual(toCells('\u{1f600}中e\u0301'), [
      { text: '\u{1f600}', width: 2 },
      { text: '中', width: 2 },
      { text: 'e\u0301', width: 1 },
    ]);
    assert.equal(emojiSequenceAt('\u{1f600}', 0), undefined);
    assert.equal(emojiSequenceAt('\u2764', 0), undefined, 'a heart without VS16 is text');
  });

  it(`joins at most ${MAX_JOINED_EMOJI} pictures: a longer chain is several boxes, no joiner kept in one`, () => {
    const five = Array.from({ length: 5 }, () => '\u{1f469}').join('\u200d');
    const cells = toCells(five);
    assert.equal(cells[0]!.text, Array.from({ length: 4 }, () => '\u{1f469}').join('\u200d'));
    assert.deepEqual(cells.slice(1), [{ text: '\u{1f469}', width: 2 }]);
    assert.equal(displayWidth(five), 10, 'a box of four pictures, and one more');
  });

  it('caps combining marks after a box like after any character', () => {
    const zalgo = `${FLAG}${'\u0301'.repeat(20)}`;
    assert.equal(toCells(zalgo)[0]!.text, `${FLAG}${'\u0301'.repeat(4)}`);
  });
});
