import type { Readable, Writable } from 'node:stream';

/** How the terminal adapter (screen.ts) opens its screen. */
export interface BlessedTerminalOptions {
  input?: Readable;
  output?: Writable;
  /** terminfo name; default $TERM. */
  terminal?: string;
  /** $COLORTERM: `truecolor` or `24bit` means at least 256 colours (palette.ts). */
  colorTerm?: string;
  /** Inside tmux, OSC sequences are wrapped in its passthrough (needs `allow-passthrough on`). */
  tmux?: boolean;
  /**
   * Take a chunk of input with a line break or a tab inside it as a paste (default false,
   * looksPasted): only for a terminal that does not bracket pastes (guessesPastes).
   */
  guessPastes?: boolean;
}
