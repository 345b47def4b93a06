import assert from 'node:assert/strict';
import { directConversation, type HistoryEntry } from '../../../src/peer/index.js';
import { conversationLines, dayLabel, wrapSpans } from '../../../src/peer/ui/conversation.js';
import { Grid } from '../../../src/peer/ui/grid.js';
import { LineEditor } from '../../../src/peer/ui/input.js';
import { computeLayout } from '../../../src/peer/ui/layout.js';
import { desktopNotification, notificationFor } from '../../../src/peer/ui/notify.js';
import { DEFAULT_SETTINGS, parseSettings } from '../../../src/peer/ui/settings.js';
import { ChatState } from '../../../src/peer/ui/state.js';
import { displayWidth } from '../../../src/peer/ui/text.js';
import { paintScreen } from '../../../src/peer/ui/view.js';

const text = (line: { text: string }[]) => line.map((s) => s.text).join('');

describe('ui grid: cells as the terminal shows them', () => {
  it('puts a wide character in two cells, and a space where half of one would not fit', () => {
    const g = new Grid(5, 1);
    assert.equal(g.write(0, 0, 'a世b', 'default'), 4);
    assert.equal(g.line(0), 'a世b ');
    assert.equal(g.cells[0]![1]!.wide, true);
    assert.equal(g.cells[0]![2]!.cont, true);
    const h = new Grid(3, 1);
    h.write(0, 0, 'ab世', 'default');
    assert.equal(h.line(0), 'ab ', 'no half character at the edge');
  });

  it('never leaves half of a wide character when something is drawn over it', () => {
    const g = new Grid(4, 1);
    g.write(0, 0, '世界', 'default');
    g.write(1, 0, 'x', 'default');
    assert.equal(g.line(0), ' x界');
    g.write(2, 0, 'y', 'default');
    assert.equal(g.line(0), ' xy ');
  });

  it('shows a control character that slipped through as ?', () => {
    const g = new Grid(3, 1);
    g.write(0, 0, 'a\x1bb', 'default');
    assert.ok(!g.line(0).includes('\x1b'));
  });
});

describe('ui layout', () => {
  it('fits 80x24: sidebar, header, body, notice, input and status bar', () => {
    const l = computeLayout(80, 24);
    assert.deepEqual(l.sidebar, { x: 0, y: 0, w: 22, h: 21 });
    assert.deepEqual(l.divider, { x: 22, y: 0, w: 1, h: 21 });
    assert.deepEqual(l.header, { x: 23, y: 0, w: 57, h: 1 });
    assert.deepEqual(l.body, { x: 23, y: 1, w: 57, h: 20 });
    assert.deepEqual([l.notice.y, l.input.y, l.input.h, l.status.y], [21, 22, 1, 23]);
  });

  it('grows the input for multi-line text, up to a limit, and drops the sidebar when narrow', () => {
    const l = computeLayout(80, 24, { inputRows: 3 });
    assert.deepEqual([l.input.y, l.input.h, l.body.h], [20, 3, 18]);
    assert.equal(computeLayout(80, 24, { inputRows: 50 }).input.h, 5);
    const narrow = computeLayout(40, 10);
    assert.equal(narrow.sidebar, null);
    assert.equal(narrow.body.w, 40);
  });
});

const entry = (over: Partial<HistoryEntry>): HistoryEntry => ({
  conversation: directConversation('bob'),
  direction: 'in',
  msgId: 'm',
  peer: { pseudonym: 'bob', userId: 'b' },
  text: 'hi',
  sentAtMs: new Date(2025, 2, 4, 9, 5).getTime(),
  receivedAtMs: new Date(2025, 2, 4, 9, 5).getTime(),
  ...over,
});

describe('ui conversation: history as display lines', () => {
  it('separates days, shows times, and wraps under the text', () => {
    const day2 = new Date(2025, 2, 5, 10, 0).getTime();
    const lines = conversationLines(
      [
        entry({ text: 'first message that is long enough to wrap around' }),
        entry({ msgId: 'n', sentAtMs: day2, receivedAtMs: day2, text: 'next day' }),
      ],
      [],
      { me: 'alice', width: 30 },
    ).map(text);
    assert.match(lines[0]!, /^─+ Tue 4 Mar 2025 ─+$/);
    assert.equal(displayWidth(lines[0]!), 30);
    assert.equal(lines[1], '09:05 bob: first message that');
    assert.equal(lines[2], '      is long enough to wrap');
    assert.equal(lines[3], '      around');
    assert.equal(lines[4], `─────── ${dayLabel(day2)} ───────`);
    assert.equal(lines[5], '10:00 bob: next day');
  });

  it('shows when a message that arrived over a minute late was sent, with the day when another', () => {
    const at = (d: number, h: number, m: number, s = 0) => new Date(2025, 2, d, h, m, s).getTime();
    const head = (over: Partial<HistoryEntry>) =>
      text(conversationLines([entry(over)], [], { me: 'alice', width: 60 })[1]!);
    assert.equal(head({ sentAtMs: at(4, 9, 4), receivedAtMs: at(4, 9, 5) }), '09:05 bob: hi');
    assert.equal(
      head({ sentAtMs: at(4, 9, 3, 59), receivedAtMs: at(4, 9, 5) }),
      '09:05 (sent 09:03) bob: hi',
    );
    assert.equal(
      head({ sentAtMs: at(3, 23, 58), receivedAtMs: at(4, 9, 5) }),
      '09:05 (sent Mon 3 Mar 23:58) bob: hi',
    );
    assert.equal(
      head({ sentAtMs: new Date(2024, 11, 31, 23, 0).getTime(), receivedAtMs: at(4, 9, 5) }),
      '09:05 (sent Tue 31 Dec 2024 23:00) bob: hi',
    );
    assert.equal(
      head({ direction: 'out', sentAtMs: at(4, 8, 0), receivedAtMs: at(4, 9, 5), state: 'stored' }),
      '08:00 alice: hi ✓',
      'my own messages: their time is when I sent them',
    );
    const [, line] = conversationLines(
      [entry({ sentAtMs: at(4, 9, 0), receivedAtMs: at(4, 9, 5) })],
      [],
      { me: 'alice', width: 60 },
    );
    assert.deepEqual(line![0], { text: '09:05 (sent 09:00) ', style: 'dim' });
  });

  it('marks own messages with their delivery state: queued, stored, delivered, held, failed', () => {
    const marks = (['queued', 'stored', 'delivered', 'held', 'failed'] as const).map((state) => {
      const [, line] = conversationLines(
        [entry({ direction: 'out', state, text: 'x', reason: 'quota' })],
        [],
        { me: 'alice', width: 60 },
      );
      assert.equal(line?.[1]?.style, 'own');
      return text(line!).slice('09:05 alice: x '.length);
    });
    assert.deepEqual(marks, ['…', '✓', '✓✓', '! held: their key changed', '✗ not sent: refused']);
  });

  it('highlights mentions of the user in incoming messages', () => {
    const [, line] = conversationLines([entry({ text: 'hey Alice, look' })], [], {
      me: 'alice',
      width: 60,
    });
    const mention = line!.find((s) => s.style === 'mention');
    assert.equal(mention?.text, 'Alice');
  });

  it('shows hostile text literally and without escapes', () => {
    const hostile = entry({
      peer: { pseudonym: '{bold}evil{/bold}', userId: 'e' },
      text: '\x1b[2J{red-fg}x{/red-fg}\u202eabc',
    });
    const [, line] = conversationLines([hostile], [], { me: 'alice', width: 70 });
    assert.equal(text(line!), '09:05 {bold}evil{/bold}: [2J{red-fg}x{/red-fg}abc');
  });

  it('interleaves the screen’s notes by time', () => {
    const lines = conversationLines(
      [entry({})],
      [{ atMs: new Date(2025, 2, 4, 9, 6).getTime(), text: 'bob left', kind: 'info' }],
      { me: 'alice', width: 40 },
    ).map(text);
    assert.deepEqual(lines.slice(1), ['09:05 bob: hi', '09:06 * bob left']);
  });

  it('wraps styled panel lines keeping the styles', () => {
    const out = wrapSpans(
      [
        { text: 'aaaa ', style: 'bold' },
        { text: 'bbbb cccc', style: 'dim' },
      ],
      9,
      2,
    );
    assert.deepEqual(out.map(text), ['aaaa bbbb', '  cccc']);
    assert.equal(out[1]![1]!.style, 'dim');
  });
});

describe('ui notifications', () => {
  const settings = { bell: true, desktop: 'osc9' as const };

  it('rings for conversations not on screen, never while busy', () => {
    assert.deepEqual(notificationFor({ onScreen: false }, 'online', settings), {
      bell: true,
      desktop: true,
    });
    assert.deepEqual(notificationFor({ onScreen: true }, 'online', settings), {
      bell: false,
      desktop: false,
    });
    assert.deepEqual(notificationFor({ onScreen: false }, 'busy', settings), {
      bell: false,
      desktop: false,
    });
    assert.deepEqual(
      notificationFor({ onScreen: false }, 'away', { bell: false, desktop: 'off' }),
      {
        bell: false,
        desktop: false,
      },
    );
  });

  it('builds OSC 9 and OSC 777 that peer text cannot end early', () => {
    const nine = desktopNotification('osc9', 'bob\x07', 'hi\x1b]9;forged\x07there');
    assert.equal(nine, '\x1b]9;bob: hi]9;forgedthere\x07');
    const seven = desktopNotification('osc777', 'a;b', 'x;y');
    assert.equal(seven, '\x1b]777;notify;natter: a,b;x;y\x07');
  });
});

describe('ui settings (ui.json and flags)', () => {
  it('uses the documented defaults', () => {
    assert.deepEqual(parseSettings(undefined).settings, DEFAULT_SETTINGS);
    assert.deepEqual(DEFAULT_SETTINGS, {
      autoAwayMinutes: 5,
      bell: true,
      desktopNotifications: 'off',
      sidebarWidth: 22,
      historyPageSize: 200,
    });
  });

  it('takes valid values and reports, then ignores, bad ones', () => {
    const r = parseSettings({
      autoAwayMinutes: 0,
      bell: 'yes',
      desktopNotifications: 'osc777',
      colour: 1,
    });
    assert.equal(r.settings.autoAwayMinutes, 0);
    assert.equal(r.settings.bell, true);
    assert.equal(r.settings.desktopNotifications, 'osc777');
    assert.deepEqual(r.problems, [
      'ui settings: bell must be true or false',
      'ui settings: unknown key "colour"',
    ]);
    assert.deepEqual(parseSettings([1]).problems, ['ui settings: expected a JSON object']);
  });
});

describe('ui view: any terminal size', () => {
  it('paints every size from 1x1 to 120x40 without throwing, each row exactly as wide', () => {
    const state = new ChatState({ pseudonym: '世界😀name', fingerprint: 'f' });
    state.setOnline([
      {
        pseudonym: 'bob',
        userId: 'b',
        fingerprint: 'f',
        status: 'busy',
        statusText: 'x',
        source: 'both',
        keyChanged: true,
        verified: false,
      },
    ]);
    state.activate(state.ensure('bob').id);
    state.received({
      conversation: directConversation('bob'),
      from: { pseudonym: 'bob', userId: 'b', fingerprint: 'f' },
      text: 'x',
      sentAtMs: 0,
      receivedAtMs: 0,
      msgId: 'm',
    });
    state.notice = { text: 'a notice with 世界', kind: 'warn' };
    const editor = new LineEditor();
    editor.insert('typing 世界😀 and more\nsecond line');
    const lines = [[{ text: '日本語 text 😀', style: 'default' as const }]];
    for (let cols = 1; cols <= 120; cols += 7) {
      for (let rows = 1; rows <= 40; rows += 3) {
        const out = paintScreen(cols, rows, { state, lines, scroll: 0, editor, prompt: 'bob> ' });
        assert.equal(out.grid.rows, rows);
        for (let y = 0; y < rows; y++)
          assert.equal(displayWidth(out.grid.line(y)), cols, `${cols}x${rows} row ${y}`);
        assert.ok(
          out.cursor.x >= 0 && out.cursor.x < cols && out.cursor.y >= 0 && out.cursor.y < rows,
        );
      }
    }
  });
});
