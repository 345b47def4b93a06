/**
 * The chat screen's parts (parts.ts), made once per screen around a terminal and
 * the core, and told about one another here, in one place (STYLE.md: one typed
 * components object rather than closures spread through a constructor). app.ts
 * keeps the lifecycle and the command host; the two things only it does for the
 * parts, notices and switching conversations, come in as a ScreenHost.
 */
import { type Clock, systemClock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import { type Logger, silentLogger } from '../../util/logger.js';
import { Connector } from './connector.js';
import type { ChatCore } from './core.js';
import { Display } from './display.js';
import { InputLine } from './input-line.js';
import { NoticeExpiry } from './notice.js';
import { OpenConversation } from './open-conversation.js';
import { OwnStatus } from './own-status.js';
import type { ScreenParts } from './parts.js';
import type { LocalFiles } from './path-completion.js';
import { Saver } from './saver.js';
import type { Terminal } from './screen.js';
import type { UiSettings } from './settings.js';
import { ChatState, type NoteKind, type SavedState } from './state.js';
import { Tasks } from './tasks.js';

/** The options the parts are made with (ChatAppOptions in app.ts adds the rest). */
export interface ScreenOptions {
  settings: UiSettings;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: logs nothing. */
  logger?: Logger;
  /** Called (debounced) when the conversation list or unread counts change. */
  save?: (state: SavedState) => void;
  /** The local file system, for /send: Tab completes paths, `~` is the home folder. */
  localFiles?: LocalFiles;
  /**
   * The relay refused the name this profile registers (NAME_REFUSALS, connector.ts: taken,
   * or not a name it accepts), once per screen: the caller asks for another and carries on
   * (`natter chat`: chat-register.ts nameAgain). Default: the refusal is only said.
   */
  nameRefused?: (refusal: { code: string; message: string }) => void;
}

/** What the screen itself (app.ts) does for its parts. */
export interface ScreenHost {
  /** Shows `text` in the notice line (sticky: until Esc or the next notice), and draws. */
  notice(text: string, kind?: NoteKind, sticky?: boolean): void;
  /** The active conversation changed, or was opened again. */
  switched(): void;
}

/** The parts, and what only the screen's own lifecycle uses. */
export interface ScreenComponents {
  readonly parts: ScreenParts;
  readonly own: OwnStatus;
  readonly expiry: NoticeExpiry;
  readonly log: Logger;
}

export function assembleScreen(
  core: ChatCore,
  term: Terminal,
  options: ScreenOptions,
  host: ScreenHost,
): ScreenComponents {
  const settings = options.settings;
  const clock = options.clock ?? systemClock;
  const log = (options.logger ?? silentLogger).child({ component: 'ui' });
  const state = new ChatState({ pseudonym: core.me.pseudonym, fingerprint: core.me.fingerprint });
  const tasks = new Tasks(log);
  const input = new InputLine(options.localFiles);
  const expiry = new NoticeExpiry(clock, state, () => render());
  const render = () => {
    expiry.watch();
    display.render();
  };
  const conversation = new OpenConversation({
    core,
    state,
    tasks,
    pageSize: settings.historyPageSize,
    changed: render,
  });
  const display = new Display(term, state, input, conversation.view, settings);
  const parts: ScreenParts = {
    core,
    state,
    settings,
    term,
    clock,
    input,
    conversation,
    display,
    tasks,
    saver: new Saver(clock, () => state.snapshot(), options.save),
    connector: new Connector({
      core,
      state,
      tasks,
      log,
      clock,
      changed: render,
      notice: (text, kind, sticky) => host.notice(text, kind, sticky),
      ...(options.nameRefused === undefined ? {} : { nameRefused: options.nameRefused }),
    }),
    render,
    notice: (text, kind) => host.notice(text, kind),
    switched: () => host.switched(),
  };
  const own = new OwnStatus({
    state,
    announce: (status, text, automatic) => core.setStatus(status, text, { chosen: !automatic }),
    clock,
    autoAwayMinutes: settings.autoAwayMinutes,
    changed: render,
    failed: (err) => log.warn('status not announced', { code: describeError(err).code }),
  });
  return { parts, own, expiry, log };
}
