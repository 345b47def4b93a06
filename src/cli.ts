#!/usr/bin/env -S node --initial-old-space-size=64 --heap-growing-percent=100 --no-allocation-site-pretenuring
/**
 * The `natter` executable (package bin: dist/cli.js). The first V8 flag on the first line
 * gives the old generation a 64 MB start: a file transfer's 256 KiB chunk buffers
 * live a few milliseconds too long to die young, and with V8's small default start
 * every ~20 MB of them promoted forced a full mark-compact of the heap (80 per
 * 512 MiB through the relay, a third of its CPU; issue 12, docs/decisions.md "Issue
 * 12: the data path"). The second caps how far the old generation grows past what
 * survived the last full collection at 2x (V8 lets it reach 4x when collections are
 * cheap): at 500 clients and 24,000 msgs/s the relay's RSS peaked 60-70 MB lower for
 * about 5% more CPU at saturation (issue 8, docs/decisions.md "The relay's heap grows
 * at most 2x"). `npm start` passes the same flags (package.json, held to this line by
 * test/unit/cli/node-flags.test.ts); the benchmarks read them from here.
 *
 * `npm run build` bundles this file (scripts/bundle.mjs): dist/cli.js is its bundle.
 */

// NATTER_DEBUG=1 prints stack traces (cli/main.ts); with the bundle's source maps on
// they name src/ files and lines, not the bundle's. Node reads the maps only of modules
// loaded after this call, so the command comes in by a dynamic import, after it; maps
// stay off otherwise, since parsing them would slow every start.
if (process.env.NATTER_DEBUG === '1') process.setSourceMapsEnabled(true);
const { main } = await import('./cli/main.js');

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
