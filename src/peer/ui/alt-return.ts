/**
 * Alt-Enter as terminals and tmux send it: ESC CR, in one read. blessed splits it: its key
 * pattern takes ESC and any character but a line break (a regex '.'), so it reports Escape,
 * then Return, and a trial's Alt-Enter sent the message. The terminal tells the joiner each
 * raw chunk before blessed's keys for it, and hands the two keys on as one Alt-Return.
 */
export class AltReturnJoiner {
  private pairs = 0;
  private escape = false;

  /** A chunk of raw input, seen before the keys blessed makes of it. */
  chunk(data: string): void {
    this.pairs = data.split('\x1b\r').length - 1;
    this.escape = false;
  }

  /** 'hold' for the Escape of a pair, 'alt-return' for its Return, 'pass' for any other key. */
  key(name: string | undefined, sequence: string | undefined): 'hold' | 'alt-return' | 'pass' {
    if (this.escape) {
      this.escape = false;
      if (name === 'return') {
        this.pairs--;
        return 'alt-return';
      }
    }
    if (this.pairs > 0 && name === 'escape' && sequence === '\x1b') {
      this.escape = true;
      return 'hold';
    }
    return 'pass';
  }
}
