import assert from 'node:assert/strict';
import { UsageError } from '../../../src/cli/context.js';
import { formatHistoryKeep, parseHistoryKeep } from '../../../src/cli/history-keep.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

describe('cli/history-keep', () => {
  it('reads hours, days, weeks and years, and for ever', () => {
    for (const [given, ms] of [
      ['36h', 36 * HOUR],
      ['90d', 90 * DAY],
      [' 2 Weeks ', 14 * DAY],
      ['1y', 365 * DAY],
      ['3 days', 3 * DAY],
      ['1 hour', HOUR],
      ['forever', null],
      ['for ever', null],
      ['', null],
    ] as const) {
      assert.equal(parseHistoryKeep(given), ms, given);
    }
  });

  it('refuses minutes, months, fractions and what is out of range', () => {
    for (const given of ['6m', '2mo', '1.5d', '-1d', '0h', '101y', 'd', '10']) {
      assert.throws(() => parseHistoryKeep(given), UsageError, given);
    }
  });

  it('says the setting in the largest unit it is whole in', () => {
    assert.equal(formatHistoryKeep(null), 'for ever');
    assert.equal(formatHistoryKeep(HOUR), '1 hour');
    assert.equal(formatHistoryKeep(36 * HOUR), '36 hours');
    assert.equal(formatHistoryKeep(14 * DAY), '2 weeks');
    assert.equal(formatHistoryKeep(90 * DAY), '90 days');
    assert.equal(formatHistoryKeep(730 * DAY), '2 years');
  });
});
