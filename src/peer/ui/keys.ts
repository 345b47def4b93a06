/**
 * Key bindings: which key does what. Pure, so the table is tested (and read) on
 * its own; app.ts carries the actions out.
 *
 *   Enter             send the message / run the command
 *   Ctrl-J, Alt-Enter new line in the message (so does pasting several lines)
 *   Tab               complete a command or name; with empty input, next conversation
 *   Shift-Tab         previous completion / previous conversation
 *   Alt-1 .. Alt-9    conversation 1..9 (as numbered in the sidebar)
 *   PageUp/PageDown   scroll the conversation (further back loads older history)
 *   Up/Down           input history (Ctrl-P/Ctrl-N too)
 *   Left/Right, Home/End (Ctrl-A/Ctrl-E), Backspace, Delete
 *   Ctrl-W / Ctrl-U / Ctrl-K   delete word back / to start / to end
 *   Esc               close a panel, clear the notice, answer a question no
 *   y / n             answer a pending question at once (keyboard.ts typing())
 *   Ctrl-L            redraw
 *   Ctrl-C            log out and quit (others see you leave at once)
 */
import type { KeyPress } from './screen.js';

export type Action =
  | { type: 'submit' }
  | { type: 'insert'; text: string }
  | { type: 'newline' }
  | { type: 'complete'; direction: 1 | -1 }
  | { type: 'switch'; delta: 1 | -1 }
  | { type: 'switch-to'; index: number }
  | { type: 'scroll'; pages: 1 | -1 }
  | { type: 'edit'; op: EditOp }
  | { type: 'history'; direction: 'older' | 'newer' }
  | { type: 'escape' }
  | { type: 'redraw' }
  | { type: 'quit' }
  | { type: 'none' };

export type EditOp =
  | 'backspace'
  | 'delete'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'word-back'
  | 'kill-start'
  | 'kill-end';

const CTRL: Record<string, Action> = {
  c: { type: 'quit' },
  j: { type: 'newline' },
  a: { type: 'edit', op: 'home' },
  e: { type: 'edit', op: 'end' },
  w: { type: 'edit', op: 'word-back' },
  u: { type: 'edit', op: 'kill-start' },
  k: { type: 'edit', op: 'kill-end' },
  b: { type: 'edit', op: 'left' },
  f: { type: 'edit', op: 'right' },
  d: { type: 'edit', op: 'delete' },
  h: { type: 'edit', op: 'backspace' },
  p: { type: 'history', direction: 'older' },
  n: { type: 'history', direction: 'newer' },
  l: { type: 'redraw' },
};

const NAMED: Record<string, Action> = {
  return: { type: 'submit' },
  linefeed: { type: 'newline' },
  backspace: { type: 'edit', op: 'backspace' },
  delete: { type: 'edit', op: 'delete' },
  left: { type: 'edit', op: 'left' },
  right: { type: 'edit', op: 'right' },
  home: { type: 'edit', op: 'home' },
  end: { type: 'edit', op: 'end' },
  up: { type: 'history', direction: 'older' },
  down: { type: 'history', direction: 'newer' },
  pageup: { type: 'scroll', pages: 1 },
  pagedown: { type: 'scroll', pages: -1 },
  escape: { type: 'escape' },
};

/**
 * The action for a key. `inputEmpty` and `completing` decide what Tab means:
 * completion while typing, switching conversations otherwise.
 */
export function actionFor(
  key: KeyPress,
  context: { inputEmpty: boolean; completing: boolean },
): Action {
  const name = key.name ?? '';
  if (key.ctrl && !key.meta) return CTRL[name] ?? { type: 'none' };
  if (key.meta && /^[1-9]$/.test(name)) return { type: 'switch-to', index: Number(name) };
  if (key.meta && name === 'return') return { type: 'newline' };
  if (name === 'tab') {
    const direction = key.shift ? -1 : 1;
    if (context.completing || (!context.inputEmpty && !key.shift))
      return { type: 'complete', direction };
    return { type: 'switch', delta: direction };
  }
  const named = NAMED[name];
  if (named !== undefined && !key.meta) return named;
  if (key.meta) return { type: 'none' };
  // Printable: blessed gives the character (space included) in `ch`.
  if (key.ch !== undefined && key.ch.length > 0 && !/^[\u0000-\u001f\u007f]/.test(key.ch)) {
    return { type: 'insert', text: key.ch };
  }
  return { type: 'none' };
}
