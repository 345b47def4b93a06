/** The control socket's line splitting (src/cli/line-splitter.ts): pure, fed by hand. */
import assert from 'node:assert/strict';
import { LineSplitter } from '../../../src/cli/line-splitter.js';

function split(max: number) {
  const lines: string[] = [];
  let tooLong = 0;
  const splitter = new LineSplitter(
    max,
    (l) => lines.push(l),
    () => tooLong++,
  );
  return { splitter, lines, tooLong: () => tooLong };
}

describe('cli control line splitter', () => {
  it('gives the same lines fed whole or one character at a time', () => {
    const text = '{"op":"who"}\n{"op":"send","texts":["héllo ✓"]}\n\npartial';
    const whole = split(1024);
    whole.splitter.push(text);
    const byChar = split(1024);
    for (const c of text) byChar.splitter.push(c);
    assert.deepEqual(whole.lines, ['{"op":"who"}', '{"op":"send","texts":["héllo ✓"]}', '']);
    assert.deepEqual(byChar.lines, whole.lines);
  });

  it('reports a line over the limit once, in bytes, and takes nothing after it', () => {
    const s = split(8);
    s.splitter.push('12345678\n');
    s.splitter.push('é'.repeat(4));
    assert.equal(s.tooLong(), 0, '8 bytes is within the limit');
    s.splitter.push('x');
    assert.equal(s.tooLong(), 1);
    s.splitter.push('\n{"op":"who"}\n');
    assert.deepEqual(s.lines, ['12345678']);
    assert.equal(s.tooLong(), 1);
  });

  it('refuses a whole line over the limit that arrives in one chunk', () => {
    const s = split(4);
    s.splitter.push('12345\nok\n');
    assert.deepEqual(s.lines, []);
    assert.equal(s.tooLong(), 1);
  });
});
