/**
 * Carries out a key's action (keys.ts): editing happens here on the input line,
 * everything else is the screen's business (KeyTarget, implemented by app.ts).
 */
import type { LineEditor } from './input.js';
import type { Action, EditOp } from './keys.js';

export interface KeyTarget {
  readonly editor: LineEditor;
  submit(): void;
  complete(direction: 1 | -1): void;
  switchBy(delta: 1 | -1): void;
  switchTo(index: number): void;
  scroll(pages: 1 | -1): void;
  /** Esc: cancels a question, closes a panel, clears the notice. */
  escape(): void;
  quit(): void;
}

const EDIT_OPS: Record<EditOp, (e: LineEditor) => void> = {
  backspace: (e) => e.backspace(),
  delete: (e) => e.deleteForward(),
  left: (e) => e.left(),
  right: (e) => e.right(),
  home: (e) => e.home(),
  end: (e) => e.end(),
  'word-back': (e) => e.deleteWordBack(),
  'kill-start': (e) => e.killToStart(),
  'kill-end': (e) => e.killToEnd(),
};

export function dispatch(action: Action, t: KeyTarget): void {
  switch (action.type) {
    case 'submit':
      t.submit();
      break;
    case 'insert':
      t.editor.insert(action.text);
      break;
    case 'newline':
      t.editor.insert('\n');
      break;
    case 'complete':
      t.complete(action.direction);
      break;
    case 'switch':
      t.switchBy(action.delta);
      break;
    case 'switch-to':
      t.switchTo(action.index);
      break;
    case 'scroll':
      t.scroll(action.pages);
      break;
    case 'edit':
      EDIT_OPS[action.op](t.editor);
      break;
    case 'history':
      if (action.direction === 'older') t.editor.older();
      else t.editor.newer();
      break;
    case 'escape':
      t.escape();
      break;
    case 'quit':
      t.quit();
      break;
    case 'redraw':
    case 'none':
      break;
  }
}
