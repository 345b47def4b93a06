/**
 * The chat UI's boundaries (DESIGN.md §1, STYLE.md §14), over the source text:
 * the UI reaches the core only through its public surface (src/peer/index.ts:
 * NatterClient's API and the typed events), never sockets, stores, the wire
 * or crypto; and blessed stays inside src/peer/ui, in the one terminal adapter.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ts$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)).split('\\').join('/'));
}

/** Module specifiers in a file (import/export from, bare import, dynamic import), comments ignored. */
function specifiers(path: string): string[] {
  const code = readFileSync(join(ROOT, path), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  for (const m of code.matchAll(
    /\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]/g,
  )) {
    found.push((m[1] ?? m[2] ?? m[3])!);
  }
  return found;
}

const UI = 'src/peer/ui/';
/** What a UI module may import besides its siblings. */
const ALLOWED = [
  /^\.\/[\w-]+\.js$/, // the UI's own modules
  /^\.\.\/index\.js$/, // the core's public surface: NatterClient's API and event types
  /^\.\.\/\.\.\/util\/(clock|errors|logger)\.js$/, // the bottom layer
  /^node:(stream|string_decoder)$/,
  /^blessed$/,
];

describe('ui boundaries: the UI is a client of the core', () => {
  it('imports nothing from the core but its public surface, and no sockets, store, wire or crypto', () => {
    const bad: string[] = [];
    for (const file of sources(UI)) {
      for (const spec of specifiers(file)) {
        if (!ALLOWED.some((re) => re.test(spec))) bad.push(`${file} imports '${spec}'`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('keeps blessed in the terminal adapter (src/peer/ui/screen.ts) only', () => {
    const users = sources('src').filter((f) =>
      specifiers(f).some((s) => s === 'blessed' || s.startsWith('blessed/')),
    );
    assert.deepEqual(users, ['src/peer/ui/screen.ts']);
  });

  it('is found by the checks above (they scan real files)', () => {
    assert.ok(sources(UI).length >= 10);
    assert.ok(specifiers('src/peer/ui/screen.ts').includes('blessed'));
  });
});
