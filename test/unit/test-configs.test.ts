/**
 * `npm test` runs the suite in two mocha runs (docs/decisions.md, "The suite runs two
 * files at a time"): most files two at a time, then the ones that time a LAN alone. Together
 * they must run every test file that `.mocharc.json` names, each exactly once, or a new
 * folder of tests would silently never run.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface MochaConfig {
  spec: string[];
  ignore?: string[];
  extension: string[];
  parallel?: boolean;
}

function config(file: string): MochaConfig {
  return JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as MochaConfig;
}

/** The files a config runs, as mocha itself collects them (its spec, ignore, extension). */
const collect = createRequire(import.meta.url)('mocha/lib/cli/collect-files.cjs') as (o: {
  spec: string[];
  ignore: string[];
  extension: string[];
  file: string[];
  recursive: boolean;
  sort: boolean;
}) => { files: string[] };

function filesOf(c: MochaConfig): string[] {
  const here = process.cwd();
  process.chdir(ROOT);
  try {
    const { spec, ignore = [], extension } = c;
    return collect({ spec, ignore, extension, file: [], recursive: false, sort: false }).files;
  } finally {
    process.chdir(here);
  }
}

describe('the test runs npm test makes', () => {
  const whole = config('.mocharc.json');
  const parallel = config('test/mocharc.parallel.json');
  const serial = config('test/mocharc.serial.json');

  it('run every test file of the whole suite exactly once between them', () => {
    const files = filesOf(whole).sort();
    assert.ok(files.length > 100, `only ${files.length} test files found`);
    assert.deepEqual([...filesOf(parallel), ...filesOf(serial)].sort(), files);
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
