/**
 * Which of a connection's queued output is roster frames (roster-out.ts): frames the relay
 * keeps anyway and shares with every session they are queued for. They are spans of the
 * connection's output, by byte position since it opened, so its budgets can leave them out
 * until the kernel took each byte (outbound.ts; docs/decisions.md, "A newcomer's roster
 * and the budgets").
 */
export class RosterSpans {
  /** [start, end) pairs in output order, flattened; those before `at` are gone. */
  private spans: number[] = [];
  private at = 0;
  /** The bytes of the spans from `at` on. */
  private bytes = 0;

  /** Output positions [start, end) were queued as roster frames. */
  add(start: number, end: number): void {
    if (end <= start) return;
    const s = this.spans;
    // Right after the last span (a roster, then its first update in one turn): one span.
    if (s.length - this.at >= 2 && s[s.length - 1] === start) s[s.length - 1] = end;
    else s.push(start, end);
    this.bytes += end - start;
  }

  /** Bytes of the spans not gone yet, once the first `gone` bytes of output are. */
  queued(gone: number): number {
    const s = this.spans;
    if (s.length === 0) return 0;
    let at = this.at;
    while (at < s.length && s[at + 1]! <= gone) {
      this.bytes -= s[at + 1]! - s[at]!;
      at += 2;
    }
    if (at === s.length) {
      this.clear();
      return 0;
    }
    // Spans gone leave the array once they are most of it.
    if (at * 2 > s.length) {
      this.spans = s.slice(at);
      at = 0;
    }
    this.at = at;
    return this.bytes - Math.max(0, gone - this.spans[at]!);
  }

  clear(): void {
    this.spans = [];
    this.at = 0;
    this.bytes = 0;
  }
}
