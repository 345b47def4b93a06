import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { parseLimit, parseSince } from '../../../src/cli/options.js';

describe('cli options: --since and --limit', () => {
  const now = Date.parse('2025-06-15T12:00:00Z');

  it('reads an age before now in seconds, minutes, hours or days', () => {
    assert.equal(parseSince('90s', now), now - 90_000);
    assert.equal(parseSince('30m', now), now - 30 * 60_000);
    assert.equal(parseSince('2h', now), now - 2 * 3_600_000);
    assert.equal(parseSince('7d', now), now - 7 * 86_400_000);
  });

  it('reads a date as local midnight and a date and time as local time', () => {
    assert.equal(parseSince('2025-01-31', now), new Date(2025, 0, 31).getTime());
    assert.equal(parseSince('2025-01-31T09:30', now), new Date(2025, 0, 31, 9, 30).getTime());
    assert.equal(parseSince('2025-01-31T09:30:00Z', now), Date.parse('2025-01-31T09:30:00Z'));
  });

  it('refuses anything else as bad usage', () => {
    for (const bad of ['yesterday', '2h ago', '-1d', '31/01/2025', '2025-13-45', '', '5w']) {
      assert.throws(() => parseSince(bad, now), InvalidArgumentError, bad);
    }
    for (const bad of ['0', '-1', '1.5', 'ten', '100001']) {
      assert.throws(() => parseLimit(bad), InvalidArgumentError, bad);
    }
    assert.equal(parseLimit('100000'), 100_000);
  });
});
