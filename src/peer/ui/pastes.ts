/**
 * Which terminals bracket a paste (the chat turns bracketed paste on: screen.ts), and so
 * which need the chat to guess one from a line break or a tab inside a chunk of input.
 */

/** Terminals that bracket a paste (xterm and those that follow it, tmux, screen, rxvt...). */
const BRACKETING_TERMINALS =
  /^(xterm|screen|tmux|rxvt|alacritty|kitty|foot|wezterm|st-|st$|konsole|gnome|vte|iterm|putty|mintty|contour|ghostty)/;

/**
 * Whether the chat must guess pastes for terminal `term` ($TERM). A terminal that brackets
 * them marks every paste, so there a line break inside a chunk is typing that arrived fast
 * (tmux send-keys, a slow SSH link) and Enter sends: taken as a paste, a trial's two lines
 * went as one message to the wrong conversation. Elsewhere (the Linux console) a chunk
 * with a line break inside is the only sign of a paste.
 */
export function guessesPastes(term: string): boolean {
  return !BRACKETING_TERMINALS.test(term);
}

/**
 * Whether a chunk of input, on a terminal that does not bracket pastes, is a paste: a line
 * break with more after it, or a tab with text on both sides (`a<TAB>b`, a pasted table or
 * code). A Tab key comes alone, or after what was typed before it (`bo<TAB>` on a slow
 * link): completion, as it was. An escape sequence is a key, never a paste.
 */
export function looksPasted(chunk: string): boolean {
  if (chunk.startsWith('\x1b')) return false;
  return /[\r\n][^\r\n]/.test(chunk) || /[^\t\r\n]\t+[^\t\r\n]/.test(chunk);
}
