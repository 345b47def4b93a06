/**
 * The chat screen drawn: blessed on fake streams (harness.ts), driven by a fake
 * core. Layout, unread counts and notifications, hostile and wide text, the
 * bytes on the wire, resizing.
 */
import assert from 'node:assert/strict';
import { displayWidth } from '../../../src/peer/ui/text.js';
import { unitsOf } from '../../../src/util/text-width.js';
import { contact, peer } from './fake-core.js';
import { destroyAll, screenText, start, tick } from './harness.js';
import { VirtualTerminal } from './vt.js';

describe('ui screen: blessed on fake streams, driven by a fake core', () => {
  afterEach(destroyAll);

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
    assert.match(text, /^Chats · 2 unread +│/m, 'the heading says what its number counts');
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
    const vt = new VirtualTerminal(80, 24, 'xterm');
    const joined = new VirtualTerminal(80, 24, 'joined');
    const check = async (what: string) => {
      await h.settle();
      await tick();
      vt.write(h.written().slice(fed));
      joined.write(h.written().slice(fed));
      fed = h.written().length;
      assert.deepEqual(vt.lines(), h.rows(), what);
      assert.deepEqual(joined.lines(), h.rows().map(joinedPicture), `${what}, joined`);
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

  for (const drawing of ['tmux', 'xterm'] as const)
    it(`draws every emoji sequence whole where ${drawing} draws it wider or narrower than two columns, with no stray characters`, async () => {
      const h = await start({
        setup: (core) => (core.onlineNow = [peer('bob')]),
        tmux: drawing === 'tmux',
      });
      const vt = new VirtualTerminal(80, 24, drawing);
      const sequences = [
        '\u{1f1e9}\u{1f1ea}',
        '\u2764\ufe0f',
        '\u{1f44d}\u{1f3fd}',
        '1\ufe0f\u20e3',
        '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}',
        '\u{1f469}\u{1f3fd}\u200d\u{1f4bb}',
        '\u{1faf1}\u{1f3fb}\u200d\u{1faf2}\u{1f3ff}',
        // Over the 21 bytes tmux keeps of a cell: drawn there as its pictures, none dropped.
        '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}\u200d\u{1f466}',
        '\u{1f469}\u200d\u2764\ufe0f\u200d\u{1f48b}\u200d\u{1f468}',
      ];
      // What the screen sends inside tmux for those: the pictures, unjoined.
      const shown = (q: string) =>
        drawing === 'tmux' && new TextEncoder().encode(q).length > 21
          ? q.replaceAll('\u200d', '')
          : q;
      h.core.receive('bob', 'hello');
      await h.type('\x1b1');
      for (const s of sequences) h.core.receive('bob', `only ${s} end`);
      for (const p of ['plainA 1', 'plainB 1', 'plainC 1', 'plainD 1']) h.core.receive('bob', p);
      await h.settle();
      await tick();
      vt.write(h.written());
      const rows = h.rows();
      let seen = 0;
      for (const [y, row] of rows.entries()) {
        const s = sequences.map(shown).find((q) => row.includes(` ${q} `));
        if (s === undefined) {
          assert.equal(vt.lines()[y], row, `row ${y}`);
          continue;
        }
        seen++;
        const at = row.indexOf(s);
        const col = displayWidth(row.slice(0, at));
        const box = displayWidth(sequences.find((q) => shown(q) === s)!);
        assert.equal(vt.columns(y, 0, col), row.slice(0, at), `before ${JSON.stringify(s)}`);
        assert.equal(vt.columns(y, col, col + box).trimEnd(), s, `${JSON.stringify(s)} whole`);
        assert.equal(
          vt.columns(y, col + box),
          row.slice(at + s.length),
          `after ${JSON.stringify(s)}`,
        );
      }
      assert.equal(seen, sequences.length, 'every sequence on screen');
      assert.equal(rows.filter((r) => /plain[A-D] 1 +$/.test(r)).length, 4);
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
});

/** A row as a terminal that draws each emoji sequence in two columns shows it: its box's other columns blank. */
function joinedPicture(row: string): string {
  let out = '';
  for (const unit of unitsOf(row))
    out += unit.box ? `${unit.text}${' '.repeat(displayWidth(unit.text) - 2)}` : unit.text;
  return out;
}
