#!/usr/bin/env node
/** The `natter` executable (package bin: dist/cli.js). */
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
