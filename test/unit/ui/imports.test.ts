/**
 * The chat UI's boundaries (DESIGN.md §1, STYLE.md §14), over the source text:
 * the UI reaches the core only through its public surface (src/peer/index.ts:
 * NatterClient's API and the typed events), never sockets, stores, the wire
 * or crypto; and blessed stays inside src/peer/ui, in the one terminal adapter.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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
/** What a UI module may import, relative ones resolved from the repository root. */
const ALLOWED = [
  /^src\/peer\/ui\/[\w/-]+\.js$/, // the UI's own modules (commands/ included)
  /^src\/peer\/index\.js$/, // the core's public surface: NatterClient's API and event types
  /^src\/util\/(clock|errors|logger|sizes|text-width)\.js$/, // the bottom layer
  /^node:(stream|string_decoder)$/,
  /^blessed$/,
];

/** A relative specifier as a path from the repository root; others as written. */
function resolved(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  return relative(ROOT, join(ROOT, dirname(file), spec))
    .split('\\')
    .join('/');
}

describe('ui boundaries: the UI is a client of the core', () => {
  it('imports nothing from the core but its public surface, and no sockets, store, wire or crypto', () => {
    const bad: string[] = [];
    for (const file of sources(UI)) {
      for (const spec of specifiers(file)) {
        if (!ALLOWED.some((re) => re.test(resolved(file, spec))))
          bad.push(`${file} imports '${spec}'`);
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

  it('is found by the checks above (they scan real files, in subfolders too)', () => {
    assert.ok(sources(UI).length >= 10);
    assert.ok(sources(UI).includes('src/peer/ui/commands/msg.ts'));
    assert.ok(specifiers('src/peer/ui/screen.ts').includes('blessed'));
  });

  it('resolves relative imports before judging them: a way out of src/peer/ui is caught', () => {
    const ok = (file: string, spec: string) => ALLOWED.some((re) => re.test(resolved(file, spec)));
    assert.ok(ok('src/peer/ui/commands/msg.ts', '../text.js'));
    assert.ok(ok('src/peer/ui/commands/status.ts', '../../index.js'));
    assert.ok(ok('src/peer/ui/app.ts', '../../util/clock.js'));
    assert.ok(!ok('src/peer/ui/commands/msg.ts', '../../history.js'), 'a core internal');
    assert.ok(!ok('src/peer/ui/app.ts', '../history.js'), 'a core internal, one level up');
    assert.ok(!ok('src/peer/ui/commands/msg.ts', '../../../wire/text.js'), 'the wire');
    assert.ok(!ok('src/peer/ui/commands/msg.ts', 'node:net'), 'a socket');
  });
});
