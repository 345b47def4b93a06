/**
 * Text to lines for the control socket (control.ts), pure: no socket, no timer.
 * Each chunk is scanned once, so a long line arriving in many chunks costs
 * linear time, and a partial line over the limit is reported before more of it
 * is kept.
 */
export class LineSplitter {
  private parts: string[] = [];
  private bytes = 0;
  private over = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onTooLong: () => void,
  ) {}

  /** Feeds a chunk; after a line over the limit, nothing more is taken. */
  push(chunk: string): void {
    let start = 0;
    while (!this.over && start < chunk.length) {
      const nl = chunk.indexOf('\n', start);
      const part = chunk.slice(start, nl === -1 ? chunk.length : nl);
      this.bytes += Buffer.byteLength(part);
      if (this.bytes > this.maxBytes) {
        this.over = true;
        this.parts = [];
        this.onTooLong();
        return;
      }
      if (nl === -1) {
        this.parts.push(part);
        return;
      }
      const line = this.parts.length === 0 ? part : [...this.parts, part].join('');
      this.parts = [];
      this.bytes = 0;
      start = nl + 1;
      this.onLine(line);
    }
  }
}
