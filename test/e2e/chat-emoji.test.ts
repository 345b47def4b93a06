/**
 * Emoji sequences on a real terminal (tmux, which draws a flag's regional indicators one
 * column each and a skin tone two columns of its own): a QA trial's flag left stray
 * characters after later lines (`13:03 alice: plainC 1      n`), and a family showed as
 * three people. And Alt-Enter as tmux sends it (ESC CR) adds a line. Skips without tmux.
 */
import assert from 'node:assert/strict';
import { hasTmux, TmuxChat } from './fixtures/tmux-chat.js';

const FAMILY = '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}';
/** Sequences tmux 3.3a draws wider than two columns (four, four, six): once cut by what followed. */
const TONE = '\u{1f44d}\u{1f3fd}';
const TECHIE = '\u{1f469}\u{1f3fd}\u200d\u{1f4bb}';
const HANDSHAKE = '\u{1faf1}\u{1f3fb}\u200d\u{1faf2}\u{1f3ff}';
/** Over the 21 bytes tmux keeps of a cell: it dropped the boy, and the kiss's man. */
const FAMILY_OF_FOUR = '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}\u200d\u{1f466}';
const KISS = '\u{1f469}\u200d\u2764\ufe0f\u200d\u{1f48b}\u200d\u{1f468}';

describe('e2e: natter chat draws emoji sequences where it counted them', function () {
  this.timeout(60_000);
  let t: TmuxChat | undefined;

  before(async function () {
    if (!hasTmux()) this.skip(); // tmux is not installed here: nothing can drive a terminal
    t = await TmuxChat.start(['alice', 'carol']);
  });

  after(async () => {
    await t?.close();
  });

  it('leaves no stray characters after a flag, a heart, a skin tone or a family, keeps the family one, and cuts no sequence wider than two columns', async () => {
    const w = t!;
    await w.natter('alice', ['send', '--to', 'carol', 'hello']);
    await w.chat('carol');
    await w.until('carol', (s) => /relay connected/.test(s), 'connected to the relay');
    // Alt-1 opens the first chat in the list: only once alice's message has put it there.
    await w.until('carol', (s) => /^1\s+alice/m.test(s), "alice's chat in the list");
    await w.key('carol', 'M-1');
    await w.until('carol', (s) => /alice: hello/.test(s), "alice's conversation on screen");
    // The trial's order: the flag, then plain lines under it.
    for (const text of [
      'flag only \u{1f1e9}\u{1f1ea} end',
      'plainA 1',
      'plainB 1',
      'plainC 1',
      'plainD 1',
      'heart \u2764\ufe0f end',
      `tone ${TONE} end`,
      `family ${FAMILY} end`,
      `techie ${TECHIE} end`,
      `hands ${HANDSHAKE} end`,
      `four ${FAMILY_OF_FOUR} end`,
      `kiss ${KISS} end`,
      'plainE 1',
    ])
      await w.natter('alice', ['send', '--to', 'carol', text]);
    const screen = await w.until('carol', (s) => /plainE 1/.test(s), 'the last message');
    for (const p of ['plainA', 'plainB', 'plainC', 'plainD', 'plainE'])
      assert.match(screen, new RegExp(`alice: ${p} 1 *\\n`), `${p}: nothing after it`);
    for (const what of ['only', 'heart', 'tone', 'family', 'techie', 'hands', 'four', 'kiss'])
      assert.match(screen, new RegExp(`alice: (flag )?${what} \\S+ +end *\\n`), what);
    assert.ok(screen.includes(FAMILY), 'the family is drawn joined');
    for (const [what, s] of [
      ['the skin tone', TONE],
      ['the technologist', TECHIE],
      ['the handshake', HANDSHAKE],
    ])
      assert.ok(screen.includes(` ${s} `), `${what} is drawn whole, nothing after it cuts it`);
    for (const [what, s] of [
      ['the family of four', FAMILY_OF_FOUR],
      ['the kiss', KISS],
    ] as const)
      assert.ok(screen.includes(` ${s.replaceAll('\u200d', '')} `), `${what}: every picture drawn`);

    await w.type('carol', 'line one');
    await w.key('carol', 'M-Enter');
    await w.type('carol', 'line two');
    const typed = await w.until('carol', (s) => /line two/.test(s), 'the second line typed');
    assert.match(typed, /alice> line one\n +line two/, 'Alt-Enter started a new line');
    await w.quit('carol');
  });
});
