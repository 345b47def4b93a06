/**
 * The hard boundaries of DESIGN.md §1, checked over the source text: which module
 * may import which. Every rule collects all of its violations before failing, so
 * one run names every offending file and import.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE_FILE = /\.(?:[cm]?ts|tsx|[cm]?js)$/;

// ---------------------------------------------------------------------------
// Scanning

/**
 * The code with comments replaced by spaces (newlines kept, so offsets and line
 * numbers still match the file). Strings, template literals and regex literals
 * are kept as they are: import specifiers live in strings, and a quote inside a
 * regex literal must not be taken for the start of a string.
 */
function stripComments(src: string): string {
  const out = src.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  /** For each open template literal, the `{` depth at which its `${` began. */
  const templates: number[] = [];
  let braces = 0;
  let lastSignificant = '';
  let lastWord = '';
  let i = 0;

  const skipString = (quote: string) => {
    i++;
    while (i < src.length && src[i] !== quote && src[i] !== '\n') i += src[i] === '\\' ? 2 : 1;
    i++;
  };
  /** Scans template text from i; stops after the closing backtick or after `${`. */
  const skipTemplateText = () => {
    while (i < src.length) {
      const c = src[i];
      if (c === '\\') i += 2;
      else if (c === '`') {
        i++;
        return;
      } else if (c === '$' && src[i + 1] === '{') {
        i += 2;
        templates.push(braces);
        braces++;
        return;
      } else i++;
    }
  };
  const regexAllowed = () =>
    lastSignificant === '' ||
    '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant) ||
    /^(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await|instanceof)$/.test(
      lastWord,
    );

  while (i < src.length) {
    const c = src[i]!;
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      const stop = end === -1 ? src.length : end;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? src.length : end + 2;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (c === "'" || c === '"') {
      skipString(c);
      lastSignificant = c;
      lastWord = '';
      continue;
    }
    if (c === '`') {
      i++;
      skipTemplateText();
      lastSignificant = '`';
      lastWord = '';
      continue;
    }
    if (c === '/' && regexAllowed()) {
      i++;
      let inClass = false;
      while (i < src.length && src[i] !== '\n') {
        const r = src[i];
        if (r === '\\') i++;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < src.length && /[a-z]/i.test(src[i]!)) i++;
      lastSignificant = '/';
      lastWord = '';
      continue;
    }
    if (c === '{') braces++;
    if (c === '}') {
      braces--;
      if (templates.length > 0 && templates[templates.length - 1] === braces) {
        templates.pop();
        i++;
        skipTemplateText();
        lastSignificant = '`';
        lastWord = '';
        continue;
      }
    }
    if (/[A-Za-z0-9_$]/.test(c)) {
      let j = i;
      while (j < src.length && /[A-Za-z0-9_$]/.test(src[j]!)) j++;
      lastWord = src.slice(i, j);
      lastSignificant = 'a';
      i = j;
      continue;
    }
    if (!/\s/.test(c)) {
      lastSignificant = c;
      lastWord = '';
    }
    i++;
  }
  return out.join('');
}

interface ImportRef {
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
  /** `import type ...` / `export type ... from` / `import { type A, type B }`: erased at runtime. */
  typeOnly: boolean;
}

/** Every module specifier a file names: import/export ... from, bare import, import(), require(). */
function findImports(source: string): ImportRef[] {
  const code = stripComments(source);
  const lineAt = (index: number) => code.slice(0, index).split('\n').length;
  const found = new Map<number, ImportRef>();
  const add = (specIndex: number, specifier: string, typeOnly: boolean) => {
    if (!found.has(specIndex))
      found.set(specIndex, { specifier, line: lineAt(specIndex), typeOnly });
  };
  const at = (m: RegExpExecArray, group: number) => m.index + m[0].lastIndexOf(m[group]!);

  // Whole statements first, to learn whether they are type-only.
  for (const m of code.matchAll(
    /\b(?:import|export)\s+(type\s+)?([^'"`;]*?)\bfrom\s*(['"])([^'"\n]+)\3/g,
  )) {
    const clause = (m[2] ?? '').trim();
    const allTypes = /^\{\s*(?:type\s+[\w$]+(?:\s+as\s+[\w$]+)?\s*,?\s*)+\}$/.test(clause);
    add(at(m, 4), m[4]!, m[1] !== undefined || allTypes);
  }
  for (const re of [
    /\bfrom\s*(['"])([^'"\n]+)\1/g,
    /\bimport\s*(['"])([^'"\n]+)\1/g,
    /\bimport\s*\(\s*(['"`])([^'"`\n]+)\1\s*[,)]/g,
    /\brequire\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
  ]) {
    for (const m of code.matchAll(re)) add(at(m, 2), m[2]!, false);
  }
  return [...found.values()].sort((a, b) => a.line - b.line);
}

interface SourceFile {
  /** Repository-relative POSIX path, e.g. 'src/relay/server.ts'. */
  path: string;
  /** The text with comments blanked out. */
  code: string;
  imports: Array<ImportRef & { target: string }>;
}

/** Module id of a relative import ('src/crypto/box' for '../crypto/box.js'), or the bare specifier. */
function resolveTarget(fromPath: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const joined = posix.normalize(posix.join(posix.dirname(fromPath), specifier));
  return joined.replace(/\.(?:d\.)?(?:[cm]?[jt]s|[jt]sx)$/, '').replace(/\/index$/, '');
}

function listSources(dir: string): string[] {
  if (!existsSync(posix.join(ROOT, dir))) return [];
  const out: string[] = [];
  for (const entry of readdirSync(posix.join(ROOT, dir), { withFileTypes: true })) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path === 'src/wire/gen' || entry.name === 'node_modules') continue;
      out.push(...listSources(path));
    } else if (SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      out.push(path);
    }
  }
  return out.sort();
}

function loadSources(): SourceFile[] {
  return listSources('src').map((path) => {
    const text = readFileSync(posix.join(ROOT, path), 'utf8');
    return {
      path,
      code: stripComments(text),
      imports: findImports(text).map((ref) => ({
        ...ref,
        target: resolveTarget(path, ref.specifier),
      })),
    };
  });
}

// ---------------------------------------------------------------------------
// Areas (DESIGN.md §1 layers)

type Area =
  | 'util'
  | 'wire'
  | 'wire/gen'
  | 'crypto'
  | 'presence'
  | 'relay'
  | 'peer'
  | 'peer/ui'
  | 'cli'
  | 'src'
  | 'outside';

/** The area of a file path or resolved module id. */
function areaOf(pathOrId: string): Area {
  const p = pathOrId.replace(/\.(?:[cm]?[jt]s|[jt]sx)$/, '');
  const under = (dir: string) => p === dir || p.startsWith(`${dir}/`);
  if (under('src/wire/gen')) return 'wire/gen';
  if (under('src/peer/ui')) return 'peer/ui';
  for (const area of ['util', 'wire', 'crypto', 'presence', 'relay', 'peer', 'cli'] as const) {
    if (under(`src/${area}`)) return area;
  }
  if (under('src')) return 'src';
  return 'outside';
}

function violation(file: SourceFile, ref: ImportRef, why: string): string {
  return `${file.path}:${ref.line} imports '${ref.specifier}' (${why})`;
}

/** Relative imports from a file whose area passes `from` into a module whose area passes `to`. */
function crossings(
  files: SourceFile[],
  from: (area: Area) => boolean,
  to: (area: Area) => boolean,
  why: string,
): string[] {
  const out: string[] = [];
  for (const file of files) {
    if (!from(areaOf(file.path))) continue;
    for (const ref of file.imports) {
      if (!ref.specifier.startsWith('.')) continue;
      const target = areaOf(ref.target);
      if (to(target)) out.push(violation(file, ref, `${why}; the target is in ${target}`));
    }
  }
  return out;
}

const is =
  (...areas: Area[]) =>
  (area: Area): boolean =>
    areas.includes(area);
const isNot =
  (...areas: Area[]) =>
  (area: Area): boolean =>
    !areas.includes(area);

const SOCKET_MODULES = new Set([
  'node:net',
  'net',
  'node:tls',
  'tls',
  'node:dgram',
  'dgram',
  'dgram-as-promised',
]);
const SOCKET_OWNERS = new Set([
  'src/relay/listener.ts',
  'src/peer/link/transport.ts',
  'src/presence/udp-socket.ts',
]);
/** An import from node:crypto: group 1 holds the named bindings; undefined for namespace/default. */
const CRYPTO_IMPORT =
  /\bimport\s+(?:type\s+)?(?:\{([^}]*)\}|[\w$]+|\*\s*as\s+[\w$]+)\s*from\s*['"](?:node:)?crypto['"]/g;
const RANDOMNESS =
  /\b(?:randomBytes|randomUUID|randomInt|randomFill(?:Sync)?|getRandomValues|webcrypto)\b/;
const CLOCK_OWNERS = new Set(['src/util/clock.ts', 'src/relay/server.ts', 'src/cli.ts']);
const WALL_CLOCK = /\bDate\s*\.\s*now\s*\(|\bsetInterval\s*\(/g;
const SHORT_TIMER = /\bsetTimeout\s*\([^;]*?,\s*(?:[0-9]|[1-4][0-9])\s*\)/g;
const STDOUT_WRITE =
  /\bprocess\s*(?:\.\s*stdout\b|\[\s*['"]stdout['"]\s*\])|\bconsole\s*\.\s*(?:log|info|debug|dir|dirxml|table)\b/g;
/** startRelay's benchmark-only switch (RelayOptions.tls): the CLI never passes it. */
const RELAY_TLS_OPTION = /\btls\s*:/g;
/** The box-key-only signature check: the key file's self-check, never a card's (issue 10). */
const BOX_KEY_CHECK = /\bverifyBoxKey\b/g;
const BOX_KEY_CHECKERS = new Set(['src/crypto/keys.ts', 'src/crypto/keyfile.ts']);
/**
 * A typed array's `byteLength` (not `Buffer.byteLength(string)`, nor an ArrayBuffer's): Node
 * 20's V8 calls the getter through the load IC, 10-15 ns a read, where `length` (the same
 * number for a Uint8Array) is inlined, 1.5 ns (docs/decisions.md, "`length`, not `byteLength`").
 */
const TYPED_BYTE_LENGTH = /(?<!\bBuffer)(?<!\.buffer)\.byteLength\b/g;
const RELAY_PATH_AREAS = new Set<Area>(['relay', 'wire', 'util']);
/** STYLE.md rule 9 ("about 300 lines is plenty"), issue 9: a module that owns one thing. */
const MAX_SOURCE_LINES = 300;
const lineCount = (code: string) => code.split('\n').length - (code.endsWith('\n') ? 1 : 0);

/** Each rule returns every violation in `files`, one line each naming the file and the import. */
const rules: Record<string, (files: SourceFile[]) => string[]> = {
  // Transitive: a re-export (src/crypto/index.ts) or another layer must not
  // carry seal/open into the relay process either.
  'the relay never reaches seal/open or the key file (src/crypto/box.ts, keyfile*.ts), even indirectly':
    (files) => {
      const idOf = (path: string) => resolveTarget('', `./${path}`).replace(/^\.\//, '');
      const byId = new Map(files.map((f) => [idOf(f.path), f]));
      // box.ts and every key-file module (keyfile.ts, keyfile-seal.ts, keyfile-format.ts, ...).
      const forbidden = {
        has: (id: string) => id === 'src/crypto/box' || id.startsWith('src/crypto/keyfile'),
      };
      const out: string[] = [];
      for (const start of files.filter((f) => areaOf(f.path) === 'relay')) {
        const seen = new Set<string>();
        const walk = (file: SourceFile, chain: string[], first: ImportRef | null): void => {
          for (const ref of file.imports) {
            if (!ref.specifier.startsWith('.') || seen.has(ref.target)) continue;
            seen.add(ref.target);
            const via = [...chain, ref.target];
            const origin = first ?? ref;
            if (forbidden.has(ref.target)) {
              out.push(violation(start, origin, `reaches ${via.join(' -> ')}`));
              continue;
            }
            const next = byId.get(ref.target);
            if (next) walk(next, via, origin);
          }
        };
        walk(start, [], null);
      }
      return out;
    },

  'nothing outside src/wire imports the generated protobuf code': (files) =>
    crossings(
      files,
      isNot('wire', 'wire/gen'),
      is('wire/gen'),
      'generated types never leave src/wire',
    ),

  'only the socket owners import node:net, node:tls, node:dgram or dgram-as-promised': (files) =>
    files
      .filter((f) => !SOCKET_OWNERS.has(f.path) && areaOf(f.path) !== 'cli')
      .flatMap((f) =>
        f.imports
          // A type-only import (e.g. dgram's RemoteInfo) is erased and opens nothing.
          .filter((ref) => SOCKET_MODULES.has(ref.specifier) && !ref.typeOnly)
          .map((ref) => violation(f, ref, 'take a transport as a parameter instead')),
      ),

  'the peer core never imports blessed': (files) =>
    files
      .filter((f) => areaOf(f.path) === 'peer')
      .flatMap((f) =>
        f.imports
          .filter((ref) => ref.specifier === 'blessed' || ref.specifier.startsWith('blessed/'))
          .map((ref) => violation(f, ref, 'the UI lives in src/peer/ui')),
      ),

  'the peer core never writes to stdout': (files) =>
    files
      .filter((f) => areaOf(f.path) === 'peer')
      .flatMap((f) =>
        [...f.code.matchAll(STDOUT_WRITE)].map(
          (m) =>
            `${f.path}:${f.code.slice(0, m.index).split('\n').length} uses '${m[0]}' (the core reports through events)`,
        ),
      ),

  'the peer core never imports its UI (src/peer/ui)': (files) =>
    crossings(files, is('peer'), is('peer/ui'), 'the UI is a client of the core'),

  'src/util imports nothing else from src': (files) =>
    crossings(files, is('util'), isNot('util', 'outside'), 'util is the bottom layer'),

  'src/wire imports only src/util and its own modules': (files) =>
    crossings(files, is('wire'), isNot('util', 'wire', 'wire/gen', 'outside'), 'wire sits on util'),

  'src/crypto imports only src/util and its own modules': (files) =>
    crossings(files, is('crypto'), isNot('util', 'crypto', 'outside'), 'crypto sits on util'),

  'src/presence imports only src/util, src/wire and src/crypto': (files) =>
    crossings(
      files,
      is('presence'),
      isNot('util', 'wire', 'crypto', 'presence', 'outside'),
      'presence sits on util, wire and crypto',
    ),

  'src/relay and src/peer never import each other': (files) => [
    ...crossings(files, is('relay'), is('peer', 'peer/ui'), 'relay and peer are siblings'),
    ...crossings(files, is('peer', 'peer/ui'), is('relay'), 'relay and peer are siblings'),
  ],

  'nothing but src/cli.ts and src/cli/ imports src/cli': (files) =>
    crossings(files, isNot('cli'), is('cli'), 'the cli is the top layer'),

  'tweetnacl and node:crypto randomness only inside src/crypto': (files) =>
    files
      .filter((f) => areaOf(f.path) !== 'crypto')
      .flatMap((f) => [
        ...f.imports
          .filter((ref) => ref.specifier === 'tweetnacl' || ref.specifier.startsWith('tweetnacl/'))
          .map((ref) => violation(f, ref, 'primitives live in src/crypto')),
        ...[...f.code.matchAll(CRYPTO_IMPORT)]
          .filter((m) => m[1] === undefined || RANDOMNESS.test(m[1]))
          .map(
            (m) =>
              `${f.path}:${f.code.slice(0, m.index).split('\n').length} imports randomness from node:crypto (use src/crypto/random.ts)`,
          ),
      ]),

  "the CLI and the UI use only the peer core's public index (and util)": (files) =>
    files
      .filter((f) => is('cli', 'peer/ui')(areaOf(f.path)))
      .flatMap((f) =>
        f.imports
          .filter((ref) => ref.specifier.startsWith('.'))
          .filter((ref) => {
            const target = areaOf(ref.target);
            if (target === 'util' || target === areaOf(f.path) || target === 'outside')
              return false;
            if (target === 'peer') return ref.target !== 'src/peer';
            // The CLI composes the relay process (natter relay) and the screen (natter chat),
            // each through its index; `natter relay --help` reads the relay's defaults
            // without loading the relay (src/relay/defaults.ts).
            if (areaOf(f.path) === 'cli' && target === 'relay')
              return ref.target !== 'src/relay' && ref.target !== 'src/relay/defaults';
            if (areaOf(f.path) === 'cli' && target === 'peer/ui')
              return ref.target !== 'src/peer/ui';
            return areaOf(f.path) === 'peer/ui' ? target !== 'peer/ui' : target !== 'src';
          })
          .map((ref) => violation(f, ref, 'go through src/peer/index.ts')),
      ),

  'time comes from the injected clock: no Date.now() or setInterval outside util/clock.ts and composition roots':
    (files) =>
      files
        .filter((f) => !CLOCK_OWNERS.has(f.path) && areaOf(f.path) !== 'cli')
        .flatMap((f) =>
          [...f.code.matchAll(WALL_CLOCK)].map(
            (m) =>
              `${f.path}:${f.code.slice(0, m.index).split('\n').length} uses '${m[0]}' (take a Clock)`,
          ),
        ),

  'no polling: no short literal timer delays (wait for the event instead)': (files) =>
    files.flatMap((f) =>
      [...f.code.matchAll(SHORT_TIMER)].map(
        (m) =>
          `${f.path}:${f.code.slice(0, m.index).split('\n').length} uses '${m[0]}' (a polling delay)`,
      ),
    ),

  "the CLI never sets the relay's TLS option (plain TCP is for benchmarks only)": (files) =>
    files
      .filter((f) => areaOf(f.path) === 'cli')
      .flatMap((f) =>
        [...f.code.matchAll(RELAY_TLS_OPTION)].map(
          (m) =>
            `${f.path}:${f.code.slice(0, m.index).split('\n').length} sets '${m[0]}' (every relay a user runs speaks TLS)`,
        ),
      ),

  [`small modules: no source file over ${MAX_SOURCE_LINES} lines (split it by the state it owns)`]:
    (files) =>
      files
        .filter((f) => lineCount(f.code) > MAX_SOURCE_LINES)
        .map((f) => `${f.path}:${lineCount(f.code)} lines`),

  "the relay's path reads a byte array's length, not its byteLength (V8 inlines only the first)": (
    files,
  ) =>
    files
      .filter((f) => RELAY_PATH_AREAS.has(areaOf(f.path)))
      .flatMap((f) =>
        [...f.code.matchAll(TYPED_BYTE_LENGTH)].map(
          (m) =>
            `${f.path}:${f.code.slice(0, m.index).split('\n').length} reads '${m[0]}' (use .length)`,
        ),
      ),

  'cards are checked with verifyCard: only the key file checks a box-key-only signature': (files) =>
    files
      .filter((f) => !BOX_KEY_CHECKERS.has(f.path))
      .flatMap((f) =>
        [...f.code.matchAll(BOX_KEY_CHECK)].map(
          (m) =>
            `${f.path}:${f.code.slice(0, m.index).split('\n').length} uses '${m[0]}' (it does not cover the pseudonym: use verifyCard)`,
        ),
      ),
};

/** An in-memory source file, for checking that each rule does catch what it should. */
function fakeFile(path: string, lines: string[]): SourceFile {
  const text = lines.join('\n');
  return {
    path,
    code: stripComments(text),
    imports: findImports(text).map((ref) => ({
      ...ref,
      target: resolveTarget(path, ref.specifier),
    })),
  };
}

// ---------------------------------------------------------------------------

describe('module boundaries (DESIGN.md §1)', () => {
  const files = loadSources();

  describe('the scanner', () => {
    it('finds every kind of import and export specifier, and ignores comments', () => {
      const src = [
        "import a from './a.js';",
        'import {',
        '  b,',
        '  c,',
        "} from '../b.js';",
        "import type { T } from './types.js';",
        "import { type U, type V as W } from './types2.js';",
        "import { type X, y } from './mixed.js';",
        "export * from './all.js';",
        "export { z } from './z.js';",
        "export type { Q } from './q.js';",
        "import './side-effect.js';",
        "const lazy = await import('node:net');",
        "const cjs = require('dgram');",
        "// import nope from 'commented-out';",
        "/* import nope2 from 'block-commented'; */",
        "const url = 'http://example.com/x'; import after from './after.js';",
        "const re = /'/; import afterRegex from './after-regex.js';",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: this is source text holding a template literal
        "const t = `${'`'}`; import afterTemplate from './after-template.js';",
      ].join('\n');
      const refs = findImports(src);
      assert.deepEqual(
        refs.map((r) => [r.specifier, r.line, r.typeOnly]),
        [
          ['./a.js', 1, false],
          ['../b.js', 5, false],
          ['./types.js', 6, true],
          ['./types2.js', 7, true],
          ['./mixed.js', 8, false],
          ['./all.js', 9, false],
          ['./z.js', 10, false],
          ['./q.js', 11, true],
          ['./side-effect.js', 12, false],
          ['node:net', 13, false],
          ['dgram', 14, false],
          ['./after.js', 17, false],
          ['./after-regex.js', 18, false],
          ['./after-template.js', 19, false],
        ],
      );
    });

    it('resolves relative specifiers to module ids under src', () => {
      assert.equal(
        resolveTarget('src/relay/handlers/auth.ts', '../../crypto/box.js'),
        'src/crypto/box',
      );
      assert.equal(
        resolveTarget('src/relay/server.ts', '../crypto/keyfile.ts'),
        'src/crypto/keyfile',
      );
      assert.equal(resolveTarget('src/wire/codec.ts', './gen/natter.js'), 'src/wire/gen/natter');
      assert.equal(resolveTarget('src/cli.ts', './cli/index.js'), 'src/cli');
      assert.equal(resolveTarget('src/peer/x.ts', 'node:net'), 'node:net');
      assert.equal(areaOf('src/cli'), 'cli');
      assert.equal(areaOf('src/peer/ui/app.ts'), 'peer/ui');
      assert.equal(areaOf('src/index'), 'src');
    });

    it('reads the real tree (src/wire/codec/frames.ts imports the generated code)', () => {
      const codec = files.find((f) => f.path === 'src/wire/codec/frames.ts');
      assert.ok(codec, 'src/wire/codec/frames.ts was not found under src/');
      assert.ok(codec.imports.some((ref) => ref.target === 'src/wire/gen/natter'));
      assert.ok(!files.some((f) => f.path.startsWith('src/wire/gen/')), 'src/wire/gen is skipped');
    });
  });

  it('each rule reports the violations planted in a fake tree, and nothing else', () => {
    const fake = [
      fakeFile('src/util/a.ts', ["import { MAX_FRAME_BYTES } from '../wire/limits.js';"]),
      fakeFile('src/wire/a.ts', ["import '../crypto/keys.js';", "import './gen/natter.js';"]),
      fakeFile('src/crypto/a.ts', ["import type { Card } from '../wire/types.js';"]),
      fakeFile('src/presence/a.ts', [
        "import { startRelay } from '../relay/server.js';",
        "import type { RemoteInfo } from 'node:dgram';",
        "import { sign } from '../crypto/sign.js';",
      ]),
      fakeFile('src/presence/udp-socket.ts', ["import dgram from 'node:dgram';"]),
      fakeFile('src/crypto/index.ts', ["export { BoxKeyring } from './box.js';"]),
      fakeFile('src/relay/y.ts', ["import { verify } from '../crypto/index.js';"]),
      fakeFile('src/relay/handlers/x.ts', [
        "import { BoxKeyring } from '../../crypto/box.js';",
        "import { loadKeys } from '../../crypto/keyfile.js';",
        "import { sealSecrets } from '../../crypto/keyfile-seal.js';",
        "import { verify } from '../../crypto/sign.js';",
        "import { Contacts } from '../../peer/contacts.js';",
        "import net from 'node:net';",
        "import tls from 'node:tls';",
        "import type { TLSSocket } from 'node:tls';",
      ]),
      fakeFile('src/relay/listener.ts', ["import tls from 'node:tls';"]),
      fakeFile('src/peer/core.ts', [
        "import blessed from 'blessed';",
        "import { App } from './ui/app.js';",
        "import { natter } from '../wire/gen/natter.js';",
        "import { run } from '../cli/run.js';",
        '// console.log in a comment is fine',
        "console.log('hello');",
        "process.stdout.write('x');",
      ]),
      fakeFile('src/peer/ui/app.ts', [
        "import blessed from 'blessed';",
        "import { Hub } from '../../relay/hub.js';",
        "console.log('the UI may print');",
      ]),
      fakeFile('src/cli/x.ts', [
        "import net from 'node:net';",
        "import '../relay/index.js';",
        "import { Contacts } from '../peer/contacts.js';",
        "import { NatterClient } from '../peer/index.js';",
        "import { encodeFrame } from '../wire/codec.js';",
        'const t = Date.now();',
        "await startRelay({ dataDir: '.', tls: false });",
      ]),
      fakeFile('src/presence/clock.ts', [
        "import { createHash, randomBytes } from 'node:crypto';",
        "import nacl from 'tweetnacl';",
        'const at = Date.now();',
        'setInterval(tick, 1000);',
        'await new Promise((r) => setTimeout(r, 20));',
        'setTimeout(expire, 2000);',
      ]),
      fakeFile('src/cli.ts', ["import { main } from './cli/main.js';"]),
      fakeFile('src/peer/cards.ts', [
        '// verifyBoxKey in a comment is fine',
        'if (!verifyBoxKey(card.userId, card.boxPk, card.cardSig)) return;',
      ]),
      fakeFile('src/crypto/keyfile.ts', ['const ok = verifyBoxKey(signPk, boxPk, boxSig);']),
      fakeFile('src/util/long.ts', Array(MAX_SOURCE_LINES + 1).fill('export const x = 1;')),
      fakeFile('src/util/fits.ts', [...Array(MAX_SOURCE_LINES).fill('// one line'), '']),
      fakeFile('src/wire/sizes.ts', [
        'const a = body.byteLength;',
        "const b = Buffer.byteLength(text, 'utf8');",
        'const c = chunk.buffer.byteLength;',
        'const d = body.length;',
      ]),
      fakeFile('src/peer/sizes.ts', ['const a = body.byteLength;']),
    ];
    const flagged = Object.fromEntries(
      Object.entries(rules).map(([name, rule]) => [name, rule(fake).map((v) => v.split(' ')[0])]),
    );
    assert.deepEqual(flagged, {
      'the relay never reaches seal/open or the key file (src/crypto/box.ts, keyfile*.ts), even indirectly':
        [
          'src/relay/y.ts:1',
          'src/relay/handlers/x.ts:1',
          'src/relay/handlers/x.ts:2',
          'src/relay/handlers/x.ts:3',
        ],
      'nothing outside src/wire imports the generated protobuf code': ['src/peer/core.ts:3'],
      'only the socket owners import node:net, node:tls, node:dgram or dgram-as-promised': [
        'src/relay/handlers/x.ts:6',
        'src/relay/handlers/x.ts:7',
      ],
      'the peer core never imports blessed': ['src/peer/core.ts:1'],
      'the peer core never writes to stdout': ['src/peer/core.ts:6', 'src/peer/core.ts:7'],
      'the peer core never imports its UI (src/peer/ui)': ['src/peer/core.ts:2'],
      'src/util imports nothing else from src': ['src/util/a.ts:1'],
      'src/wire imports only src/util and its own modules': ['src/wire/a.ts:1'],
      'src/crypto imports only src/util and its own modules': ['src/crypto/a.ts:1'],
      'src/presence imports only src/util, src/wire and src/crypto': ['src/presence/a.ts:1'],
      'src/relay and src/peer never import each other': [
        'src/relay/handlers/x.ts:5',
        'src/peer/ui/app.ts:2',
      ],
      'nothing but src/cli.ts and src/cli/ imports src/cli': ['src/peer/core.ts:4'],
      'tweetnacl and node:crypto randomness only inside src/crypto': [
        'src/presence/clock.ts:2',
        'src/presence/clock.ts:1',
      ],
      "the CLI and the UI use only the peer core's public index (and util)": [
        'src/peer/ui/app.ts:2',
        'src/cli/x.ts:3',
        'src/cli/x.ts:5',
      ],
      'time comes from the injected clock: no Date.now() or setInterval outside util/clock.ts and composition roots':
        ['src/presence/clock.ts:3', 'src/presence/clock.ts:4'],
      'no polling: no short literal timer delays (wait for the event instead)': [
        'src/presence/clock.ts:5',
      ],
      "the CLI never sets the relay's TLS option (plain TCP is for benchmarks only)": [
        'src/cli/x.ts:7',
      ],
      [`small modules: no source file over ${MAX_SOURCE_LINES} lines (split it by the state it owns)`]:
        [`src/util/long.ts:${MAX_SOURCE_LINES + 1}`],
      "the relay's path reads a byte array's length, not its byteLength (V8 inlines only the first)":
        ['src/wire/sizes.ts:1'],
      'cards are checked with verifyCard: only the key file checks a box-key-only signature': [
        'src/peer/cards.ts:2',
      ],
    });
  });

  describe('the source tree', () => {
    for (const [name, rule] of Object.entries(rules)) {
      it(name, () => {
        const found = rule(files);
        if (found.length > 0) {
          assert.fail(`${found.length} violation(s):\n  ${found.join('\n  ')}`);
        }
      });
    }
  });
});
