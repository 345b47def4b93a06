/**
 * The terminal client's surface for the CLI (`natter chat`, src/cli/commands/chat.ts):
 * the screen, the terminal adapter, the prompts before the screen opens, the
 * settings (ui.json), the saved list (ui-state.json), and the words for group
 * changes (`natter inbox` prints them too). Everything else in
 * src/peer/ui is internal to the screen.
 */
export { ChatApp, type ChatAppOptions } from './app.js';
/** A membership change in words ("alice added carol"), shared with `natter inbox`. */
export { groupNoticeText } from './groups.js';
export { guessesPastes } from './pastes.js';
/** The local file system as /send's path completion sees it (the CLI gives the real one). */
export type { DirEntry, LocalFiles } from './path-completion.js';
export { ask, type PromptIo } from './prompt.js';
export { BlessedTerminal, openTerminal } from './screen.js';
export { MAX_AUTO_AWAY_MINUTES, parseSettings, type UiSettings } from './settings.js';
export type { SavedState } from './state.js';
