/**
 * What the keys do besides editing (dispatch.ts calls these): Tab completes or
 * switches, Enter runs the line (or answers the pending question), PageUp and
 * PageDown scroll, Esc backs out. Commands run through the command table with
 * the app as their host.
 */
import { describeError } from '../../util/errors.js';
import { type CommandHost, parseInput, runCommand } from './commands/index.js';
import type { KeyTarget } from './dispatch.js';
import type { LineEditor } from './input.js';
import type { Answer } from './input-line.js';
import type { Action } from './keys.js';
import type { ScreenParts } from './parts.js';

export class Keyboard implements KeyTarget {
  constructor(
    private readonly p: ScreenParts,
    private readonly host: CommandHost,
  ) {}

  get editor(): LineEditor {
    return this.p.input.editor;
  }

  complete(direction: 1 | -1): void {
    const s = this.p.state;
    const groups = s.groups.all().map((g) => g.name);
    const hint = this.p.input.complete(s.names(), direction, s.members(s.activeId), groups);
    if (hint !== null) this.p.state.notice = { text: hint, kind: 'info' };
  }

  switchBy(delta: 1 | -1): void {
    this.p.state.cycle(delta);
    this.p.switched();
  }

  switchTo(index: number): void {
    if (this.p.state.activateIndex(index)) this.p.switched();
  }

  scroll(pages: 1 | -1): void {
    if (this.p.display.scroll(pages)) this.p.tasks.track(this.p.conversation.more());
  }

  /**
   * One Esc backs out of everything at once: the question (answered no) and the panel it
   * came with (issue 13).
   */
  escape(): void {
    const s = this.p.state;
    const answer = this.p.input.answer(false);
    if (s.panel) s.closePanel();
    s.notice = null;
    if (answer !== null) this.answered(answer);
  }

  /**
   * A key or a paste while a y/n question waits: `y` or `n` (any case) on an empty line
   * answers at once, and any other typing answers no, the text staying an ordinary input.
   * A new-user trial pressed `n` and waited; the command typed next became the answer
   * (`n/search carol`) and was lost. True when the key was the answer and is used up.
   */
  typing(action: Action | { type: 'paste' }): boolean {
    const { input } = this.p;
    if (input.asking === null) return false;
    const typed = action.type === 'insert' ? action.text : null;
    if (typed !== null && input.editor.text === '' && /^[yn]$/i.test(typed)) {
      const answer = input.answer(typed.toLowerCase() === 'y');
      if (answer !== null) this.answered(answer);
      return true;
    }
    if (['insert', 'newline', 'history', 'paste'].includes(action.type)) {
      const answer = input.answer(false);
      if (answer !== null) this.answered(answer);
    }
    return false;
  }

  submit(): void {
    const { input, state, tasks } = this.p;
    const submitted = input.submit();
    if (submitted.type === 'answer') {
      this.answered(submitted);
      return;
    }
    if (submitted.text.trim().length === 0) return;
    const parsed = parseInput(submitted.text);
    if (!parsed.ok) {
      this.p.notice(parsed.error, 'error');
      return;
    }
    state.notice = null;
    tasks.track(runCommand(parsed.command, this.host), (err) => this.failed(err));
  }

  quit(): void {
    this.host.requestQuit();
  }

  /** The question's panel closes; a yes runs, a no says so. */
  private answered(answer: Answer): void {
    const { state, tasks } = this.p;
    if (state.panel) state.closePanel();
    if (answer.yes) tasks.track(answer.onYes(), (err) => this.failed(err));
    else this.p.notice('nothing changed');
  }

  /** A command's failure becomes a notice, never an unhandled rejection. */
  private failed(err: unknown): void {
    const { code, message } = describeError(err);
    // The link's own words name a frame ("file-put: not connected…"); the user wants to know
    // that nothing was done and when to try again (the header says when it is connected).
    const text =
      code === 'E_OFFLINE'
        ? 'not done: the relay is not reachable now; natter keeps retrying, try again once the header says connected'
        : message;
    this.p.notice(`${text} (${code})`, 'error');
  }
}
