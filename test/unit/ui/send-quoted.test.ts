/**
 * /send takes paths as file managers paste them (a QA trial: `/send "/tmp/x/my notes.txt"`
 * became `cannot read /tmp/qa1-run/"/tmp/qa1-run/files/my`): '…', "…" and a backslash
 * before a space; an unclosed quote is a usage error, not a guess.
 */
import assert from 'node:assert/strict';
import { splitWords } from '../../../src/peer/ui/path-completion.js';
import { destroyAll, noticeText, start } from './harness.js';

describe('ui /send: quoted and escaped paths', () => {
  afterEach(destroyAll);

  it('splits quoted words as a shell does, quoting only', () => {
    assert.deepEqual(splitWords('"/tmp/x/my notes.txt"'), {
      words: ['/tmp/x/my notes.txt'],
      open: false,
    });
    assert.deepEqual(splitWords("'/tmp/it is.txt' b\\ c.pdf"), {
      words: ['/tmp/it is.txt', 'b c.pdf'],
      open: false,
    });
    assert.deepEqual(splitWords('"say \\"hi\\" \\n.txt" a(1).txt x#y.txt'), {
      words: ['say "hi" \\n.txt', 'a(1).txt', 'x#y.txt'],
      open: false,
    });
    assert.deepEqual(splitWords('\'a\\ b\' dir/"c d"/e'), {
      words: ['a\\ b', 'dir/c d/e'],
      open: false,
    });
    assert.equal(splitWords('"/tmp/my notes.txt').open, true);
  });

  it('sends a double-quoted, a single-quoted and an escaped path with spaces, each whole', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('/send "/tmp/x/my notes.txt" \'/tmp/y/a b.pdf\' /tmp/z/c\\ d.iso\r');
    await h.settle();
    assert.deepEqual(
      h.core.files.sends.map((s) => s.paths),
      [['/tmp/x/my notes.txt', '/tmp/y/a b.pdf', '/tmp/z/c d.iso']],
    );
  });

  it('refuses an unclosed quote or an empty path with the usage, sending nothing', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('/send "/tmp/x/my notes.txt\r');
    await h.settle();
    assert.match(noticeText(h), /usage: \/send PATH/);
    await h.type('/send ""\r');
    await h.settle();
    assert.match(noticeText(h), /usage: \/send PATH/);
    assert.deepEqual(h.core.files.sends, []);
  });
});
