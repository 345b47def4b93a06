import assert from 'node:assert/strict';
import { LineEditor } from '../../../src/peer/ui/input.js';

describe('ui input: the line editor', () => {
  it('inserts at the cursor and moves over whole characters (emoji, combining marks)', () => {
    const e = new LineEditor();
    e.insert('a😀e\u0301b');
    e.left();
    assert.equal(e.cursor, 'a😀e\u0301'.length);
    e.left();
    assert.equal(e.cursor, 'a😀'.length, 'the mark moves with its letter');
    e.left();
    assert.equal(e.cursor, 1, 'the emoji is one step');
    e.insert('X');
    assert.equal(e.text, 'aX😀e\u0301b');
    e.right();
    e.backspace();
    assert.equal(e.text, 'aXe\u0301b');
  });

  it('steps over an emoji sequence (a family, a flag) whole, and deletes it whole', () => {
    const family = '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}';
    const flag = '\u{1f1e9}\u{1f1ea}';
    const e = new LineEditor();
    e.insert(`a${family}${flag}b`);
    e.left();
    e.left();
    assert.equal(e.cursor, `a${family}`.length, 'the flag is one step');
    e.left();
    assert.equal(e.cursor, 1, 'the family is one step');
    e.right();
    assert.equal(e.cursor, `a${family}`.length);
    e.backspace();
    assert.equal(e.text, `a${flag}b`);
  });

  it('strips controls from what is typed or pasted, keeping newlines', () => {
    const e = new LineEditor();
    e.insert('one\r\ntwo\x1b[2J\tthree');
    assert.equal(e.text, 'one\ntwo[2J three');
  });

  it('edits like a shell line: home/end per line, word and line kills', () => {
    const e = new LineEditor();
    e.insert('first line\nsecond word here');
    e.home();
    assert.equal(e.cursor, 'first line\n'.length);
    e.end();
    assert.equal(e.cursor, e.text.length);
    e.deleteWordBack();
    assert.equal(e.text, 'first line\nsecond word ');
    e.killToStart();
    assert.equal(e.text, '');
    e.insert('abc');
    e.home();
    e.killToEnd();
    assert.equal(e.text, '');
  });

  it('keeps its own history, with the unsent draft', () => {
    const e = new LineEditor();
    e.insert('one');
    assert.equal(e.submit(), 'one');
    e.insert('two');
    e.submit();
    e.insert('draft');
    e.older();
    assert.equal(e.text, 'two');
    e.older();
    assert.equal(e.text, 'one');
    e.older();
    assert.equal(e.text, 'one');
    e.newer();
    e.newer();
    assert.equal(e.text, 'draft');
  });

  it('lays out rows after the prompt, wrapping by display width, and finds the cursor', () => {
    const e = new LineEditor();
    e.insert('世界世界世');
    const v = e.view(8, 2);
    // 6 columns of text per row after a 2-column prompt: a wide character never straddles.
    assert.deepEqual(v.rows, ['世界世', '界世']);
    assert.equal(v.indent, 2);
    assert.deepEqual([v.cursorRow, v.cursorCol], [1, 6]);
    e.set('a\nb', 1);
    const w = e.view(20, 2);
    assert.deepEqual(w.rows, ['a', 'b']);
    assert.deepEqual([w.cursorRow, w.cursorCol], [0, 3]);
  });
});
