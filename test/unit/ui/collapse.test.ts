import assert from 'node:assert/strict';
import { directConversation, type HistoryEntry } from '../../../src/peer/index.js';
import { COLLAPSE_OVER_ROWS, COLLAPSED_ROWS, lineToShow } from '../../../src/peer/ui/collapse.js';
import { conversationLines } from '../../../src/peer/ui/conversation.js';

const text = (line: { text: string }[]) => line.map((s) => s.text).join('');
const at = new Date(2025, 2, 4, 9, 5).getTime();
const entry = (msgId: string, body: string, over: Partial<HistoryEntry> = {}): HistoryEntry => ({
  conversation: directConversation('bob'),
  direction: 'in',
  msgId,
  peer: { pseudonym: 'bob', userId: 'b' },
  text: body,
  sentAtMs: at,
  receivedAtMs: at,
  ...over,
});
/** `n` numbered lines, one display row each at width 60. */
const rows = (n: number) => Array.from({ length: n }, (_, i) => `row ${i + 1}`).join('\n');

describe('ui conversation: a long message is collapsed', () => {
  it('draws its first rows and a note saying how many more there are', () => {
    const lines = conversationLines([entry('m', rows(625))], [], { me: 'alice', width: 60 });
    const shown = lines.slice(1).map(text);
    assert.equal(shown.length, COLLAPSED_ROWS + 1);
    assert.equal(shown[0], '09:05 bob: row 1');
    assert.equal(shown[COLLAPSED_ROWS - 1], `      row ${COLLAPSED_ROWS}`);
    assert.equal(shown[COLLAPSED_ROWS], `      … ${625 - COLLAPSED_ROWS} more lines (/expand)`);
  });

  it('counts rows after wrapping, and leaves a message of up to COLLAPSE_OVER_ROWS rows whole', () => {
    const whole = conversationLines([entry('m', rows(COLLAPSE_OVER_ROWS))], [], {
      me: 'alice',
      width: 60,
    });
    assert.equal(whole.length, 1 + COLLAPSE_OVER_ROWS);
    // One line of 2,000 characters: about 40 rows at this width.
    const wrapped = conversationLines([entry('m', 'word '.repeat(400))], [], {
      me: 'alice',
      width: 60,
    });
    assert.equal(wrapped.length, 1 + COLLAPSED_ROWS + 1);
    // What is left of one line is counted in characters.
    assert.match(text(wrapped.at(-1)!), /^ {6}… [\d,]+ more characters \(\/expand\)$/);
  });

  it("counts the message's own lines under the note, not rows at the pane's width", () => {
    // 300 lines of 100 characters: 2 rows each at width 80, 1 at width 140.
    const body = Array.from({ length: 300 }, (_, i) => `${i}`.padEnd(100, 'x')).join('\n');
    const note = (width: number) =>
      text(conversationLines([entry('m', body)], [], { me: 'alice', width }).at(-1)!).trim();
    assert.equal(note(140), `… ${300 - COLLAPSED_ROWS} more lines (/expand)`);
    assert.equal(note(80), `… ${300 - COLLAPSED_ROWS / 2} more lines (/expand)`);
  });

  it('shows an expanded message whole, and my own message keeps its mark under the note', () => {
    const e = entry('m', rows(100));
    const open = conversationLines([e], [], { me: 'alice', width: 60, expanded: new Set(['m']) });
    assert.equal(open.length, 1 + 100);
    const mine = entry('o', rows(100), { direction: 'out', state: 'delivered' });
    const folded = conversationLines([mine], [], { me: 'alice', width: 60 });
    assert.equal(text(folded.at(-1)!), `      … ${100 - COLLAPSED_ROWS} more lines (/expand) ✓✓`);
  });

  it('finds the line to show a message from, or from near an offset far down it', () => {
    const e = entry('m', rows(100));
    const lines = conversationLines([entry('a', 'before'), e, entry('z', 'after')], [], {
      me: 'alice',
      width: 60,
      expanded: new Set(['m']),
    });
    const first = lines.findIndex((l) => text(l).endsWith('bob: row 1'));
    assert.equal(lineToShow(lines, 'm', 0, 20), first);
    assert.equal(lineToShow(lines, 'm', e.text.indexOf('row 5\n'), 20), first, 'in the first pane');
    const far = lineToShow(lines, 'm', e.text.indexOf('row 70\n'), 20);
    assert.equal(text(lines[far + 2]!), '      row 70', 'two rows above the match');
    assert.equal(lineToShow(lines, 'nope', 0, 20), -1);
  });
});
