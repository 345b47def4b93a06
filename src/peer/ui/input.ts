/**
 * The input line: an editable buffer (multi-line through paste or Ctrl-J), a
 * cursor, its own history (Up/Down), and its layout in rows of a given width.
 * Pure; app.ts maps keys to these methods.
 */
import { type InputView, layoutInput } from './input-wrap.js';
import { codePointWidth, emojiSequenceAt, sanitize } from './text.js';

/** Lines of input history kept (per session). */
export const MAX_INPUT_HISTORY = 200;

export type { InputView } from './input-wrap.js';

export class LineEditor {
  private buffer = '';
  private at = 0;
  private readonly history: string[] = [];
  /** Position while browsing history; history.length means "the draft". */
  private browsing = 0;
  private draft = '';

  get text(): string {
    return this.buffer;
  }

  get cursor(): number {
    return this.at;
  }

  /** Replaces the buffer (completion, history), cursor at `cursor` or the end. */
  set(text: string, cursor = text.length): void {
    this.buffer = text;
    this.at = Math.max(0, Math.min(text.length, cursor));
  }

  /** Inserts typed text: controls removed, tabs as spaces, newlines kept. */
  insert(text: string): void {
    this.put(sanitize(text.replace(/\r\n?/g, '\n'), { multiline: true }));
  }

  /**
   * Inserts pasted text as insert() does, but its tabs are kept: they are sent as pasted
   * (code, a table), and drawn to their tab stops (input-wrap.ts, the conversation).
   */
  paste(text: string): void {
    this.put(sanitize(text.replace(/\r\n?/g, '\n'), { multiline: true, keepTabs: true }));
  }

  private put(clean: string): void {
    this.buffer = this.buffer.slice(0, this.at) + clean + this.buffer.slice(this.at);
    this.at += clean.length;
  }

  backspace(): void {
    if (this.at === 0) return;
    const from = prevBoundary(this.buffer, this.at);
    this.buffer = this.buffer.slice(0, from) + this.buffer.slice(this.at);
    this.at = from;
  }

  deleteForward(): void {
    const to = nextBoundary(this.buffer, this.at);
    this.buffer = this.buffer.slice(0, this.at) + this.buffer.slice(to);
  }

  left(): void {
    this.at = prevBoundary(this.buffer, this.at);
  }

  right(): void {
    this.at = nextBoundary(this.buffer, this.at);
  }

  /** Home / Ctrl-A: start of the current line. */
  home(): void {
    this.at = this.buffer.lastIndexOf('\n', this.at - 1) + 1;
  }

  /** End / Ctrl-E: end of the current line. */
  end(): void {
    const nl = this.buffer.indexOf('\n', this.at);
    this.at = nl === -1 ? this.buffer.length : nl;
  }

  /** Ctrl-W: the word before the cursor. */
  deleteWordBack(): void {
    const head = this.buffer.slice(0, this.at).replace(/\S*\s*$/, '');
    this.buffer = head + this.buffer.slice(this.at);
    this.at = head.length;
  }

  /** Ctrl-U: everything before the cursor. */
  killToStart(): void {
    this.buffer = this.buffer.slice(this.at);
    this.at = 0;
  }

  /** Ctrl-K: everything after the cursor. */
  killToEnd(): void {
    this.buffer = this.buffer.slice(0, this.at);
  }

  /** Up: an older history entry (the unsent draft is kept). */
  older(): void {
    if (this.browsing === 0) return;
    if (this.browsing === this.history.length) this.draft = this.buffer;
    this.browsing--;
    this.set(this.history[this.browsing] ?? '');
  }

  /** Down: a newer history entry, then back to the draft. */
  newer(): void {
    if (this.browsing >= this.history.length) return;
    this.browsing++;
    this.set(
      this.browsing === this.history.length ? this.draft : (this.history[this.browsing] ?? ''),
    );
  }

  /** Enter: returns the text, remembers it, clears the buffer. */
  submit(): string {
    const text = this.buffer;
    if (text.trim().length > 0 && this.history[this.history.length - 1] !== text) {
      this.history.push(text);
      if (this.history.length > MAX_INPUT_HISTORY) this.history.shift();
    }
    this.browsing = this.history.length;
    this.draft = '';
    this.set('');
    return text;
  }

  /**
   * The buffer laid out in rows of `width` columns after a prompt of `promptWidth`
   * columns, wrapped at spaces, and where the cursor is (input-wrap.ts).
   */
  view(width: number, promptWidth: number): InputView {
    return layoutInput(this.buffer, this.at, width, promptWidth);
  }
}

/** The offset after the character at `i` and its combining marks (an emoji sequence whole). */
function nextBoundary(text: string, i: number): number {
  if (i >= text.length) return text.length;
  let j = i + (emojiSequenceAt(text, i)?.length ?? (text.codePointAt(i)! > 0xffff ? 2 : 1));
  while (j < text.length && codePointWidth(text.codePointAt(j)!) === 0 && !isBreak(text[j]!)) {
    j += text.codePointAt(j)! > 0xffff ? 2 : 1;
  }
  return j;
}

/** The offset of the character before `i`, marks included: the last boundary before it. */
function prevBoundary(text: string, i: number): number {
  let j = 0;
  for (let next = nextBoundary(text, 0); next < i; next = nextBoundary(text, next)) j = next;
  return j;
}

/** A newline, or a pasted tab: characters of their own, never marks of the one before. */
const isBreak = (ch: string) => ch === '\n' || ch === '\t';
