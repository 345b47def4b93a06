/**
 * The chat screen's input: typing, Tab completion, pastes, scrolling and the
 * slash commands, through the keys a terminal sends (harness.ts).
 */
import assert from 'node:assert/strict';
import { guessesPastes } from '../../../src/peer/ui/index.js';
import { contact, PINNED_SAFETY_NUMBER, peer } from './fake-core.js';
import { destroyAll, noticeText, screenText, start } from './harness.js';

describe('ui screen: keys, pastes and commands', () => {
  afterEach(destroyAll);

  it('opens a conversation with /msg and Tab completion, and sends with Enter', async () => {
    const h = await start({ setup: (core) => (core.onlineNow = [peer('bob'), peer('barbara')]) });
    await h.type('/msg bo');
    await h.type('\t');
    assert.match(h.rows()[22]!, /^> \/msg bob +$/);
    await h.type('\r');
    assert.match(h.rows()[22]!, /^bob> +$/);
    await h.type('hello bob');
    await h.type('\r');
    assert.deepEqual(h.core.sent, [{ to: 'bob', text: 'hello bob' }]);
    assert.match(screenText(h), /\d\d:\d\d alice: hello bob …/);
    h.core.setState(h.core.stored.get('@bob')![0]!.msgId, 'stored');
    await h.settle();
    assert.match(screenText(h), /alice: hello bob ✓ /);
    h.core.setState(h.core.stored.get('@bob')![0]!.msgId, 'delivered');
    await h.settle();
    assert.match(screenText(h), /alice: hello bob ✓✓/);
  });

  it('sends no spaces or tabs at the very end of a message (Tab completion leaves one), keeping those inside', async () => {
    const h = await start({ setup: (core) => (core.onlineNow = [peer('bob'), peer('carol')]) });
    h.app.open('bob');
    await h.settle();
    await h.type('hi @car');
    await h.type('\t');
    assert.equal(h.app.editor.text, 'hi @carol ', 'completion leaves a space');
    await h.type('\r');
    await h.type('\x1b[200~  a\tb  \n\tc \t\x1b[201~');
    await h.type('\r');
    await h.type('/msg bob spaced  ');
    await h.type('\r');
    assert.deepEqual(h.core.sent, [
      { to: 'bob', text: 'hi @carol' },
      { to: 'bob', text: '  a\tb  \n\tc' },
      { to: 'bob', text: 'spaced' },
    ]);
    // Only blanks is nothing to send, as ever.
    await h.type('   ');
    await h.type('\r');
    await h.type('/msg bob \t ');
    await h.type('\r');
    assert.equal(h.core.sent.length, 3);
  });

  it('takes a bracketed paste as one multi-line message, sent only on Enter', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('\x1b[200~line one\nline two\x1b[201~');
    assert.equal(h.core.sent.length, 0, 'the pasted newline did not send');
    assert.equal(h.app.editor.text, 'line one\nline two');
    assert.match(h.rows()[21]!, /^bob> line one/);
    assert.match(h.rows()[22]!, /^ {5}line two/);
    await h.type('\r');
    assert.deepEqual(h.core.sent, [{ to: 'bob', text: 'line one\nline two' }]);
  });

  it('sends a pasted text of several lines starting with / to the conversation on screen, as typed', async () => {
    const h = await start({ setup: (core) => (core.onlineNow = [peer('carol')]) });
    h.app.open('bob');
    await h.settle();
    await h.type('\x1b[200~/var/log/syslog shows:\nkernel: oops\x1b[201~');
    await h.type('\r');
    await h.type('\x1b[200~/msg carol\nhello there\x1b[201~');
    await h.type('\r');
    assert.deepEqual(h.core.sent, [
      { to: 'bob', text: '/var/log/syslog shows:\nkernel: oops' },
      { to: 'bob', text: '/msg carol\nhello there' },
    ]);
    assert.equal(h.app.editor.text, '');
    assert.match(h.rows()[22]!, /^bob> +$/, 'still in the conversation with bob');
    assert.doesNotMatch(noticeText(h), /unknown command/);
  });

  it('takes Alt-Enter as the terminal sends it (ESC CR, which blessed splits in two) as a new line', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('line one');
    await h.type('\x1b\r');
    await h.type('line two');
    assert.equal(h.core.sent.length, 0, 'Alt-Enter did not send');
    assert.equal(h.app.editor.text, 'line one\nline two');
    await h.type('a\x1b\rb\x1b\rc');
    assert.equal(h.app.editor.text, 'line one\nline twoa\nb\nc', 'two in one read');
    await h.type('\r');
    assert.deepEqual(h.core.sent, [{ to: 'bob', text: 'line one\nline twoa\nb\nc' }]);
  });

  it('sends each line of typing that arrives in one chunk, on a terminal that brackets pastes', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    // tmux send-keys, or a slow SSH link: two lines and their Enters in one read.
    await h.type('rep a\rrep b\r');
    assert.deepEqual(h.core.sent, [
      { to: 'bob', text: 'rep a' },
      { to: 'bob', text: 'rep b' },
    ]);
    assert.equal(h.app.editor.text, '');
  });

  it('takes a chunk with a line break inside as a paste where the terminal brackets none', async () => {
    const h = await start({ guessPastes: true });
    h.app.open('bob');
    await h.settle();
    await h.type('line one\nline two');
    assert.equal(h.core.sent.length, 0, 'the pasted newline did not send');
    assert.equal(h.app.editor.text, 'line one\nline two');
  });

  it('keeps the tabs of a bracketed paste in the message, drawn to tab stops, never raw', async () => {
    const h = await start({ setup: (core) => (core.onlineNow = [peer('bob')]) });
    h.app.open('bob');
    await h.settle();
    await h.type('\x1b[200~name\tqty\nkumquat\t3\x1b[201~');
    assert.equal(h.app.editor.text, 'name\tqty\nkumquat\t3', 'a pasted tab is not a Tab key');
    assert.match(h.rows()[21]!, /^bob> name {4}qty/);
    assert.match(h.rows()[22]!, /^ {5}kumquat 3/);
    await h.type('\r');
    assert.deepEqual(h.core.sent, [{ to: 'bob', text: 'name\tqty\nkumquat\t3' }]);
    assert.match(screenText(h), /alice: name {4}qty *\n[^\n]*│ {6}kumquat 3/);
    h.core.receive('bob', 'a\tb\x1b[2J');
    await h.settle();
    assert.match(screenText(h), /bob: a {7}b\[2J/);
    assert.ok(!h.written().includes('\t'), 'no raw tab reaches the terminal');
    // A Tab key still completes.
    await h.type('b');
    await h.type('\t');
    assert.equal(h.app.editor.text, 'bob ');
  });

  it('takes a chunk with a tab between text as a paste where the terminal brackets none; a Tab key still completes', async () => {
    const h = await start({ guessPastes: true, setup: (core) => (core.onlineNow = [peer('bob')]) });
    await h.type('/msg bo');
    await h.type('\t');
    assert.equal(h.app.editor.text, '/msg bob ', 'Tab alone completes');
    await h.type('\r');
    await h.type('b\t');
    assert.equal(h.app.editor.text, 'bob ', 'typing and Tab in one read complete too');
    h.app.editor.set('');
    await h.type('col1\tcol2');
    assert.equal(h.app.editor.text, 'col1\tcol2', 'a tab between text is pasted');
    await h.type('\r');
    assert.deepEqual(h.core.sent, [{ to: 'bob', text: 'col1\tcol2' }]);
  });

  it('guesses pastes only for terminals that do not bracket them', () => {
    for (const term of ['xterm-256color', 'tmux-256color', 'screen', 'rxvt-unicode', 'alacritty'])
      assert.equal(guessesPastes(term), false, term);
    for (const term of ['linux', 'vt100', 'dumb', ''])
      assert.equal(guessesPastes(term), true, term);
  });

  it('puts a paste back together across chunks, even inside a UTF-8 character', async () => {
    const h = await start();
    const bytes = Buffer.from('\x1b[200~héllo\nwörld 😀\x1b[201~');
    for (const cut of [
      [0, 8],
      [8, 9],
      [9, 17],
      [17, 24],
      [24, bytes.length],
    ]) {
      h.input.write(bytes.subarray(cut[0], cut[1]));
      await h.settle();
    }
    assert.equal(h.app.editor.text, 'héllo\nwörld 😀');
    await h.type('x');
    assert.equal(h.app.editor.text, 'héllo\nwörld 😀x', 'keys work again after the paste');
  });

  it('scrolls back with PageUp and returns with PageDown', async () => {
    const h = await start();
    for (let i = 0; i < 60; i++) h.core.receive('bob', `message ${i}`);
    await h.type('\x1b1');
    assert.match(screenText(h), /message 59/);
    await h.type('\x1b[5~'); // PageUp
    assert.doesNotMatch(screenText(h), /message 59/);
    assert.match(h.rows()[0]!, /↑ scrolled, PgDn/);
    await h.type('\x1b[5~\x1b[5~\x1b[5~');
    assert.match(screenText(h), /message 0\b/);
    await h.type('\x1b[6~\x1b[6~\x1b[6~\x1b[6~');
    assert.match(screenText(h), /message 59/);
  });

  it('says in the header how many messages came below while scrolled back, until PageDown reaches them', async () => {
    const h = await start();
    for (let i = 0; i < 60; i++) h.core.receive('bob', `message ${i}`);
    await h.type('\x1b1');
    await h.type('\x1b[5~'); // PageUp
    h.core.receive('bob', 'while you read back');
    h.core.receive('bob', 'and another');
    await h.settle();
    assert.match(h.rows()[0]!, /↓ 2 new, PgDn/);
    assert.doesNotMatch(screenText(h), /and another/, 'the view stayed where it was read');
    await h.type('\x1b[6~\x1b[6~\x1b[6~');
    assert.match(screenText(h), /and another/);
    assert.doesNotMatch(h.rows()[0]!, /new, PgDn|scrolled/);
    await h.type('\x1b[5~');
    assert.match(h.rows()[0]!, /↑ scrolled, PgDn/, 'counted again from nothing');
  });

  it('/verify shows the safety number and marks the contact verified on y', async () => {
    const h = await start({ setup: (core) => (core.contactList = [contact('bob')]) });
    await h.type('/verify bob\r');
    const text = screenText(h);
    assert.match(text, /Verify bob/);
    assert.match(text, /12345 67890 12345 67890/);
    assert.match(h.rows()[22]!, /^mark bob verified\? \(y\/n\)/);
    await h.type('y\r');
    assert.deepEqual(h.core.trusted, [{ name: 'bob', safetyNumber: PINNED_SAFETY_NUMBER }]);
    assert.match(noticeText(h), /bob is verified ✓/);
  });

  it('lists who is online, with /who', async () => {
    const h = await start({
      setup: (core) =>
        (core.onlineNow = [peer('bob', { statusText: 'coffee', address: '10.0.0.2' })]),
    });
    await h.type('/who\r');
    const text = screenText(h);
    assert.match(text, /Online: 1/);
    assert.match(text, /● bob\? {2}online {2}via lan 10\.0\.0\.2/);
    assert.match(text, /abcd-efgh-ijkl-mnop {2}“coffee”/);
    await h.type('\x1b');
    assert.doesNotMatch(screenText(h), /Online: 1/);
  });

  it('searches the local history with /search', async () => {
    const h = await start({
      setup: (core) => (core.contactList = [contact('bob'), contact('carol')]),
    });
    h.core.receive('bob', 'the launch code is banana');
    h.core.receive('carol', 'nothing here');
    await h.type('/search BANANA\r');
    assert.match(screenText(h), /Search “BANANA”: 1 found/);
    assert.match(screenText(h), /bob: the launch code is banana/);
  });
});
