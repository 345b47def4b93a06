/**
 * The chat screen in-process, for the screen tests: blessed on fake streams (an
 * 80x24 "terminal" by default), driven by a fake core emitting events, keys
 * typed into the input stream. Tests assert on blessed's screen buffer, as the
 * terminal would show it, and on the bytes written to the terminal.
 */
import { PassThrough } from 'node:stream';
import blessed from 'blessed';
import { ChatApp, type ChatAppOptions } from '../../../src/peer/ui/app.js';
import type { LocalFiles } from '../../../src/peer/ui/path-completion.js';
import { BlessedTerminal } from '../../../src/peer/ui/screen.js';
import { DEFAULT_SETTINGS, type UiSettings } from '../../../src/peer/ui/settings.js';
import type { SavedState } from '../../../src/peer/ui/state.js';
import { ManualClock } from '../../../src/util/clock.js';
import { FakeCore } from './fake-core.js';

export type FakeTty = PassThrough & {
  isTTY: boolean;
  columns: number;
  rows: number;
  setRawMode?: () => void;
};

export interface Harness {
  core: FakeCore;
  app: ChatApp;
  term: BlessedTerminal;
  clock: ManualClock;
  input: FakeTty;
  output: FakeTty;
  /** Everything written to the terminal so far. */
  written(): string;
  /** The screen as the terminal shows it, one string per row. */
  rows(): string[];
  type(text: string): Promise<void>;
  settle(): Promise<void>;
  resize(cols: number, rows: number): Promise<void>;
}

export const tick = () => new Promise((resolve) => setImmediate(resolve));

const harnesses: Harness[] = [];

/** Destroys the terminals of every harness started so far (afterEach). */
export function destroyAll(): void {
  for (const h of harnesses.splice(0)) h.term.destroy();
}

export async function start(
  options: {
    cols?: number;
    rows?: number;
    settings?: Partial<UiSettings>;
    setup?: (core: FakeCore) => void;
    /** The file system /send completes over (none: no path completion). */
    localFiles?: LocalFiles;
    /** The list the last run saved (ui-state.json). */
    saved?: SavedState;
    /** A terminal that does not bracket pastes (BlessedTerminalOptions.guessPastes). */
    guessPastes?: boolean;
    /** Inside tmux (BlessedTerminalOptions.tmux). */
    tmux?: boolean;
    /** The terminfo name (default xterm-256color) and $COLORTERM. */
    terminal?: string;
    colorTerm?: string;
    /** What the relay said of its mail store before the screen opened. */
    store?: ChatAppOptions['store'];
    /** The caller that asks for another name when the relay refuses this one. */
    nameRefused?: ChatAppOptions['nameRefused'];
  } = {},
): Promise<Harness> {
  const input = new PassThrough() as FakeTty;
  input.isTTY = true;
  input.setRawMode = () => undefined;
  const output = new PassThrough() as FakeTty;
  output.isTTY = true;
  output.columns = options.cols ?? 80;
  output.rows = options.rows ?? 24;
  let written = '';
  output.on('data', (d: Buffer) => {
    written += d.toString('utf8');
  });
  const core = new FakeCore();
  options.setup?.(core);
  const term = new BlessedTerminal(
    {
      input,
      output,
      terminal: options.terminal ?? 'xterm-256color',
      ...(options.colorTerm === undefined ? {} : { colorTerm: options.colorTerm }),
      guessPastes: options.guessPastes === true,
      tmux: options.tmux === true,
    },
    blessed,
  );
  const clock = new ManualClock(core.now);
  const app = new ChatApp(core, term, {
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
    clock,
    ...(options.localFiles === undefined ? {} : { localFiles: options.localFiles }),
    ...(options.saved === undefined ? {} : { saved: options.saved }),
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.nameRefused === undefined ? {} : { nameRefused: options.nameRefused }),
  });
  const settle = async () => {
    await tick();
    await app.settled();
    await tick();
  };
  const h: Harness = {
    core,
    app,
    term,
    clock,
    input,
    output,
    written: () => written,
    rows: () => term.lines(),
    type: async (text) => {
      input.write(text);
      await settle();
    },
    settle,
    resize: async (cols, rows) => {
      output.columns = cols;
      output.rows = rows;
      output.emit('resize');
      await settle();
    },
  };
  harnesses.push(h);
  await app.start();
  await settle();
  return h;
}

export const screenText = (h: Harness) => h.rows().join('\n');

/**
 * The notice line as the screen shows it: its rows (a long notice wraps upwards)
 * above a one-row input, joined with single spaces.
 */
export function noticeText(h: Harness): string {
  const rows = h.rows();
  const out: string[] = [];
  for (let y = rows.length - 3; y >= 0; y--) {
    const row = rows[y]!;
    out.unshift(
      row
        .replace(/─+\s*$/, '')
        .replace(/^─ /, '')
        .trim(),
    );
    if (row.startsWith('─')) break;
  }
  return out.join(' ').trim();
}
