import assert from 'node:assert/strict';
import { emojiSequenceAt } from '../../../src/util/emoji.js';
import {
  displayWidth,
  EMOJI_BOX_COLS,
  MAX_JOINED_EMOJI,
  toCells,
} from '../../../src/util/text-width.js';

const FLAG = '\u{1f1e9}\u{1f1ea}';
const HEART = '\u2764\ufe0f';
const THUMB_TONE = '\u{1f44d}\u{1f3fd}';
const FAMILY = '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}';
const KEYCAP = '1\ufe0f\u20e3';
const RAINBOW = '\u{1f3f3}\ufe0f\u200d\u{1f308}';

describe('util emoji: sequences terminals disagree on are measured as one box', () => {
  it('counts a flag, VS16, a skin tone, a ZWJ family and a keycap as two columns each', () => {
    for (const s of [FLAG, HEART, THUMB_TONE, FAMILY, KEYCAP, RAINBOW]) {
      assert.equal(displayWidth(s), EMOJI_BOX_COLS, JSON.stringify(s));
      assert.deepEqual(toCells(s), [{ text: s, width: 2, box: true }], JSON.stringify(s));
    }
    assert.equal(displayWidth(`flag only ${FLAG} end`), 16, 'a flag is not four columns');
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
    assert.equal(displayWidth(five), 4);
  });

  it('caps combining marks after a box like after any character', () => {
    const zalgo = `${FLAG}${'\u0301'.repeat(20)}`;
    assert.equal(toCells(zalgo)[0]!.text, `${FLAG}${'\u0301'.repeat(4)}`);
  });
});
