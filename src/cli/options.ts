/** Option parsers shared by commands; a bad value is a usage error (exit 2). */
import { InvalidArgumentError } from 'commander';

export function parseMs(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('expected a number of milliseconds');
  return Number(value);
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535)
    throw new InvalidArgumentError('expected a port 0-65535');
  return n;
}
