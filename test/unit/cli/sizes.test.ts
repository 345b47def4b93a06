/**
 * Sizes as typed (`natter config set max-incoming 2G`) and as shown (progress, lists):
 * binary units both ways, and a typo is refused, never read as a few bytes.
 */
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import {
  formatEta,
  formatRate,
  formatSize,
  MAX_SIZE_BYTES,
  parseSize,
  percentDone,
} from '../../../src/cli/sizes.js';

describe('cli sizes', () => {
  it('reads sizes with binary units, with or without B or iB, any case', () => {
    assert.equal(parseSize('2G'), 2 * 1024 ** 3);
    assert.equal(parseSize('500M'), 500 * 1024 ** 2);
    assert.equal(parseSize('500mb'), 500 * 1024 ** 2);
    assert.equal(parseSize('1.5GiB'), 1.5 * 1024 ** 3);
    assert.equal(parseSize('10k'), 10_240);
    assert.equal(parseSize('1T'), 1024 ** 4);
    assert.equal(parseSize('4096'), 4096);
    assert.equal(parseSize('4096B'), 4096);
    assert.equal(parseSize(' 2 G '), 2 * 1024 ** 3);
    assert.equal(parseSize('0'), 0);
  });

  it('refuses what is not a size, where a lenient parser would read a few bytes', () => {
    for (const bad of [
      '',
      'G',
      '2x',
      '12 apples',
      '-1',
      '+5M',
      '1e9',
      '2GG',
      '0x10',
      '1,5G',
      'Infinity',
    ])
      assert.throws(() => parseSize(bad), InvalidArgumentError, `'${bad}'`);
  });

  it('refuses a size past MAX_SIZE_BYTES', () => {
    assert.throws(() => parseSize('9000P'), InvalidArgumentError);
    assert.ok(MAX_SIZE_BYTES >= 1024 ** 5);
  });

  it('shows sizes in IEC units with one decimal', () => {
    assert.equal(formatSize(0), '0 B');
    assert.equal(formatSize(1023), '1023 B');
    assert.equal(formatSize(1024), '1.0 KiB');
    assert.equal(formatSize(2_202_009), '2.1 MiB');
    assert.equal(formatSize(512 * 1024 ** 2), '512.0 MiB');
    assert.equal(formatSize(4 * 1024 ** 3), '4.0 GiB');
    assert.equal(formatSize(Number.NaN), '0 B');
  });

  it('shows rates, times left and percentages, with a dash when unknown', () => {
    assert.equal(formatRate(3.4 * 1024 ** 2), '3.4 MiB/s');
    assert.equal(formatRate(0), '-');
    assert.equal(formatEta(null), '-');
    assert.equal(formatEta(6_100), '0:07');
    assert.equal(formatEta(750_000), '12:30');
    assert.equal(formatEta(7_500_000), '2:05:00');
    assert.equal(formatEta(-1), '-');
    assert.equal(percentDone(0, 0), 100, 'an empty file is done');
    assert.equal(percentDone(999, 1000), 99, 'never 100 before the end');
    assert.equal(percentDone(2000, 1000), 100);
  });
});
