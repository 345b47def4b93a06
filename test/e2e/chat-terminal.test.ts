/**
 * What `natter chat` does to the terminal itself, in tmux as a person runs it: dim text
 * (times, separators) in gray on tmux-256color, which blessed's terminfo reads as 8
 * colours (a trial saw it drawn black, invisible on a dark terminal), and a quit that
 * leaves the terminal as it was, with no `connecting…` behind. Skips without tmux.
 */
import assert from 'node:assert/strict';
import { hasTmux, TmuxChat } from './fixtures/tmux-chat.js';

/** An SGR sequence setting the foreground to black (30), alone or among others. */
const BLACK_FG = /\x1b\[(?:[0-9;]*;)?30(?:;[0-9;]*)?m/;

describe('e2e: natter chat and the terminal it runs in', function () {
  this.timeout(60_000);
  let t: TmuxChat | undefined;

  before(async function () {
    if (!hasTmux()) this.skip(); // tmux is not installed here: nothing can drive a terminal
    t = await TmuxChat.start(['alice']);
    // The pane's $TERM, whatever this tmux's default.
    await t.tmux('set-option', '-g', 'default-terminal', 'tmux-256color');
  });

  after(async () => {
    await t?.close();
  });

  it('draws dim text gray on tmux-256color, and leaves no status line behind on quit', async () => {
    const w = t!;
    await w.chat('alice');
    await w.until('alice', (s) => /relay connected/.test(s), 'connected to the relay');
    const colours = await w.tmux('capture-pane', '-p', '-e', '-t', 'alice');
    assert.match(colours, /\x1b\[(?:[0-9;]*;)?90(?:;[0-9;]*)?m/, 'gray is drawn');
    assert.doesNotMatch(colours, BLACK_FG, 'nothing is black');

    await w.key('alice', 'C-c');
    const after = await w.until(
      'alice',
      (s) => s.includes('natter chat exited with status 0'),
      'a clean exit',
    );
    assert.doesNotMatch(after, /connecting|registering/);
    const lines = after.split('\n').filter((l) => l.trim() !== '');
    assert.deepEqual(lines, ['natter chat exited with status 0'], 'nothing but the shell');
  });
});
