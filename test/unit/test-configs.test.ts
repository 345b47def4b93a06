/**
 * `npm test` runs the suite in two mocha runs (docs/decisions.md, "The suite runs in
 * parallel"): most files two at a time, then the ones that time a LAN alone. Together
 * they must run every test file that `.mocharc.json` names, each exactly once, or a new
 * folder of tests would silently never run.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface MochaConfig {
  spec: string[];
  ignore?: string[];
  parallel?: boolean;
}

function config(file: string): MochaConfig {
  return JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as MochaConfig;
}

/** Every `*.test.ts` under test/, as a path from the checkout (posix separators). */
function testFiles(dir = 'test'): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...testFiles(rel));
    else if (entry.name.endsWith('.test.ts')) out.push(rel);
  }
  return out;
}

/** Node 20.17+'s `path.matchesGlob` (minimatch underneath, as mocha's own lookup). */
const matches = (file: string, pattern: string): boolean =>
  (path as unknown as { matchesGlob(p: string, g: string): boolean }).matchesGlob(file, pattern);

const runs = (file: string, c: MochaConfig): number =>
  (c.ignore ?? []).some((g) => matches(file, g))
    ? 0
    : c.spec.filter((g) => matches(file, g)).length;

describe('the test runs npm test makes', () => {
  const whole = config('.mocharc.json');
  const parallel = config('test/mocharc.parallel.json');
  const serial = config('test/mocharc.serial.json');

  it('run every test file of the whole suite exactly once between them', () => {
    const files = testFiles().filter((f) => runs(f, whole) > 0);
    assert.ok(files.length > 100, `only ${files.length} test files found`);
    const wrong = files
      .map((f) => ({ f, n: runs(f, parallel) + runs(f, serial) }))
      .filter(({ n }) => n !== 1);
    assert.deepEqual(wrong, []);
  });

  it('run the LAN timings alone, after the rest, which runs in parallel', () => {
    assert.equal(parallel.parallel, true);
    assert.equal(serial.parallel, undefined);
    assert.deepEqual(serial.spec, parallel.ignore);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.equal(
      pkg.scripts.test,
      'mocha --config test/mocharc.parallel.json && mocha --config test/mocharc.serial.json',
    );
  });
});
