/**
 * Sizes as people type them (issue 12: `natter config set max-incoming 2G`), and the
 * formatting of sizes, rates and times left (src/util/sizes.ts, shared with the chat
 * screen). Binary units: 1K = 1024 bytes, shown as KiB.
 */
import bytes from 'bytes';
import { InvalidArgumentError } from 'commander';

/**
 * A size as typed: digits with an optional fraction and unit, `2G`, `500M`, `1.5GiB`,
 * `10kb`, `4096`. The syntax is checked here because bytes.parse() is lenient where a
 * setting must not be: it reads '2G' as 2 bytes and '12x' as 12.
 */
const SIZE_SYNTAX = /^(\d{1,15}(?:\.\d{1,6})?)\s*(?:([kmgtp])(?:i?b)?|(b))?$/i;

/** The largest size accepted: more than any disk, and still an exact integer. */
export const MAX_SIZE_BYTES = 2 ** 53 - 1;

/** `2G` → 2147483648. Throws commander's InvalidArgumentError (a usage error) otherwise. */
export function parseSize(value: string): number {
  const m = SIZE_SYNTAX.exec(value.trim());
  if (m === null) throw new InvalidArgumentError('expected a size such as 500M, 2G or 1048576');
  const unit = m[2] === undefined ? 'b' : `${m[2].toLowerCase()}b`;
  const n = bytes.parse(`${m[1]}${unit}`);
  if (n === null || !Number.isSafeInteger(n) || n > MAX_SIZE_BYTES)
    throw new InvalidArgumentError('expected a size such as 500M, 2G or 1048576');
  return n;
}

export { formatEta, formatRate, formatSize, percentDone } from '../util/sizes.js';
