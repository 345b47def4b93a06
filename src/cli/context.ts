/**
 * Per-run context shared by the commands: global options resolved against the
 * environment, the profile, the passphrase, the log file, and an open client.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  ensureProfileDir,
  keyFileModeIsPrivate,
  NatterClient,
  type PresenceOptions,
  type ProfilePaths,
  profilePaths,
  type RelayAddress,
  readConfig,
  resolveProfileDir,
  resolveRelayAddress,
} from '../peer/index.js';
import { describeError, isNatterError, NatterError } from '../util/errors.js';
import { createLogger, type Logger } from '../util/logger.js';
import { type ControlServer, controlSocketPath, startControlServer } from './control.js';
import { openBesideWatcher } from './control-holder.js';
import { CliCode, cliError } from './errors.js';
import type { CliIo } from './io.js';
import { Output } from './output.js';
import { withPassphrase } from './passphrase.js';
import { clientPresenceAllowed, type PresenceFlags, presenceNetwork } from './presence.js';
import { QueuedNotes } from './queued.js';

/**
 * How long a command waits for its profile while another natter process (a one-shot
 * command: chat and `inbox --follow` serve the others through their control socket) has
 * it open: scripts that run a few sends at once get them done one after another instead
 * of E_PROFILE_IN_USE for some (a new-user trial: 2 of 5). A longer holder (an upload)
 * is still said, once this has passed.
 */
export const PROFILE_LOCK_WAIT_MS = 10_000;

/** Bad command-line usage: exit status 2, like commander's own parse errors. */
export class UsageError extends NatterError {
  constructor(message: string) {
    super('E_USAGE', message);
    this.name = 'UsageError';
  }
}

/** The user stopped a command (Ctrl-C, SIGTERM): exit status 130, as a shell reports SIGINT. */
export class InterruptedError extends NatterError {
  constructor(message: string) {
    super('E_INTERRUPTED', message);
    this.name = 'InterruptedError';
  }
}

export interface GlobalOptions {
  profile?: string;
  relay?: string;
  passphraseFile?: string;
  acceptNewRelayKey?: boolean;
  presencePort?: number;
}

export interface OpenClientOptions {
  /** The command connects to a relay: resolve its address (or plan discovery) first. */
  connect?: boolean;
  /**
   * A long-running command (`inbox --follow`, `chat`): announce presence with these
   * flags (see addPresenceOptions) and serve the control socket until dispose().
   */
  announce?: PresenceFlags;
  /**
   * Say at the end what became of the messages already queued (queued.ts): sent,
   * refused, or still waiting, with how to see or cancel them.
   */
  tellQueued?: boolean;
  /** Without `announce`: listen on the LAN all the same, announcing nothing (`natter who`). */
  listen?: boolean;
  /** Claim this pseudonym instead of the profile's (`natter rename`; OpenOptions.pseudonym). */
  pseudonym?: string;
  /**
   * `who --watch` (who-hold.ts): E_PROFILE_IN_USE at once, not after PROFILE_LOCK_WAIT_MS,
   * and no watcher holding the profile is asked to step aside (control-holder.ts).
   */
  watcher?: boolean;
}

export class CliContext {
  private logStream: WriteStream | null = null;
  private log: Logger | null = null;
  private client: NatterClient | null = null;
  private control: ControlServer | null = null;
  private queued: QueuedNotes | null = null;
  /** Stdout, knowing which lines were written (output.ts). */
  readonly output: Output;
  /**
   * The command line gave --wait: the user said how long to try, so a refused address
   * is retried for that long instead of failing fast (connect.ts).
   */
  waitGiven = false;

  constructor(
    readonly io: CliIo,
    readonly global: GlobalOptions,
  ) {
    this.output = new Output(io.stdout);
  }

  get paths(): ProfilePaths {
    return profilePaths(resolveProfileDir(this.global.profile, this.io.env));
  }

  /**
   * A line on stdout. Once the reader has gone, lines are dropped: the command ends
   * with exit 0 when it returns (main.ts), a long-running one when stopped() resolves.
   */
  out(line: string): void {
    if (!this.output.isClosed) void this.output.line(line);
  }

  /** Resolves when a long-running command should stop: Ctrl-C, SIGTERM, or stdout closed. */
  stopped(): Promise<string> {
    return Promise.race([this.io.stopSignal(), this.output.closed.then(() => 'stdout closed')]);
  }

  /** A line on stderr. */
  err(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  /** A passphrase typed at a prompt in this run (`init --seal`): not asked for again. */
  typed: string | undefined;

  /** `--passphrase-file F` or NATTER_PASSPHRASE_FILE: the file's first line. */
  async passphrase(): Promise<string | undefined> {
    if (this.typed !== undefined) return this.typed;
    const file = this.global.passphraseFile ?? this.io.env.NATTER_PASSPHRASE_FILE;
    if (!file) return undefined;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw cliError(CliCode.PassphraseFile, `cannot read passphrase file ${file}`, {
        cause: err,
      });
    }
    const line = text.split(/\r?\n/)[0] ?? '';
    if (line.length === 0)
      throw cliError(CliCode.PassphraseEmpty, `passphrase file ${file} is empty`);
    return line;
  }

  /** `--relay` > NATTER_RELAY > the profile's config (E_NO_RELAY if none). */
  async relay(): Promise<RelayAddress> {
    return resolveRelayAddress({
      explicit: this.global.relay,
      env: this.io.env,
      config: await readConfig(this.paths),
    });
  }

  /** JSON lines appended to the profile's natter.log (ids, codes, counts; never text or keys). */
  async logger(): Promise<Logger> {
    if (this.log !== null) return this.log;
    const paths = this.paths;
    await ensureProfileDir(paths.dir);
    const stream = createWriteStream(paths.log, { flags: 'a', mode: 0o600 });
    stream.on('error', () => undefined);
    this.logStream = stream;
    this.log = createLogger({ stream, level: this.io.env.NATTER_DEBUG === '1' ? 'debug' : 'info' });
    return this.log;
  }

  /** The configured relay, or undefined if none is (then a client may discover one). */
  async configuredRelay(): Promise<RelayAddress | undefined> {
    try {
      return await this.relay();
    } catch (err) {
      if (isNatterError(err, 'E_NO_RELAY')) return undefined;
      throw err;
    }
  }

  /**
   * Presence for a client: announced for long-running commands, else listen-only
   * (used only to discover a relay when none is configured); false when switched off.
   */
  presence(announce: PresenceFlags | undefined, listen = false): PresenceOptions | false {
    if (!clientPresenceAllowed(this.io.env) || announce?.presence === false) return false;
    return {
      ...presenceNetwork(this.io.env, this.global.presencePort),
      announce: announce !== undefined,
      ...(listen ? { listen: true } : {}),
      ...(announce?.status === undefined ? {} : { status: announce.status }),
      ...(announce?.statusText === undefined ? {} : { statusText: announce.statusText }),
    };
  }

  /**
   * Opens the profile's client (identity, store). With `connect`, the relay address
   * is resolved first: E_NO_RELAY before anything else happens, unless presence may
   * find one on the LAN (connect() does that). With `announce`, the client announces
   * itself from connect() on, and its control socket (natter status, natter who)
   * runs until dispose(). Without it the relay session is quiet (OpenOptions.quiet):
   * a one-shot command (send, inbox, who) does not show its user online to others.
   * Connect separately.
   */
  async openClient(options: OpenClientOptions = {}): Promise<NatterClient> {
    if (this.client !== null) return this.client;
    const presence = this.presence(options.announce, options.listen);
    const relay = !options.connect
      ? undefined
      : presence === false
        ? await this.relay()
        : await this.configuredRelay();
    const logger = await this.logger();
    try {
      // A sealed key: the passphrase file, else asked on a terminal (passphrase.ts).
      this.client = await withPassphrase(
        this.io,
        this.paths.identity,
        await this.passphrase(),
        async (passphrase) => {
          const open = () =>
            NatterClient.open({
              profileDir: this.paths.dir,
              lockWaitMs: options.watcher ? 0 : PROFILE_LOCK_WAIT_MS,
              logger,
              ...(passphrase === undefined ? {} : { passphrase }),
              ...(this.global.acceptNewRelayKey ? { acceptNewRelayKey: true } : {}),
              ...(relay === undefined ? {} : { relay }),
              ...(options.pseudonym === undefined ? {} : { pseudonym: options.pseudonym }),
              presence: options.connect || options.announce ? presence : false,
              ...(options.announce === undefined ? { quiet: true } : {}),
            });
          if (!options.watcher)
            return openBesideWatcher(controlSocketPath(this.paths.dir), this.paths.dir, open);
          // A watcher opens it again after stepping aside: a typed passphrase is asked once.
          const client = await open();
          this.typed ??= passphrase;
          return client;
        },
      );
    } catch (err) {
      if (err instanceof NatterError && err.code === 'E_KEYFILE_MISSING') {
        throw cliError(
          CliCode.NoIdentity,
          `no identity in profile ${this.paths.dir}: run natter init --name NAME first`,
          { cause: err },
        );
      }
      throw err;
    }
    await this.warnIfKeyFileShared();
    if (options.tellQueued) this.queued = new QueuedNotes(this.client);
    if (options.announce !== undefined) await this.serveControl(this.client);
    return this.client;
  }

  /** Issue 10: a key file that group or others may read is said, on every command, with the fix. */
  private async warnIfKeyFileShared(): Promise<void> {
    if (await keyFileModeIsPrivate(this.paths.identity).catch(() => true)) return;
    this.io.stderr.write(
      `natter: warning: your key file ${this.paths.identity} can be read by other users; run: chmod 600 ${this.paths.identity}\n`,
    );
  }

  /** Closes the control socket, the client (if still open: BYE, then the store) and the log file. */
  async dispose(): Promise<void> {
    for (const line of this.queued?.lines() ?? []) this.err(line);
    await this.closeClient();
    const stream = this.logStream;
    this.logStream = null;
    if (stream !== null) await new Promise<void>((resolve) => stream.end(resolve));
  }

  /** Closes the control socket and the client, the log kept: a watcher stepping aside opens it again. */
  async closeClient(): Promise<void> {
    this.queued = null;
    await this.control?.close();
    this.control = null;
    await this.client?.close();
    this.client = null;
  }

  /** A control socket path the OS refuses (too long) costs only `natter status`. */
  private async serveControl(client: NatterClient): Promise<void> {
    const log = await this.logger();
    try {
      this.control = await startControlServer(controlSocketPath(this.paths.dir), client, log);
    } catch (err) {
      log.warn('control socket unavailable', describeError(err));
      this.io.stderr.write(
        `natter: control socket unavailable (${describeError(err).code}); natter status cannot reach this client\n`,
      );
    }
  }
}
