#!/usr/bin/env node
// `npm start` runs the built relay; build first when dist/ is missing or older than src/.
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, statSync } from 'node:fs';
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
let built = 0;
try {
  built = statSync(join(root, 'dist', 'cli.js')).mtimeMs;
} catch {}
if (built === 0 || newest(join(root, 'src')) > built) {
  console.error('natter: building (tsc) ...');
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(root, 'tsconfig.build.json'),
    ],
    {
      stdio: 'inherit',
    },
  );
  // As `npm run build` leaves it: `./dist/cli.js` runs (its first line is `env -S node ...`).
  chmodSync(join(root, 'dist', 'cli.js'), 0o755);
}
