#!/usr/bin/env node
/**
 * The `natter` executable as it ships: src/cli.ts bundled by esbuild into dist/cli.js
 * and a few chunks in dist/chunks/ (docs/decisions.md, "The natter command, bundled").
 * Node's ESM loader took about half a second of CPU to resolve and load the ~380
 * modules of the tsc output one by one, on every command; one bundle loads in a few
 * files. Code splitting keeps every dynamic import lazy, as it was module by module:
 * the relay's run (cli/commands/relay.ts), its cluster on NATS JetStream
 * (relay/server.ts, @nats-io/*) and blessed (peer/ui/screen.ts) load only for the
 * commands that use them (test/e2e/startup.test.ts holds that).
 *
 * npm packages stay external (`packages: 'external'`): the native addons
 * (classic-level, sodium-native) and every dependency load from node_modules as they
 * did. The linked source maps serve NATTER_DEBUG=1 (src/cli.ts turns them on then):
 * stack traces name src/ files and lines. They carry no sources (the mappings are what
 * a stack trace needs), which keeps the package small.
 *
 * dist/ is emptied first: chunk names carry a content hash, and a chunk of an older
 * build left there would be packed. The shebang with its V8 flags is src/cli.ts's first
 * line, kept by esbuild; the entry is made executable, so ./dist/cli.js runs.
 */
import { chmodSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
});
chmodSync(join(outdir, 'cli.js'), 0o755);
