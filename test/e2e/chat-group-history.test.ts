/**
 * A group's change lines survive a restart of `natter chat` (the group-log trial): the
 * creator's own, and a removal `natter inbox` took while no chat ran, with its time.
 * Two people in 80x24 tmux panes; skips, saying why, without tmux.
 */
import { hasTmux, TmuxChat } from './fixtures/tmux-chat.js';

describe('e2e: group changes in natter chat after a restart', function () {
  this.timeout(120_000);
  let t: TmuxChat | undefined;

  before(async function () {
    if (!hasTmux()) this.skip(); // tmux is not installed here: nothing can drive a terminal
    t = await TmuxChat.start(['alice', 'bob']);
  });

  after(async () => {
    await t?.close();
  });

  it('shows the changes again after Ctrl-C and natter chat, and one inbox took first', async () => {
    const w = t!;
    for (const who of ['alice', 'bob']) await w.chat(who);
    for (const who of ['alice', 'bob'])
      await w.until(who, (s) => /relay connected/.test(s), 'connected to the relay');
    await w.line('alice', '/group create ops bob');
    await w.until('alice', (s) => /\* you created the group/.test(s), 'created');
    await w.line('alice', '/rename crew');
    await w.until('alice', (s) => /\* you renamed the group to crew/.test(s), 'renamed');
    await w.until('bob', (s) => /^1 {3}#crew/m.test(s), 'bob has the group');

    await w.quit('alice');
    await w.chat('alice');
    await w.until(
      'alice',
      (s) =>
        /│ #crew · 2 members · admin/.test(s) &&
        /\d\d:\d\d \* you created the group/.test(s) &&
        /\d\d:\d\d \* you renamed the group to crew/.test(s),
      'the changes, read back from the history',
    );

    // bob is away; alice removes him; `natter inbox` tells him, then his chat shows it.
    await w.quit('bob');
    await w.line('alice', '/kick bob');
    await w.until('alice', (s) => /\* you removed bob/.test(s), 'the kick');
    // inbox takes the change (and tells it: test/integration/peer/cli-group-history.test.ts).
    await w.natter('bob', ['inbox']);
    await w.chat('bob');
    // The group is listed, not opened by itself (only the user changes what is on screen).
    await w.until('bob', (s) => /^1 {3}#crew/m.test(s), 'the group listed');
    await w.key('bob', 'M-1');
    await w.until(
      'bob',
      (s) =>
        /you are no longer a member/.test(s) &&
        /\d\d:\d\d \* alice created the group/.test(s) &&
        /\d\d:\d\d \* alice renamed the group to crew/.test(s) &&
        /\d\d:\d\d \* alice removed you/.test(s),
      'who removed him, and when',
    );
    for (const who of ['alice', 'bob']) await w.quit(who);
  });
});
