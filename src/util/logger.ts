/**
 * Structured JSON logs, one object a line. Callers pass fields, never message
 * content, passphrases or secret keys: log ids, sizes, codes and counts only.
 */
import type { Writable } from 'node:stream';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Minimum level written. Default 'info', or NATTER_LOG_LEVEL. */
  level?: LogLevel;
  /** Where lines go. Default process.stderr. */
  stream?: Pick<Writable, 'write'>;
  /** Fields added to every line. */
  base?: LogFields;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const envLevel = process.env.NATTER_LOG_LEVEL as LogLevel | undefined;
  const level = options.level ?? (envLevel && envLevel in RANK ? envLevel : 'info');
  const stream = options.stream ?? process.stderr;
  const base = options.base ?? {};
  const min = RANK[level];
  const write = (lvl: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[lvl] < min) return;
    stream.write(
      `${JSON.stringify({ t: new Date().toISOString(), level: lvl, msg, ...base, ...fields })}\n`,
    );
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger({ level, stream, base: { ...base, ...fields } }),
  };
}

/** A logger that writes nothing (tests, and library users who bring none). */
export const silentLogger: Logger = createLogger({ level: 'silent' });
