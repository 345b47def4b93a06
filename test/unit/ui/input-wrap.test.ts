import assert from 'node:assert/strict';
import { LineEditor } from '../../../src/peer/ui/input.js';

/** The editor holding `text` with the cursor at `cursor` (default: the end). */
function editor(text: string, cursor?: number): LineEditor {
  const e = new LineEditor();
  e.set(text, cursor);
  return e;
}

describe('ui input: a long line wraps at spaces', () => {
  it('moves a word that does not fit to the next row whole, the space staying behind', () => {
    // 12 columns, a 2-column prompt: 10 columns of text per row.
    const v = editor('hello brave new world').view(12, 2);
    assert.deepEqual(v.rows, ['hello ', 'brave new ', 'world']);
    assert.deepEqual([v.cursorRow, v.cursorCol], [2, 2 + 5]);
  });

  it('breaks a word longer than a row between characters', () => {
    const v = editor('see abcdefghijklmnop').view(12, 2);
    assert.deepEqual(v.rows, ['see ', 'abcdefghij', 'klmnop']);
  });

  it('counts wide characters by display width and never splits one across rows', () => {
    const v = editor('你好 世界世界 😀😀 ok').view(8, 2);
    // 6 columns: '你好 ' is 5, '世界世界' 8 (longer than a row: broken), emoji are 2 each.
    assert.deepEqual(v.rows, ['你好 ', '世界世', '界 ', '😀😀 ', 'ok']);
    assert.deepEqual([v.cursorRow, v.cursorCol], [4, 4]);
  });

  it('lets a space at the edge hang after its row, so the next word starts the next row', () => {
    const v = editor('abcde fghi jk').view(12, 2);
    assert.deepEqual(v.rows, ['abcde fghi ', 'jk']);
  });

  it('puts the cursor where the next character goes, across a wrap, with Left and Right', () => {
    const e = editor('hello brave', 'hello '.length);
    assert.deepEqual(pos(e), [1, 2], 'the start of the wrapped word is on the second row');
    e.left();
    assert.deepEqual(pos(e), [0, 2 + 5], 'before the space: on the first row');
    e.right();
    e.right();
    assert.deepEqual(pos(e), [1, 3]);
    e.set('hello brave', 'hello bra'.length);
    e.insert('zzzz');
    // 'hello brazzzzve' no longer fits beside 'hello ': it moves on whole, the cursor with it.
    assert.deepEqual(e.view(12, 2).rows, ['hello ', 'brazzzzve']);
    assert.deepEqual(pos(e), [1, 2 + 'brazzzz'.length]);
    e.backspace();
    assert.equal(e.text, 'hello brazzzve');
  });

  it('draws a pasted tab as spaces to its tab stop, the cursor stepping over it whole', () => {
    const e = new LineEditor();
    e.paste('a\tb\n\tc');
    assert.equal(e.text, 'a\tb\n\tc', 'the tabs are kept for the message');
    const v = e.view(40, 2);
    assert.deepEqual(v.rows, [`a${' '.repeat(7)}b`, `${' '.repeat(8)}c`]);
    assert.deepEqual([v.cursorRow, v.cursorCol], [1, 2 + 9]);
    e.home();
    e.right();
    assert.deepEqual([e.cursor, e.view(40, 2).cursorCol], ['a\tb\n\t'.length, 2 + 8]);
    e.backspace();
    assert.equal(e.text, 'a\tb\nc', 'one key takes the whole tab');
    e.set('a\u0301\tb', 2);
    e.right();
    assert.equal(e.cursor, 3, 'a tab is never a mark of the character before it');
    const typed = new LineEditor();
    typed.insert('a\tb');
    assert.equal(typed.text, 'a b', 'typed text has no tab (Tab is a key of its own)');
  });

  it('keeps newlines as hard breaks, each line wrapped on its own', () => {
    const e = editor('one two three four\nfive', 'one two three four'.length);
    const v = e.view(12, 2);
    assert.deepEqual(v.rows, ['one two ', 'three four', 'five']);
    assert.deepEqual([v.cursorRow, v.cursorCol], [1, 12], 'the end of a line stays on its row');
  });
});

function pos(e: LineEditor): [number, number] {
  const v = e.view(12, 2);
  return [v.cursorRow, v.cursorCol];
}
