import assert from 'node:assert/strict';
import type { HistoryEntry } from '../../../src/peer/index.js';
import { LineCache } from '../../../src/peer/ui/line-cache.js';
import type { Note } from '../../../src/peer/ui/state.js';
import { conversationIdOf } from '../../../src/peer/ui/text.js';

const entry = (i: number): HistoryEntry => ({
  conversation: conversationIdOf('bob'),
  direction: 'in',
  msgId: `m${i}`,
  peer: { pseudonym: 'bob', userId: 'b0b' },
  text: `message ${i}`,
  sentAtMs: 1_000 * i,
  receivedAtMs: 1_000 * i,
});

describe('ui line cache: a long conversation is laid out once per change, not per key', () => {
  it('gives the same lines until the entries, notes, width or top change', () => {
    const cache = new LineCache();
    const entries = Array.from({ length: 50 }, (_, i) => entry(i));
    const notes: Note[] = [];
    const options = { me: 'alice', width: 60, top: 'more' as const };
    const first = cache.get(entries, notes, options);
    assert.equal(cache.get(entries, notes, { ...options }), first, 'nothing changed');
    const more = [...entries, entry(50)];
    const second = cache.get(more, notes, options);
    assert.notEqual(second, first, 'entries replaced');
    notes.push({ atMs: 60_000, text: 'bob is online', kind: 'info' });
    const third = cache.get(more, notes, options);
    assert.notEqual(third, second, 'a note appended in place');
    assert.notEqual(cache.get(more, notes, { ...options, width: 40 }), third, 'narrower');
    const wide = cache.get(more, notes, options);
    assert.notEqual(cache.get(more, notes, { ...options, top: 'beginning' }), wide, 'the top');
  });
});
