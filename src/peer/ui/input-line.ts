/**
 * The input line's state: the text being edited (LineEditor), a Tab completion
 * in progress (Completer), and a pending yes/no question (/verify's "mark bob
 * verified? (y/n)") that a `y` or `n` key answers at once, or the next Enter.
 */
import { Completer } from './completer.js';
import { LineEditor } from './input.js';
import type { LocalFiles } from './path-completion.js';
import { type Conversation, labelOf } from './state.js';
import { sanitize, truncate } from './text.js';

/** An answer to the pending question, and what a yes runs. */
export type Answer = { type: 'answer'; yes: boolean; onYes: () => Promise<void> };

/** What Enter handed over: an answer to the pending question, or a line to run. */
export type Submitted = Answer | { type: 'line'; text: string };

export class InputLine {
  readonly editor = new LineEditor();
  private readonly completer = new Completer();
  private question: { text: string; onYes: () => Promise<void>; topic?: string } | null = null;

  /** `files`: where /send's paths complete from; none, no path completion. */
  constructor(private readonly files?: LocalFiles) {}

  /** Cycling through several candidates: Tab and Shift-Tab belong to completion. */
  get completing(): boolean {
    return this.completer.active;
  }

  /** A key other than Tab, or a paste: the completion cycle ends. */
  stopCompleting(): void {
    this.completer.reset();
  }

  /**
   * One Tab (1) or Shift-Tab (-1) over `names`, and in a group its `members`; after
   * /msg #, over `groups` (my groups' names). Returns a hint for the notice line, or null.
   */
  complete(
    names: readonly string[],
    direction: 1 | -1,
    members?: readonly string[],
    groups?: readonly string[],
  ): string | null {
    return this.completer.step(this.editor, names, direction, members, this.files, groups);
  }

  /** The question waiting for Enter, if any. */
  get asking(): string | null {
    return this.question?.text ?? null;
  }

  /** `topic` names what the question is about, so withdraw() can take it back. */
  ask(question: string, onYes: () => Promise<void>, topic?: string): void {
    this.question =
      topic === undefined ? { text: question, onYes } : { text: question, onYes, topic };
  }

  /**
   * What the pending question asks about changed under it: dropped unanswered, so a `y`
   * can never confirm what it said. True if one about `topic` was pending.
   */
  withdraw(topic: string): boolean {
    if (this.question === null || this.question.topic !== topic) return false;
    this.question = null;
    return true;
  }

  /**
   * The pending question answered without Enter (a `y` or `n` key, Esc, other typing),
   * or null when none waits.
   */
  answer(yes: boolean): Answer | null {
    const question = this.question;
    if (question === null) return null;
    this.question = null;
    return { type: 'answer', yes, onYes: question.onYes };
  }

  /** Switching away from the panel it came with: true if a question was pending. */
  dropQuestion(): boolean {
    const had = this.question !== null;
    this.question = null;
    return had;
  }

  /** Enter: takes the text, as the answer to the pending question if there is one. */
  submit(): Submitted {
    const text = this.editor.submit();
    const question = this.question;
    if (question === null) return { type: 'line', text };
    this.question = null;
    return { type: 'answer', yes: /^\s*y(es)?\s*$/i.test(text), onYes: question.onYes };
  }

  /**
   * Shown before the input: the question, or the open conversation's name, with `tag` (a
   * group's id tag, GroupBook.idTag, when another group of mine has its name: `#ops (ad96)>`,
   * as the sidebar and the header show it) kept whole after a long name.
   */
  prompt(conversation: Conversation | undefined, tag: string | null = null): string {
    if (this.question) return `${this.question.text} `;
    if (conversation === undefined) return '> ';
    const label = truncate(sanitize(labelOf(conversation)), 16);
    return tag === null ? `${label}> ` : `${label} (${sanitize(tag)})> `;
  }
}
