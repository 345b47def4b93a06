/**
 * The chat's status lines before its screen opens (status-line.ts): erased once done
 * on a terminal, so quitting leaves no `connecting…` behind; kept in a redirected log.
 */
import assert from 'node:assert/strict';
import { statusLine } from '../../../src/cli/status-line.js';

function output(isTTY: boolean) {
  const out = { isTTY, text: '', write: (s: string) => (out.text += s) };
  return out;
}

describe('the chat erases its status line once done', () => {
  it('erases the line on a terminal, once, however often it is told', () => {
    const out = output(true);
    const done = statusLine(out, 'connecting…');
    assert.equal(out.text, 'connecting…');
    done();
    done();
    assert.equal(out.text, 'connecting…\r\x1b[2K');
  });

  it('keeps the line, with its line break, where the output is no terminal', () => {
    const out = output(false);
    const done = statusLine(out, 'registering…');
    done();
    assert.equal(out.text, 'registering…\n');
  });
});
