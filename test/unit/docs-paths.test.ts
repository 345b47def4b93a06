/**
 * The README and docs/ name files by path (the map in docs/architecture.md, where a
 * rule lives): each path they name exists, so a move or a rename cannot leave them
 * pointing at nothing. docs/decisions.md is a log of what was decided when, and may name
 * files that have moved since; it is not checked.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PATH =
  /\b(?:src|test|scripts|proto|contrib|docs)\/[A-Za-z0-9_./-]+\.(?:ts|mjs|js|proto|md|sh|json|service)\b/g;

/** Every repository path a document names, once each. */
function namedPaths(text: string): string[] {
  return [...new Set(text.match(PATH) ?? [])];
}

describe('paths named in the README and docs/', () => {
  it('reads a path out of prose and code spans alike', () => {
    assert.deepEqual(namedPaths('the roster (src/presence/roster.ts) and `test/e2e/a.test.ts`.'), [
      'src/presence/roster.ts',
      'test/e2e/a.test.ts',
    ]);
  });

  it('names only files that exist', () => {
    const docs = [
      'README.md',
      ...readdirSync(join(ROOT, 'docs'))
        .filter((f) => f.endsWith('.md') && f !== 'decisions.md')
        .map((f) => `docs/${f}`),
    ];
    const missing = docs.flatMap((doc) =>
      namedPaths(readFileSync(join(ROOT, doc), 'utf8'))
        .filter((p) => !existsSync(join(ROOT, p)))
        .map((p) => `${doc} names ${p}`),
    );
    assert.deepEqual(missing, []);
  });
});
