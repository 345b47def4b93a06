/**
 * The notice line's text and life (issue 13: long notices were cut off at the
 * terminal's width and stayed up for minutes): a long notice wraps onto up to
 * MAX_NOTICE_ROWS rows, and each goes away after a time that grows with its
 * length, within NOTICE_MIN_MS..NOTICE_MAX_MS. A sticky one (the connection gave
 * up) stays until Esc or the next notice.
 */
import type { Clock, Timer } from '../../util/clock.js';
import type { ChatState } from './state.js';
import { sanitize, truncate, wrap } from './text.js';

/** Even a one-word notice stays this long: time to look down at it. */
export const NOTICE_MIN_MS = 4_000;
/** No notice stays longer: the line is for what just happened. */
export const NOTICE_MAX_MS = 12_000;
/** Reading time per character on top of the minimum (about 25 characters a second). */
export const NOTICE_MS_PER_CHAR = 40;
/** Rows a long notice may take above the input; more is cut with '…'. */
export const MAX_NOTICE_ROWS = 4;

/** How long a notice of `text` stays up. */
export function noticeMs(text: string): number {
  return Math.min(NOTICE_MAX_MS, NOTICE_MIN_MS + text.length * NOTICE_MS_PER_CHAR);
}

/** The notice as rows of at most `width` columns, at most `maxRows` of them. */
export function noticeRows(text: string, width: number, maxRows = MAX_NOTICE_ROWS): string[] {
  const clean = sanitize(text);
  const w = Math.max(1, width);
  const rows = wrap(clean, w).map((seg) => clean.slice(seg.start, seg.end).trimEnd());
  if (rows.length <= maxRows) return rows;
  const kept = rows.slice(0, Math.max(1, maxRows));
  kept[kept.length - 1] = truncate(`${kept[kept.length - 1]} ${rows[kept.length]}`, w);
  return kept;
}

/** Clears each notice when its time is up; watch() is called on every draw. */
export class NoticeExpiry {
  private shown: ChatState['notice'] = null;
  private timer: Timer | null = null;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly state: ChatState,
    /** The notice was cleared: draw again. */
    private readonly changed: () => void,
  ) {}

  watch(): void {
    const notice = this.state.notice;
    if (notice === this.shown || this.closed) return;
    this.stop();
    this.shown = notice;
    if (notice === null || notice.sticky === true) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (this.state.notice !== notice) return;
      this.state.notice = null;
      this.changed();
    }, noticeMs(notice.text));
  }

  /** Quit: no timer is left behind, and none is started again. */
  close(): void {
    this.closed = true;
    this.stop();
  }

  private stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
