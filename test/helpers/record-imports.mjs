/**
 * A module hook that records what a process imports, for tests that spawn
 * `node --import ./record-imports.mjs dist/cli.js ...` (test/e2e/startup.test.ts): every
 * resolved import, one `SPECIFIER<TAB>URL` line each, appended to the file named by
 * NATTER_TEST_IMPORTS_LOG. Plain JavaScript: it runs in node without the TypeScript loader.
 */
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

// Loaded by --import on the main thread, it registers itself; node then loads it again
// on the hooks thread, where it is the hook below.
if (isMainThread) register(import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const log = process.env.NATTER_TEST_IMPORTS_LOG;
  if (log) appendFileSync(log, `${specifier}\t${resolved.url}\n`);
  return resolved;
}
