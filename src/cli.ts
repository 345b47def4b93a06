#!/usr/bin/env -S node --initial-old-space-size=64
/**
 * The `natter` executable (package bin: dist/cli.js). The V8 flag on the first line
 * gives the old generation a 64 MB start: a file transfer's 256 KiB chunk buffers
 * live a few milliseconds too long to die young, and with V8's small default start
 * every ~20 MB of them promoted forced a full mark-compact of the heap (80 per
 * 512 MiB through the relay, a third of its CPU; issue 12, docs/decisions.md "Issue
 * 12: the data path"). `npm start` passes the same flag (package.json, held to this
 * line by test/unit/cli/node-flags.test.ts); the benchmarks read it from here.
 */
import { main } from './cli/main.js';

// A reader that went away (natter inbox | head -1) makes the next write fail with
// EPIPE: the commands see it in their write callbacks (cli/output.ts) and end
// quietly. Unheard, the stream's 'error' event would crash with a stack trace.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything is closed by now; this only bounds a straggling handle, and unref()
// lets a clean exit happen at once.
setTimeout(() => process.exit(code), 2_000).unref();
