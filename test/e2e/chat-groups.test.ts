/**
 * Groups in `natter chat`, as issue 11's "done when" tries them: three people in
 * 80x24 tmux panes create a group with /group create, talk (a mention badge), one
 * goes offline and reads the backlog on return, one is kicked and sees nothing
 * afterwards, a rename shows for everyone left. Skips, saying why, without tmux.
 */
import assert from 'node:assert/strict';
import { hasTmux, sleep, TmuxChat } from './fixtures/tmux-chat.js';

describe('e2e: groups in natter chat, three people in tmux', function () {
  this.timeout(120_000);
  let t: TmuxChat | undefined;

  before(async function () {
    if (!hasTmux()) this.skip(); // tmux is not installed here: nothing can drive a terminal
    t = await TmuxChat.start(['alice', 'bob', 'carol']);
  });

  after(async () => {
    await t?.close();
  });

  it('creates a group, talks, catches up after being away, kicks and renames', async () => {
    const w = t!;
    for (const who of ['alice', 'bob', 'carol']) await w.chat(who);
    for (const who of ['alice', 'bob', 'carol'])
      await w.until(who, (s) => /relay connected/.test(s), 'connected to the relay');

    // alice creates the group; everyone gets it in the sidebar.
    await w.line('alice', '/group create team bob carol');
    await w.until(
      'alice',
      (s) => /│ #team · 3 members · admin/.test(s) && /\* you created the group/.test(s),
      'the group is open',
    );
    for (const who of ['bob', 'carol'])
      await w.until(who, (s) => /^1 {3}#team/m.test(s), 'the group in the sidebar');

    // alice talks: bob has an unread badge, opens the group and answers with a mention.
    await w.line('alice', 'hello team');
    await w.until('bob', (s) => /^1 {3}#team +1 │/m.test(s), 'an unread badge');
    await w.key('bob', 'M-1');
    await w.until('bob', (s) => /\d\d:\d\d alice: hello team/.test(s), 'the message');
    await w.type('bob', 'hi @c');
    await w.key('bob', 'Tab');
    await w.until('bob', (s) => s.includes('#team> hi @carol'), 'a member completed');
    await w.key('bob', 'Enter');
    await w.until('carol', (s) => /^1 {3}#team +@2 │/m.test(s), 'a mention badge');
    await w.until('alice', (s) => /\d\d:\d\d bob: hi @carol/.test(s), 'the answer');

    // carol goes away; alice writes; carol comes back to the backlog.
    await w.quit('carol');
    await w.line('alice', 'while you were out');
    await w.until('alice', (s) => /alice: while you were out ✓/.test(s), 'stored on the relay');
    await w.chat('carol');
    // The first conversation opens at start: the group, with what came meanwhile.
    await w.until(
      'carol',
      (s) => /│ #team · 3 members/.test(s) && /\d\d:\d\d alice: while you were out/.test(s),
      'the backlog',
    );

    // alice kicks bob (the name completed from the members): he sees it, then nothing.
    await w.type('alice', '/kick b');
    await w.key('alice', 'Tab');
    await w.until('alice', (s) => s.includes('#team> /kick bob'), 'a member completed');
    await w.key('alice', 'Enter');
    await w.until('alice', (s) => /\* you removed bob/.test(s), 'the kick');
    await w.until('bob', (s) => /\* alice removed you/.test(s), 'bob is told');
    await w.until('carol', (s) => /\* alice removed bob/.test(s), 'carol is told');
    await w.line('alice', 'bob cannot read this');
    await w.until('carol', (s) => /alice: bob cannot read this/.test(s), 'carol reads it');

    // A rename shows for everyone still in the group.
    await w.line('alice', '/rename ops');
    await w.until('alice', (s) => /\* you renamed the group to ops/.test(s), 'renamed');
    await w.until(
      'carol',
      (s) => /\* alice renamed the group to ops/.test(s) && /│ #ops · 2 members/.test(s),
      'carol sees the rename',
    );
    await sleep(500);
    const bob = await w.screen('bob');
    assert.doesNotMatch(bob, /bob cannot read this/);
    assert.doesNotMatch(bob, /renamed the group/);
    assert.match(bob, /you are no longer a member/);

    for (const who of ['alice', 'bob', 'carol']) await w.quit(who);
  });
});
