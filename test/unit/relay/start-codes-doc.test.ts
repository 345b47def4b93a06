/**
 * Every code a `natter relay` that cannot start may end with is in the README's row
 * for `natter relay` (operator trial: E_RELAY_LOCKED was missing). A new failure code
 * fails this test until it is listed, or named here as one that never ends a start.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliCode } from '../../../src/cli/errors.js';
import { RelayFailureCode } from '../../../src/relay/errors.js';

/** Failures of a running relay (logged), never of its start. */
const RUNNING_ONLY: readonly string[] = [
  RelayFailureCode.StoreClosed,
  RelayFailureCode.SeqExhausted,
];

describe("README's natter relay row", () => {
  it('lists every code a relay that cannot start ends with', async () => {
    const readme = await readFile(join(import.meta.dirname, '../../../README.md'), 'utf8');
    const row = readme.split('\n').find((line) => line.startsWith('| `natter relay '));
    assert.ok(row, 'README has a row for natter relay');
    const listed = new Set(row.match(/`E_[A-Z_]+`/g)?.map((c) => c.slice(1, -1)));
    const start = [
      ...Object.values(RelayFailureCode).filter((c) => !RUNNING_ONLY.includes(c)),
      CliCode.RelayData,
      CliCode.RelayListen,
    ];
    assert.deepEqual(
      start.filter((c) => !listed.has(c)),
      [],
    );
  });
});
