/**
 * Per-run context shared by the commands: global options resolved against the
 * environment, the profile, the passphrase, the log file, and an open client.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { NatterClient } from '../peer/client.js';
import {
  ensureProfileDir,
  type ProfilePaths,
  profilePaths,
  type RelayAddress,
  readConfig,
  resolveProfileDir,
  resolveRelayAddress,
} from '../peer/profile.js';
import { NatterError } from '../util/errors.js';
import { createLogger, type Logger } from '../util/logger.js';
import type { CliIo } from './io.js';

/** Bad command-line usage: exit status 2, like commander's own parse errors. */
export class UsageError extends NatterError {
  constructor(message: string) {
    super('E_USAGE', message);
    this.name = 'UsageError';
  }
}

export interface GlobalOptions {
  profile?: string;
  relay?: string;
  passphraseFile?: string;
  acceptNewRelayKey?: boolean;
}

export class CliContext {
  private logStream: WriteStream | null = null;
  private log: Logger | null = null;
  private client: NatterClient | null = null;

  constructor(
    readonly io: CliIo,
    readonly global: GlobalOptions,
  ) {}

  get paths(): ProfilePaths {
    return profilePaths(resolveProfileDir(this.global.profile, this.io.env));
  }

  out(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** `--passphrase-file F` or NATTER_PASSPHRASE_FILE: the file's first line. */
  async passphrase(): Promise<string | undefined> {
    const file = this.global.passphraseFile ?? this.io.env.NATTER_PASSPHRASE_FILE;
    if (!file) return undefined;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new NatterError('E_PASSPHRASE_FILE', `cannot read passphrase file ${file}`, {
        cause: err,
      });
    }
    const line = text.split(/\r?\n/)[0] ?? '';
    if (line.length === 0)
      throw new NatterError('E_PASSPHRASE_EMPTY', `passphrase file ${file} is empty`);
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

  /**
   * Opens the profile's client (identity, store). With `connect`, the relay address
   * is resolved first (E_NO_RELAY before anything else happens); connect separately.
   */
  async openClient(options: { connect?: boolean } = {}): Promise<NatterClient> {
    if (this.client !== null) return this.client;
    const relay = options.connect ? await this.relay() : undefined;
    const passphrase = await this.passphrase();
    try {
      this.client = await NatterClient.open({
        profileDir: this.paths.dir,
        logger: await this.logger(),
        ...(passphrase === undefined ? {} : { passphrase }),
        ...(this.global.acceptNewRelayKey ? { acceptNewRelayKey: true } : {}),
        ...(relay === undefined ? {} : { relay }),
      });
    } catch (err) {
      if (err instanceof NatterError && err.code === 'E_KEYFILE_MISSING') {
        throw new NatterError(
          'E_NO_IDENTITY',
          `no identity in profile ${this.paths.dir}: run natter init --name NAME first`,
          { cause: err },
        );
      }
      throw err;
    }
    return this.client;
  }

  /** Closes the client (if still open) and the log file. */
  async dispose(): Promise<void> {
    await this.client?.close();
    this.client = null;
    const stream = this.logStream;
    this.logStream = null;
    if (stream !== null) await new Promise<void>((resolve) => stream.end(resolve));
  }
}
