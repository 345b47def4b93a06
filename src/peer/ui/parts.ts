/**
 * The chat screen's parts, built once by assembly.ts and handed as one typed object
 * to the modules that drive them: wiring.ts (the core's events) and
 * keyboard.ts (what keys do). Each part owns its own state; the three methods
 * are the screen-wide operations app.ts provides.
 */
import type { Clock } from '../../util/clock.js';
import type { Connector } from './connector.js';
import type { ChatCore } from './core.js';
import type { Display } from './display.js';
import type { InputLine } from './input-line.js';
import type { OpenConversation } from './open-conversation.js';
import type { Saver } from './saver.js';
import type { Terminal } from './screen.js';
import type { UiSettings } from './settings.js';
import type { ChatState, NoteKind } from './state.js';
import type { Tasks } from './tasks.js';

export interface ScreenParts {
  readonly core: ChatCore;
  readonly state: ChatState;
  readonly settings: UiSettings;
  readonly term: Terminal;
  readonly clock: Clock;
  readonly input: InputLine;
  readonly conversation: OpenConversation;
  readonly display: Display;
  readonly tasks: Tasks;
  readonly saver: Saver;
  readonly connector: Connector;
  /** Draws the whole screen from the parts. */
  render(): void;
  /** Shows `text` in the notice line, and draws. */
  notice(text: string, kind?: NoteKind): void;
  /** The active conversation changed, or was opened again: its history, at the bottom. */
  switched(): void;
}
