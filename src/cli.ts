#!/usr/bin/env node
/** The `natter` executable (package bin: dist/cli.js). */
import { main } from './cli/main.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything is closed by now; this only bounds a straggling handle, and unref()
// lets a clean exit happen at once.
setTimeout(() => process.exit(code), 2_000).unref();
