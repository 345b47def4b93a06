/**
 * The colours the chat draws with: how many the terminal has (palette.ts) and what
 * dim text becomes, held on the bytes blessed writes.
 */
import assert from 'node:assert/strict';
import { colourDepth, stylesFor } from '../../../src/peer/ui/palette.js';
import { contact } from './fake-core.js';
import { destroyAll, start } from './harness.js';

/** The SGR sequences written just before each message time (`12:34 `) on screen. */
function sgrBeforeTimes(written: string): string[] {
  return [...written.matchAll(/((?:\x1b\[[0-9;]*m)+)\d\d:\d\d (?:\x1b\[[0-9;]*m)*bob/g)].map(
    (m) => m[1]!,
  );
}

describe('ui palette: the colours the chat draws with', () => {
  afterEach(destroyAll);

  it('takes a -256color $TERM or a truecolor $COLORTERM as 256 colours, whatever terminfo said', () => {
    assert.equal(colourDepth('tmux-256color', undefined, 8), 256);
    assert.equal(colourDepth('screen-256color', undefined, 8), 256);
    assert.equal(colourDepth('xterm', 'truecolor', 8), 256);
    assert.equal(colourDepth('xterm', '24bit', 8), 256);
    assert.equal(colourDepth('xterm', undefined, 8), 8);
    assert.equal(colourDepth('linux', '', 8), 8);
    assert.equal(colourDepth('xterm-direct', undefined, 16777216), 16777216);
  });

  it('draws dim text gray with 16 colours or more, and in the default colour below (gray would be black)', () => {
    assert.deepEqual(stylesFor(256).dim, { fg: 'gray' });
    assert.deepEqual(stylesFor(256).separator, { fg: 'gray' });
    assert.deepEqual(stylesFor(16).dim, { fg: 'gray' });
    assert.deepEqual(stylesFor(8).dim, {});
    assert.deepEqual(stylesFor(8).separator, {});
  });

  it("writes a message's time in gray (ESC[90m), never black, on tmux-256color", async () => {
    const h = await start({
      terminal: 'tmux-256color',
      setup: (core) => (core.contactList = [contact('bob')]),
    });
    h.core.receive('bob', 'hello');
    h.app.open('bob');
    await h.settle();
    const sgr = sgrBeforeTimes(h.written());
    assert.ok(sgr.length > 0, 'the time was written');
    for (const s of sgr) {
      assert.match(s, /\x1b\[(?:[0-9;]*;)?90(?:;[0-9;]*)?m/, JSON.stringify(s));
      assert.doesNotMatch(s, /\x1b\[(?:[0-9;]*;)?30(?:;[0-9;]*)?m/, JSON.stringify(s));
    }
  });

  it('never writes a time in black on an 8-colour terminal (xterm)', async () => {
    const h = await start({
      terminal: 'xterm',
      setup: (core) => (core.contactList = [contact('bob')]),
    });
    h.core.receive('bob', 'hello');
    h.app.open('bob');
    await h.settle();
    const written = h.written();
    assert.match(written, /\d\d:\d\d(?: |\x1b\[1C)(?:\x1b\[[0-9;]*m)*bob/, 'the time was written');
    // Nothing on this screen is black: no mention, so no ESC[30m at all.
    assert.doesNotMatch(written, /\x1b\[(?:[0-9;]*;)?30(?:;[0-9;]*)?m/);
  });
});
