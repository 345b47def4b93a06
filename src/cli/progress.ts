/**
 * Progress of one transfer while a command waits for it (`send-file`, `accept`; issue
 * 12). Progress is not data, so it goes to stderr as every command's notes do (README,
 * "Command line"): on a terminal a bar drawn by cli-progress with the core's rate and
 * time left, otherwise plain lines at most once every PROGRESS_LINE_MS and at the end,
 * so a log gets a readable trace, not a line per chunk. With --json, objects of type
 * "progress" on stdout, with the same throttle. The numbers are the core's
 * (TransferInfo): bytes durable at the other end, its rate over the last seconds, its
 * estimate of the time left.
 */
import { createRequire } from 'node:module';
import type { SingleBar } from 'cli-progress';
import type { TransferInfo } from '../peer/index.js';
import type { CliContext } from './context.js';
import { progressJson, progressLine, stalledText } from './file-format.js';
import { sanitize } from './format.js';
import { formatEta, formatRate, formatSize } from './sizes.js';

/** cli-progress is loaded when a bar is first drawn, not by every command at start. */
const load = createRequire(import.meta.url);

/** Plain and JSON progress lines: at most one per this long (the bar redraws by itself). */
export const PROGRESS_LINE_MS = 1_000;

/** Bar redraws per second: smooth enough to read, cheap on a slow terminal. */
const BAR_FPS = 8;

/** A long name is cut so the bar and its numbers fit an 80-column terminal. */
const BAR_NAME_CHARS = 24;

export interface ProgressOptions {
  json?: boolean;
  /** The clock for throttling lines (default Date.now); tests pass their own. */
  now?: () => number;
}

export interface Progress {
  /** The transfer moved on (a 'transfer:progress' event, or the state read once). */
  update(t: TransferInfo): void;
  /** Stops drawing: the bar stays on screen at its last value, the cursor comes back. */
  stop(): void;
}

/**
 * --json: throttled objects on stdout. Otherwise a bar when stderr is a terminal, else
 * throttled plain lines on stderr.
 */
export function transferProgress(ctx: CliContext, options: ProgressOptions = {}): Progress {
  const now = options.now ?? Date.now;
  if (options.json === true) return new LineProgress((line) => ctx.out(line), progressJson, now);
  if (ctx.io.stderr.isTTY === true) return new BarProgress(ctx);
  return new LineProgress((line) => ctx.err(line), progressLine, now);
}

/** Lines: the first update, then one per PROGRESS_LINE_MS, and the last (100%) always. */
export class LineProgress implements Progress {
  private lastAt = Number.NEGATIVE_INFINITY;
  private lastDone = -1;

  constructor(
    private readonly out: (line: string) => void,
    private readonly format: (t: TransferInfo) => string,
    private readonly now: () => number,
  ) {}

  update(t: TransferInfo): void {
    const finished = t.doneBytes >= t.size;
    // A change of state (waiting for the relay or the sender, moving again) is said at once.
    const moved = t.state !== this.lastState || t.waitingForSender !== this.lastWaiting;
    if (t.doneBytes === this.lastDone && !moved) return;
    const at = this.now();
    if (!finished && !moved && at - this.lastAt < PROGRESS_LINE_MS) return;
    this.lastAt = at;
    this.lastDone = t.doneBytes;
    this.lastState = t.state;
    this.lastWaiting = t.waitingForSender;
    this.out(this.format(t));
  }

  private lastState: TransferInfo['state'] | null = null;
  private lastWaiting = false;

  stop(): void {}
}

/**
 * The bar's words: `{name}`, `{done}`, `{size}`, `{rate}` (or why nothing moves) and
 * `{left}`, ` | ETA 0:01`, empty while nothing moves. Not `total`, `value`, `eta`...:
 * cli-progress fills those itself.
 */
export function barPayload(t: TransferInfo) {
  const stalled = stalledText(t);
  return {
    name: truncate(sanitize(t.name), BAR_NAME_CHARS),
    done: formatSize(t.doneBytes),
    size: formatSize(t.size),
    rate: stalled ?? formatRate(t.rateBytesPerSec),
    // No time left while nothing moves: a stale ETA read as "almost there" (a trial).
    left: stalled === null ? ` | ETA ${formatEta(t.etaMs)}` : '',
  };
}

/** The terminal's bar: `report.pdf [████░░░░] 47% | 1.0 MiB of 2.1 MiB | 3.4 MiB/s | ETA 0:01`. */
class BarProgress implements Progress {
  private bar: SingleBar | null = null;

  constructor(private readonly ctx: CliContext) {}

  update(t: TransferInfo): void {
    const payload = barPayload(t);
    // An empty file is done at once: a bar of 0 of 0 would read as 0%.
    const total = Math.max(1, t.size);
    const value = t.size === 0 ? 1 : t.doneBytes;
    if (this.bar === null) {
      const { SingleBar: Bar } = load('cli-progress') as { SingleBar: typeof SingleBar };
      this.bar = new Bar({
        stream: this.ctx.io.stderr as unknown as NodeJS.WritableStream,
        format: '{name} [{bar}] {percentage}% | {done} of {size} | {rate}{left}',
        barCompleteChar: '█',
        barIncompleteChar: '░',
        hideCursor: true,
        fps: BAR_FPS,
      });
      this.bar.start(total, value, payload);
    } else {
      this.bar.update(value, payload);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** At most `max` characters of `text`, ending in '…' when cut. */
function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
