/**
 * The open conversation's display lines, laid out again only when what they are made of
 * changed. The screen draws after every key; laying out thousands of entries each time
 * (a held PageUp far back in a long conversation) took longer than the key repeat, and
 * the older page being read waited behind the keys (chat trial: paging "stopped" there).
 * Entries are replaced, never changed in place (history-view.ts); notes are appended and
 * the oldest dropped (state.ts), so their array with its ends and length says what it holds;
 * the set of expanded messages is replaced too, never changed (history-view.ts).
 */
import type { HistoryItem } from '../index.js';
import { type ConversationOptions, conversationLines, type Line } from './conversation.js';
import type { Note } from './state.js';

interface Key {
  entries: readonly HistoryItem[];
  notes: readonly Note[];
  noteCount: number;
  firstNote: Note | undefined;
  lastNote: Note | undefined;
  me: string;
  width: number;
  newCount: number;
  top: ConversationOptions['top'];
  bottom: ConversationOptions['bottom'];
  expanded: ConversationOptions['expanded'];
}

export class LineCache {
  private key: Key | null = null;
  private lines: Line[] = [];

  /** conversationLines() of these, the same array as last time when nothing changed. */
  get(
    entries: readonly HistoryItem[],
    notes: readonly Note[],
    options: ConversationOptions,
  ): Line[] {
    const key: Key = {
      entries,
      notes,
      noteCount: notes.length,
      firstNote: notes[0],
      lastNote: notes[notes.length - 1],
      me: options.me,
      width: options.width,
      newCount: options.newCount ?? 0,
      top: options.top,
      bottom: options.bottom,
      expanded: options.expanded,
    };
    if (this.key === null || !same(this.key, key)) {
      this.lines = conversationLines(entries, notes, options);
      this.key = key;
    }
    return this.lines;
  }
}

function same(a: Key, b: Key): boolean {
  return (Object.keys(a) as (keyof Key)[]).every((k) => a[k] === b[k]);
}
