#!/usr/bin/env node
// `npm start` runs the built relay and `npm run bench` the built code: build first (as
// `npm run build` does) when dist/ (the bundle, scripts/bundle.mjs) or build/ (tsc's
// module tree, which the benchmarks import) is missing or older than src/.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const newest = (dir) => {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
};
const built = (file) => {
  try {
    return statSync(join(root, file)).mtimeMs;
  } catch {
    return 0;
  }
};
const oldest = Math.min(built(join('dist', 'cli.js')), built(join('build', 'cli.js')));
if (oldest === 0 || newest(join(root, 'src')) > oldest) {
  console.error('natter: building (tsc, esbuild) ...');
  try {
    execFileSync(
      process.execPath,
      [
        join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(root, 'tsconfig.build.json'),
      ],
      { stdio: 'inherit' },
    );
  } finally {
    // As `npm run build` leaves it: dist/cli.js bundled and executable (its first line
    // is `env -S node ...`). Bundled even when tsc reports a type error, as tsc still
    // emits then: the e2e tests that build through here need only a CLI that runs.
    execFileSync(process.execPath, [join(root, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });
  }
}
