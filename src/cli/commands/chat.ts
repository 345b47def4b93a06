/**
 * `natter chat`: the terminal client. On first run it asks for a pseudonym and an
 * optional passphrase and creates the identity; a sealed key is unlocked with a
 * passphrase prompt; then it opens the screen (src/peer/ui) and connects, to the
 * configured relay or to one found on the LAN. Ctrl-C or /quit logs out cleanly.
 *
 * Files in the profile, besides the core's: ui.json (settings, see
 * src/peer/ui/settings.ts and docs/chat.md) and ui-state.json (the conversation
 * list and unread counts, rewritten as they change).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  isConversationId,
  isIdentitySealed,
  type NatterClient,
  pseudonymProblem,
} from '../../peer/index.js';
import {
  ask,
  ChatApp,
  guessesPastes,
  MAX_AUTO_AWAY_MINUTES,
  openTerminal,
  type PromptIo,
  parseSettings,
  type SavedState,
  type UiSettings,
} from '../../peer/ui/index.js';
import { writeFileAtomic } from '../../util/atomic-file.js';
import { describeError, isNatterError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import {
  connectOrRename,
  earlyEvents,
  firstRun,
  type NameRefusal,
  nameAgain,
} from '../chat-register.js';
import { CliContext } from '../context.js';
import { CliCode, cliError } from '../errors.js';
import { exists } from '../io.js';
import { localFiles } from '../local-files.js';
import type { WithContext } from '../main.js';
import { addPresenceOptions, type PresenceFlags } from '../presence.js';
import { refuseIfRunning } from '../via-control.js';

interface ChatOptions extends PresenceFlags {
  autoAway?: number;
  bell?: boolean;
  notify?: UiSettings['desktopNotifications'];
}

/** Wrong passphrases before giving up. */
const PASSPHRASE_ATTEMPTS = 3;
/** Conversations remembered in ui-state.json. */
const MAX_SAVED_CONVERSATIONS = 1_000;
/** A saved group name longer than this is damage, not a name (the core's names are far shorter). */
const MAX_SAVED_GROUP_NAME_CHARS = 256;

export function addChatCommand(program: Command, withContext: WithContext): void {
  const command = program
    .command('chat')
    .description('the terminal client: who is online, conversations, end-to-end encrypted chat')
    .option(
      '--auto-away <minutes>',
      `go away after this many idle minutes, 0 never (ui.json autoAwayMinutes; default 5)`,
      parseMinutes,
    )
    .option('--no-bell', 'no terminal bell for messages in other conversations (ui.json bell)')
    .addOption(
      new Option(
        '--notify <kind>',
        'desktop notifications through the terminal (ui.json desktopNotifications; default off)',
      ).choices(['off', 'osc9', 'osc777']),
    );
  addPresenceOptions(command).action(
    withContext(async (base, opts: ChatOptions) => {
      const flags: Record<string, unknown> = {};
      if (opts.autoAway !== undefined) flags.autoAwayMinutes = opts.autoAway;
      if (command.getOptionValueSource('bell') === 'cli') flags.bell = opts.bell;
      if (opts.notify !== undefined) flags.desktopNotifications = opts.notify;
      await runChat(base, opts, flags);
    }),
  );
}

async function runChat(
  base: CliContext,
  opts: ChatOptions,
  flags: Record<string, unknown>,
): Promise<void> {
  // Issue 13 item 3: a chat already running on the profile is said before any prompt.
  await refuseIfRunning(base);
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw cliError(
      CliCode.NotATerminal,
      'chat: needs a terminal on stdin and stdout; scripts use natter send and natter inbox',
    );
  }
  const io: PromptIo = { input: base.io.stdin, output: base.io.stderr };
  // The first run may start over (a taken name) with a fresh context: dispose the last one.
  const holder = { ctx: new CliContext(base.io, base.global) };
  try {
    const ctx = holder.ctx;
    // An existing profile whose name was taken meanwhile picks another here (chat-register.ts).
    let client = (await exists(ctx.paths.identity))
      ? await connectOrRename(holder, io, { announce: opts }, await unlock(ctx, io, opts))
      : await firstRun(holder, io, opts);
    // The relay refused the name while the screen was open (it was down at the first run's
    // wizard): the screen closes, the wizard's prompt asks for another, the screen opens again.
    for (;;) {
      const refused = await runScreen(base, holder, client, flags);
      if (refused === null) return;
      client = await nameAgain(holder, io, { announce: opts }, client.me.pseudonym, refused);
    }
  } finally {
    await holder.ctx.dispose();
  }
}

/** One screen over `client`, until quit (null) or the relay refused its name. */
async function runScreen(
  base: CliContext,
  holder: { ctx: CliContext },
  client: NatterClient,
  flags: Record<string, unknown>,
): Promise<NameRefusal | null> {
  const dir = holder.ctx.paths.dir;
  const { settings, problems } = await loadSettings(dir, flags);
  const log = await holder.ctx.logger();
  for (const p of problems) log.warn('ui settings ignored', { problem: p });
  const stateFile = new StateFile(join(dir, 'ui-state.json'), log);
  const term = await openTerminal({
    tmux: Boolean(base.io.env.TMUX),
    guessPastes: guessesPastes(base.io.env.TERM ?? ''),
    ...(base.io.env.COLORTERM === undefined ? {} : { colorTerm: base.io.env.COLORTERM }),
  });
  let refused: NameRefusal | null = null;
  const app: ChatApp = new ChatApp(client, term, {
    settings,
    localFiles: localFiles(),
    logger: log,
    saved: await stateFile.load(),
    // The client connected before the screen existed: what it reported.
    ...earlyEvents(client),
    save: (s) => stateFile.save(s),
    // What the core announces: --status, or the status chosen last time (chosen-status.ts).
    initialStatus: client.ownStatus(),
    nameRefused: (r) => {
      refused = r;
      void app.quit();
    },
  });
  try {
    await app.start();
    if (problems[0] !== undefined) app.notice(`${problems[0]} (see natter chat --help)`, 'warn');
    void base.io.stopSignal().then(() => app.quit());
    await app.done;
  } finally {
    term.destroy();
    await stateFile.flush();
  }
  return refused;
}

/** Opens the profile's client, asking for the passphrase of a sealed key file. */
async function unlock(
  ctx: CliContext,
  io: PromptIo,
  announce: PresenceFlags,
): Promise<NatterClient> {
  if ((await ctx.passphrase()) !== undefined || !(await isIdentitySealed(ctx.paths.identity))) {
    return ctx.openClient({ connect: true, announce });
  }
  for (let attempt = 1; ; attempt++) {
    ctx.typed = await ask(io, 'passphrase: ', { hidden: true });
    try {
      return await ctx.openClient({ connect: true, announce });
    } catch (err) {
      if (!isNatterError(err, 'E_BAD_PASSPHRASE') || attempt >= PASSPHRASE_ATTEMPTS) throw err;
      io.output.write('wrong passphrase, try again\n');
    }
  }
}

/** ui.json, then the flags over it. A missing file is the defaults; a bad one is reported. */
export async function loadSettings(
  dir: string,
  flags: Record<string, unknown>,
): Promise<{ settings: UiSettings; problems: string[] }> {
  let raw: unknown;
  const problems: string[] = [];
  try {
    raw = JSON.parse(await readFile(join(dir, 'ui.json'), 'utf8'));
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT')
      problems.push('ui.json is not valid JSON: ignored');
  }
  const file = parseSettings(raw);
  const withFlags = parseSettings(flags, file.settings);
  return {
    settings: withFlags.settings,
    problems: [...problems, ...file.problems, ...withFlags.problems],
  };
}

/** ui-state.json: read once, rewritten (write-then-rename) one save at a time. */
class StateFile {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly log: Logger,
  ) {}

  async load(): Promise<SavedState | undefined> {
    try {
      return parseSaved(JSON.parse(await readFile(this.path, 'utf8')));
    } catch {
      return undefined;
    }
  }

  save(state: SavedState): void {
    this.chain = this.chain.then(async () => {
      try {
        await writeFileAtomic(this.path, `${JSON.stringify(state)}\n`);
      } catch (err) {
        // Losing unread counts is not worth a crash; the next save tries again.
        this.log.warn('ui state not saved', { code: describeError(err).code });
      }
    });
  }

  flush(): Promise<void> {
    return this.chain;
  }
}

/** The saved list, checked field by field: the file is ours, but may be damaged. */
export function parseSaved(raw: unknown): SavedState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as { conversations?: unknown; active?: unknown; closed?: unknown };
  if (!Array.isArray(r.conversations)) return undefined;
  const conversations: SavedState['conversations'] = [];
  for (const c of r.conversations.slice(0, MAX_SAVED_CONVERSATIONS)) {
    const { id, name, unread, mentioned } = (c ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || typeof name !== 'string') continue;
    // A group keeps its id; its name is only shown until the core's groups() replaces it.
    const group = id.startsWith('#');
    if (group && !isConversationId(id)) continue;
    if (group ? name.length > MAX_SAVED_GROUP_NAME_CHARS : pseudonymProblem(name) !== null)
      continue;
    const count = Number.isInteger(unread) && (unread as number) >= 0 ? (unread as number) : 0;
    conversations.push({ id, name, unread: count, mentioned: mentioned === true });
  }
  const closed: SavedState['closed'] = [];
  for (const c of Array.isArray(r.closed) ? r.closed.slice(-MAX_SAVED_CONVERSATIONS) : []) {
    const { id, lastMs } = (c ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || !isConversationId(id)) continue;
    closed.push({ id, lastMs: Number.isSafeInteger(lastMs) ? (lastMs as number) : 0 });
  }
  return { conversations, active: typeof r.active === 'string' ? r.active : null, closed };
}

function parseMinutes(value: string): number {
  const n = Number(value);
  if (!/^\d{1,6}$/.test(value) || n > MAX_AUTO_AWAY_MINUTES) {
    throw new InvalidArgumentError(`expected whole minutes, 0-${MAX_AUTO_AWAY_MINUTES}`);
  }
  return n;
}
