/**
 * Files in `natter chat` (issue 12), as a person tries them: in 80x24 tmux panes alice
 * sends a file with /send (the path completed by Tab from her home folder), bob sees the
 * offer line with its ID, /accept takes it, and he is told where it was saved; the copy
 * is exact. Skips, saying why, without tmux.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasTmux, TmuxChat } from './fixtures/tmux-chat.js';

/** A pane with wrapped lines joined: the conversation's rows after the sidebar, spaces collapsed. */
const flat = (screen: string) => screen.replace(/\s*\n[^│\n]*│\s*/g, ' ');

describe('e2e: files in natter chat, two people in tmux', function () {
  this.timeout(120_000);
  let t: TmuxChat | undefined;

  before(async function () {
    if (!hasTmux()) this.skip(); // tmux is not installed here: nothing can drive a terminal
    t = await TmuxChat.start(['alice', 'bob']);
  });

  after(async () => {
    await t?.close();
  });

  it('sends a file with /send, shows the offer, accepts it and says where it was saved', async () => {
    const w = t!;
    // Both panes have HOME = the test's folder: ~/report.txt is this file.
    const data = randomBytes(300_000);
    await writeFile(join(w.dir, 'report.txt'), data);
    for (const who of ['alice', 'bob']) await w.chat(who);
    for (const who of ['alice', 'bob'])
      await w.until(who, (s) => /relay connected/.test(s), 'connected to the relay');

    await w.line('alice', '/msg bob');
    // Typing on before the screen took the Enter would arrive as one chunk: a paste.
    await w.until('alice', (s) => /^bob> *$/m.test(s), 'the conversation open');
    await w.type('alice', '/send ~/rep');
    await w.key('alice', 'Tab');
    await w.until('alice', (s) => s.includes('bob> /send ~/report.txt'), 'the path completed');
    await w.key('alice', 'Enter');
    await w.until(
      'alice',
      (s) => /alice: sent a file: report\.txt \(293\.0 KiB\)/.test(s),
      'the offer in the history',
    );
    await w.until(
      'alice',
      (s) => /\* report\.txt is on the relay: bob can fetch it now/.test(s),
      'the upload done',
    );

    // bob: the offer reaches the notice line, and the line with the ID is in alice's chat.
    await w.until('bob', (s) => /alice offers report\.txt \(293\.0 KiB\)/.test(s), 'the offer');
    await w.line('bob', '/msg alice');
    await w.until('bob', (s) => /^alice> *$/m.test(s), 'the conversation open');
    const offer = await w.until(
      'bob',
      (s) => /\* alice offers report\.txt \(293\.0 KiB\) — \/accept [0-9a-f]{4}/.test(flat(s)),
      'the offer line with its ID',
    );
    assert.match(offer, /\/decline [0-9a-f]{4}/);
    await w.line('bob', '/accept');
    await w.until('bob', (s) => /^alice> *$/m.test(s), 'the line taken');
    await w.until(
      'bob',
      (s) =>
        /\* report\.txt \(293\.0 KiB\) from alice saved as \S*Downloads\/natter\/report\.txt/.test(
          flat(s),
        ),
      'where it was saved',
    );
    assert.deepEqual(await readFile(join(w.dir, 'Downloads', 'natter', 'report.txt')), data);
    // alice hears it: bob's client answered her, end to end.
    await w.until('alice', (s) => /\* bob received report\.txt/.test(s), "bob's answer at alice");

    await w.line('bob', '/files');
    await w.until('bob', (s) => /Files: 1 offered, 0 waiting/.test(s), 'the /files panel');
    for (const who of ['alice', 'bob']) await w.quit(who);
  });
});
