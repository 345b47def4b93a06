/**
 * The slash-command language's shapes: what each command parses to
 * (CommandArgs), what one command file provides (SlashCommand), and what running
 * a command may do to the screen (CommandHost, implemented by app.ts). The table
 * in index.ts is typed against CommandArgs, so a command named here without its
 * file, or a file without its pieces, does not compile (STYLE.md §6).
 */
import type { HistoryEntry, PresenceStatus } from '../../index.js';
import type { ChatCore } from '../core.js';
import type { UiSettings } from '../settings.js';
import type { ChatState, NoteKind, Panel } from '../state.js';

type NoArgs = Record<never, never>;

/** Every slash command, by name, with the arguments its parse() produces. */
export interface CommandArgs {
  /**
   * `typed`: for a '#' ref, all the arguments as typed; a group's name may have spaces, so
   * where the name ends and TEXT starts is known only against my groups (msg.ts).
   */
  msg: { name: string; text?: string; typed?: string };
  who: NoArgs;
  status: { status: PresenceStatus; text?: string };
  /** `key`: which of several pending keys to compare (1-based). */
  verify: { name: string; key?: number };
  /** `safetyNumber`: the number compared, as typed (parseSafetyNumber accepts it). */
  trust: { name: string; safetyNumber?: string };
  block: { name: string };
  unblock: { name: string };
  search: { text: string };
  'delete-history': NoArgs;
  /** `hit`: a /search hit's number (1-based). */
  open: { hit: number };
  expand: NoArgs;
  collapse: NoArgs;
  close: NoArgs;
  /** `/group create NAME [MEMBERS...]`: the only subcommand; the rest act on the open group. */
  group: { action: 'create'; name: string; members: string[] };
  invite: { name: string };
  kick: { name: string };
  promote: { name: string };
  demote: { name: string };
  members: NoArgs;
  rename: { name: string };
  leave: NoArgs;
  /** `/send PATH...`: files or folders to offer in the open conversation (as typed). */
  send: { paths: string[] };
  /** `ref`: an offer's id prefix; none: the newest offer waiting in the open conversation. */
  accept: { ref?: string };
  decline: { ref?: string };
  /** `ref`: a send's id prefix; none: my newest send in the open conversation. */
  cancel: { ref?: string };
  files: NoArgs;
  'accept-relay-key': NoArgs;
  help: NoArgs;
  quit: NoArgs;
}

export type CommandName = keyof CommandArgs;

/** One slash command as parsed, its name in `kind` (for N a union: one of them). */
export type Invocation<N extends CommandName = CommandName> = {
  [K in N]: { kind: K } & CommandArgs[K];
}[N];

/** A parsed input line: a message to send, or a slash command with its arguments. */
export type Command = { kind: 'say'; text: string } | Invocation;

/** The words after the command name, split once for every parse(). */
export interface Args {
  /** Everything after the command name, trimmed. */
  text: string;
  /** The first word ('' when there is none). */
  first: string;
  /** How many words follow the first. */
  more: number;
  /** What follows the first word, trimmed. */
  tail: string;
}

/**
 * What Tab offers for a command's first argument: known names, the open group's
 * members, command names, or fixed words; 'conversation': known names, or after a '#'
 * my groups' names (spaces and all); 'path': every argument is a path on the local
 * file system.
 */
export type ArgCompletion =
  | 'name'
  | 'conversation'
  | 'member'
  | 'command'
  | 'path'
  | readonly string[];

/** What /help and Tab know of a command. */
export interface CommandInfo {
  readonly name: CommandName;
  /** Other spellings people reach for ('/query' for /msg). */
  readonly aliases?: readonly string[];
  /** Shown by /help and in the error for bad arguments. */
  readonly usage: string;
  /** One line for /help. */
  readonly summary: string;
  /** What the first argument completes to; none when absent. */
  readonly completes?: ArgCompletion;
}

/** One file per command exports one of these (commands/msg.ts, ...). */
export interface SlashCommand<N extends CommandName> extends CommandInfo {
  readonly name: N;
  /** The command's arguments, or null when they do not fit (the answer is then the usage line). */
  parse(args: Args): Invocation<N> | null;
  /** Carries it out through the core's API; a rejection becomes a notice. */
  run(command: Invocation<N>, host: CommandHost): Promise<void> | void;
}

/** What a command may do: the core's API, and the screen's state and operations. */
export interface CommandHost {
  readonly core: ChatCore;
  readonly state: ChatState;
  readonly settings: UiSettings;
  /** Opens (creating if needed) the conversation with `name`. */
  open(name: string): void;
  /** Shows the conversation `id` (a group's, once the state has it). */
  showConversation(id: string): void;
  /** Takes the conversation `id` off the list (its history stays) and shows another. */
  closeConversation(id: string): void;
  /** Sends `text` in the active conversation. */
  say(text: string): Promise<void>;
  /**
   * Shows a long message whole and brings it into view: `msgId` at offset `at` of its
   * text (/open), or with none the collapsed message on screen (/expand). False when
   * there is none; closes a panel.
   */
  expand(msgId?: string, at?: number): boolean;
  /** Folds the messages expand() showed whole, back to the newest; how many there were. */
  collapse(): number;
  /** Reads the open conversation around message `entry` (a /search hit), however old it is. */
  readAround(entry: HistoryEntry): Promise<void>;
  showPanel(panel: Panel): void;
  /** The help panel: commands (from the table), keys, sidebar legend, settings. */
  showHelp(): void;
  notice(text: string, kind?: NoteKind): void;
  /** Adds the screen's own line to conversation `id` (never stored), and draws. */
  note(id: string, text: string, kind?: NoteKind): void;
  /** A path as typed made absolute, `~` expanded (path-completion.ts). */
  expandPath(path: string): string;
  /** Reads the open conversation again: the core wrote to it (a file offer sent). */
  reread(): Promise<void>;
  /**
   * Asks a yes/no question in the input line; `onYes` runs on a `y` key (keyboard.ts
   * typing()). `topic`: what it is about, for the screen to withdraw it when that changes.
   */
  ask(question: string, onYes: () => Promise<void>, topic?: string): void;
  setOwnStatus(status: PresenceStatus, text: string): Promise<void>;
  /** Body width, for panels that lay text out. */
  paneWidth(): number;
  quit(): Promise<void>;
  /** Quits, after a y/n while messages wait unsent. */
  requestQuit(): void;
}
