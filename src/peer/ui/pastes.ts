/**
 * Which terminals bracket a paste (the chat turns bracketed paste on: screen.ts), and so
 * which need the chat to guess one from a line break inside a chunk of input.
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
