/**
 * The chat screen in-process: blessed on fake streams (an 80x24 "terminal"),
 * driven by a fake core emitting events, keys typed into the input stream.
 * Assertions are on blessed's screen buffer, as the terminal would show it, and
 * on the bytes written to the terminal.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ChatApp } from '../../../src/peer/ui/app.js';
import { BlessedTerminal } from '../../../src/peer/ui/screen.js';
import { DEFAULT_SETTINGS, type UiSettings } from '../../../src/peer/ui/settings.js';
import { conversationIdOf, displayWidth } from '../../../src/peer/ui/text.js';
import { ManualClock } from '../../../src/util/clock.js';
import { contact, FakeCore, peer } from './fake-core.js';
import { VirtualTerminal } from './vt.js';

type FakeTty = PassThrough & {
  isTTY: boolean;
  columns: number;
  rows: number;
  setRawMode?: () => void;
};

interface Harness {
  core: FakeCore;
  app: ChatApp;
  term: BlessedTerminal;
  clock: ManualClock;
  input: FakeTty;
  output: FakeTty;
  /** Everything written to the terminal so far. */
  written(): string;
  /** The screen as the terminal shows it, one string per row. */
  rows(): string[];
  type(text: string): Promise<void>;
  settle(): Promise<void>;
  resize(cols: number, rows: number): Promise<void>;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

const harnesses: Harness[] = [];

async function start(
  options: {
    cols?: number;
    rows?: number;
    settings?: Partial<UiSettings>;
    setup?: (core: FakeCore) => void;
  } = {},
): Promise<Harness> {
  const input = new PassThrough() as FakeTty;
  input.isTTY = true;
  input.setRawMode = () => undefined;
  const output = new PassThrough() as FakeTty;
  output.isTTY = true;
  output.columns = options.cols ?? 80;
  output.rows = options.rows ?? 24;
  let written = '';
  output.on('data', (d: Buffer) => {
    written += d.toString('utf8');
  });
  const core = new FakeCore();
  options.setup?.(core);
  const term = new BlessedTerminal({ input, output, terminal: 'xterm-256color' });
  const clock = new ManualClock(core.now);
  const app = new ChatApp(core, term, {
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
    clock,
  });
  const settle = async () => {
    await tick();
    await app.settled();
    await tick();
  };
  const h: Harness = {
    core,
    app,
    term,
    clock,
    input,
    output,
    written: () => written,
    rows: () => term.lines(),
    type: async (text) => {
      input.write(text);
      await settle();
    },
    settle,
    resize: async (cols, rows) => {
      output.columns = cols;
      output.rows = rows;
      output.emit('resize');
      await settle();
    },
  };
  harnesses.push(h);
  await app.start();
  await settle();
  return h;
}

const screenText = (h: Harness) => h.rows().join('\n');

describe('ui screen: blessed on fake streams, driven by a fake core', () => {
  afterEach(() => {
    for (const h of harnesses.splice(0)) h.term.destroy();
  });

  it('draws the whole 80x24 screen: online list, chats, conversation, input, status bar', async () => {
    const h = await start({
      setup: (core) => {
        core.onlineNow = [
          peer('bob', { source: 'both' }),
          peer('carol', { status: 'away', source: 'relay' }),
        ];
        core.contactList = [contact('bob', { verified: true }), contact('carol')];
      },
    });
    h.core.receive('bob', 'hello alice');
    h.app.open('bob');
    await h.settle();
    const rows = h.rows();
    assert.equal(rows.length, 24);
    for (const row of rows) assert.equal(displayWidth(row), 80, `row ${JSON.stringify(row)}`);
    assert.equal(rows[0], `${'Online 2'.padEnd(22)}│ bob ● online · verified ✓`.padEnd(80));
    assert.equal(rows[1], `● bob✓           both │`.padEnd(80));
    assert.equal(rows[2], `◐ carol?        relay │`.padEnd(80));
    assert.match(rows[4]!, /^Chats +│ +$/);
    assert.match(rows[5]!, /^1 ● bob✓ +│ +$/);
    assert.match(rows[20]!, /^ {22}│\d\d:\d\d bob: hello alice +$/);
    assert.match(rows[21]!, /^─{80}$/);
    assert.match(rows[22]!, /^bob> +$/);
    assert.match(rows[23]!, /^ alice ● online │ relay connected 127\.0\.0\.1:4747 +$/);
  });

  it('counts unread messages in the sidebar and rings the bell only for conversations not on screen', async () => {
    const h = await start({
      setup: (core) => (core.contactList = [contact('bob'), contact('carol')]),
    });
    h.app.open('bob');
    await h.settle();
    const bells = () => h.written().split('\x07').length - 1;
    const before = bells();
    h.core.receive('bob', 'on screen');
    await h.settle();
    assert.equal(bells(), before, 'no bell for the conversation being read');
    h.core.receive('carol', 'one');
    h.core.receive('carol', 'two');
    await h.settle();
    assert.equal(bells(), before + 2);
    const text = screenText(h);
    assert.match(text, /2 {3}carol\? +2 │/);
    assert.match(h.rows()[23]!, /│ 2 unread/);
    await h.type('\x1b2'); // Alt-2
    assert.doesNotMatch(screenText(h), /unread/);
    assert.match(h.rows()[0]!, /│ carol ○ offline/);
  });

  it('rings no bell and shows no desktop notification while busy', async () => {
    const h = await start({ settings: { desktopNotifications: 'osc9' } });
    h.core.receive('bob', 'first');
    await h.settle();
    assert.ok(h.written().includes('\x1b]9;bob: first\x07'));
    const before = h.written().length;
    await h.type('/status busy in a meeting\r');
    assert.deepEqual(h.core.statuses.at(-1), { status: 'busy', text: 'in a meeting' });
    h.core.receive('bob', 'second');
    await h.settle();
    const after = h.written().slice(before);
    assert.ok(!after.includes('\x07') && !after.includes(']9;'), 'silent while busy');
    assert.match(h.rows()[23]!, /alice ⊘ busy “in a meeting”/);
  });

  it('shows a hostile pseudonym and hostile text literally: no tags, no escapes, no bidi', async () => {
    const evil = '{bold}evil{/bold}';
    const h = await start({
      setup: (core) => (core.onlineNow = [peer(evil, { statusText: '{red-fg}hi\x1b[5m' })]),
    });
    h.core.receive(evil, '\x1b]2;pwned-title\x07{red-fg}red?{/red-fg} \u202eolleh \x1b[2J');
    await h.type('\x1b1');
    const rows = h.rows();
    assert.match(
      rows[1]!,
      /^● \{bold\}evil\{\/b…\? lan │/,
      'the name in the online list, as typed',
    );
    assert.match(rows[0]!, /│ \{bold\}evil\{\/bold\} ● online “\{red-fg\}hi\[5m”/);
    assert.match(
      rows[19]!,
      /│\d\d:\d\d \{bold\}evil\{\/bold\}: \]2;pwned-title\{red-fg\}red\?\{\/red-$/,
    );
    assert.match(rows[20]!, /│ {6}fg\} olleh \[2J +$/);
    assert.ok(!h.written().includes('\x1b]2;pwned'), 'the OSC never reached the terminal');
    assert.ok(!h.written().includes('\u202e'));
    assert.ok(!/\x1b\[5m/.test(h.written()), 'no blink from the status text');
  });

  it('keeps the layout with wide characters and emoji in names and messages', async () => {
    const wide = '世界😀👍🏽名前';
    const h = await start({ setup: (core) => (core.onlineNow = [peer(wide), peer('bob')]) });
    h.core.receive(wide, `${'日本語のテキスト😀'.repeat(6)} end`);
    h.core.receive('bob', 'e\u0301\u0301\u0301 combining');
    await h.type('\x1b1');
    for (const row of h.rows()) {
      assert.equal(displayWidth(row), 80, `row ${JSON.stringify(row)}`);
    }
    for (const row of h.rows().slice(0, 21)) {
      const at = row.indexOf('│');
      assert.equal(displayWidth(row.slice(0, at)), 22, `divider in ${JSON.stringify(row)}`);
    }
    assert.ok(screenText(h).includes('日本語のテキスト😀'));
  });

  it('writes bytes that draw the same picture as its buffer, wide characters included', async () => {
    const h = await start({ setup: (core) => (core.onlineNow = [peer('世界😀'), peer('bob')]) });
    const vt = new VirtualTerminal(80, 24);
    const check = async (what: string) => {
      await h.settle();
      await tick();
      vt.write(h.written().slice(fed));
      fed = h.written().length;
      assert.deepEqual(vt.lines(), h.rows(), what);
    };
    let fed = 0;
    await check('first draw');
    h.core.receive('世界😀', '日本語 😀👍🏽 text');
    await check('a message in another conversation');
    await h.type('\x1b1');
    await check('switched to it');
    h.core.receive('世界😀', 'more 中文 here, and then some ASCII after it');
    h.core.receive('bob', 'plain');
    await check('an incremental update under wide characters');
    for (const t of ['世a1', '界b2', '中c3', 'z4']) {
      h.core.receive('世界😀', t);
      await check(`lines moving up under wide characters: ${t}`);
    }
    await h.type('ab世c');
    await check('typing wide characters');
    await h.type('\x7f\x7f');
    await check('deleting them');
    await h.type('\x1b2');
    await check('switching to an ASCII conversation over wide cells');
  });

  it('re-lays out on resize', async () => {
    const h = await start({ setup: (core) => (core.onlineNow = [peer('bob')]) });
    await h.resize(100, 30);
    assert.equal(h.rows().length, 30);
    assert.equal(displayWidth(h.rows()[29]!), 100);
    assert.match(h.rows()[29]!, /^ alice ● online/);
    assert.match(h.rows()[27]!, /^─{100}$/);
    await h.resize(80, 24);
    assert.equal(h.rows().length, 24);
    assert.match(h.rows()[23]!, /^ alice ● online/);
  });

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
    h.core.setState(h.core.history.get('@bob')![0]!.msgId, 'stored');
    await h.settle();
    assert.match(screenText(h), /alice: hello bob ✓ /);
    h.core.setState(h.core.history.get('@bob')![0]!.msgId, 'delivered');
    await h.settle();
    assert.match(screenText(h), /alice: hello bob ✓✓/);
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

  it('/verify shows the safety number and marks the contact verified on y', async () => {
    const h = await start({ setup: (core) => (core.contactList = [contact('bob')]) });
    await h.type('/verify bob\r');
    const text = screenText(h);
    assert.match(text, /Verify bob/);
    assert.match(text, /12345 67890 12345 67890/);
    assert.match(h.rows()[22]!, /^mark bob verified\? \(y\/n\)/);
    await h.type('y\r');
    assert.deepEqual(h.core.trusted, ['bob']);
    assert.match(h.rows()[21]!, /bob is verified ✓/);
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

  it('follows peers joining and leaving, with a note in their conversation', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    h.core.emit('roster:change', { type: 'join', peer: peer('bob') });
    await h.settle();
    assert.match(h.rows()[1]!, /^● bob\? +lan │/);
    h.core.emit('roster:change', { type: 'leave', peer: peer('bob'), reason: 'bye' });
    await h.settle();
    assert.match(h.rows()[1]!, /^ {2}nobody yet/);
    assert.match(screenText(h), /\* bob left/);
  });

  it('goes away after the idle time and comes back online on a key', async () => {
    const h = await start({ settings: { autoAwayMinutes: 5 } });
    h.clock.advance(5 * 60_000 - 1);
    assert.deepEqual(h.core.statuses, []);
    h.clock.advance(1);
    await h.settle();
    assert.deepEqual(h.core.statuses, [{ status: 'away', text: '' }]);
    assert.match(h.rows()[23]!, /alice ◐ away \(idle\)/);
    await h.type('x');
    assert.deepEqual(h.core.statuses.at(-1), { status: 'online', text: '' });
    assert.match(h.rows()[23]!, /alice ● online/);
  });

  it('shows a status set from another terminal (natter status) in the status bar', async () => {
    const h = await start();
    h.core.emit('presence:self', { status: 'busy', statusText: 'in a call' });
    await h.settle();
    assert.match(h.rows()[23]!, /alice ⊘ busy “in a call”/);
  });

  it('warns in the conversation, and in the notice line, when a message arrived damaged or forged', async () => {
    const h = await start();
    h.core.receive('bob', 'an intact one');
    h.app.open('bob');
    await h.settle();
    h.core.damage('bob');
    await h.settle();
    const text = screenText(h);
    assert.match(text, /\* a message claimed to be from bob arrived damaged/);
    assert.match(text, /or forged and was dropped: open-failed/);
    assert.match(text, /\(E_MESSAGE_DAMAGED\)/);
    assert.match(h.rows()[21]!, /^─ a message claimed to be from bob arrived damaged or forged/);
    assert.deepEqual(h.core.damagedReports, [], 'taken, so natter inbox does not repeat it');
  });

  it('shows damaged deliveries another command dropped, in a conversation of their own, with the name sanitised', async () => {
    const h = await start({
      setup: (core) => {
        core.damage('carol');
        core.damage('m\x1b[31mallory', 'misrouted');
      },
    });
    assert.deepEqual(h.core.damagedReports, []);
    assert.match(screenText(h), /^\d +carol\? +│/m);
    h.app.open('carol');
    await h.settle();
    assert.match(screenText(h), /\* a message claimed to be from carol arrived/);
    h.app.open('m\x1b[31mallory');
    await h.settle();
    assert.match(screenText(h), /claimed to be from m\[31mallory arrived damaged/);
    assert.match(screenText(h), /dropped: misrouted/);
    assert.ok(!h.written().includes('\x1b[31mallory'), 'no escape from the claimed name');
  });

  it('tells at once that the relay refused a message for now, once per cause', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('hello bob\r');
    const refused = {
      msgId: 'out1',
      conversation: conversationIdOf('bob'),
      refusal: 'disk-full',
      code: 'E_RELAY_DISK_FULL',
      message: 'relay disk is full',
      attempts: 1,
      retryAtMs: h.core.now + 1_000,
    } as const;
    h.core.emit('message:refused', refused);
    h.core.emit('message:refused', { ...refused, attempts: 2 });
    await h.settle();
    const text = screenText(h);
    assert.match(h.rows()[21]!, /^─ the relay refused a message for now: relay disk is full/);
    assert.equal(text.match(/refused a message for now/g)?.length, 2, 'one note, one notice');
    assert.match(text, /\(E_RELAY_DISK_FULL\)/);
    assert.match(text, /stays queued/);
  });

  it('logs out on Ctrl-C', async () => {
    const h = await start();
    await h.type('\x03');
    await h.app.done;
    assert.equal(h.core.loggedOut, true);
  });
});
