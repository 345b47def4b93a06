/**
 * `node scripts/bench/secretbox.mjs [SECONDS]`: secretbox seal and open throughput of
 * tweetnacl and sodium-native (when it loads) on 256 KiB file chunks, one core, in MB/s
 * (10^6 bytes of plaintext per second). The figures behind src/crypto/file-cipher.ts's choice
 * (DESIGN.md §7, issue 12). Prints figures, asserts nothing.
 */
import { randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import nacl from 'tweetnacl';

const CHUNK_BYTES = 256 * 1024;
const seconds = Number(process.argv[2] ?? 1);

const key = randomFillSync(new Uint8Array(32));
const nonce = randomFillSync(new Uint8Array(24));
const plaintext = randomFillSync(new Uint8Array(CHUNK_BYTES));

/** Runs `fn` on one chunk for about `seconds` (after a short warm-up); MB/s of plaintext. */
function rate(fn) {
  for (let i = 0; i < 5; i++) fn();
  let chunks = 0;
  const start = process.hrtime.bigint();
  const stop = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < stop) {
    fn();
    chunks += 1;
    now = process.hrtime.bigint();
  }
  return (chunks * CHUNK_BYTES) / (Number(now - start) / 1e9) / 1e6;
}

const builds = [
  {
    name: 'tweetnacl',
    seal: () => nacl.secretbox(plaintext, nonce, key),
    open: (sealed) => nacl.secretbox.open(sealed, nonce, key),
  },
];
try {
  const sodium = createRequire(import.meta.url)('sodium-native');
  builds.push({
    name: 'sodium-native',
    seal: () => {
      const out = new Uint8Array(CHUNK_BYTES + 16);
      sodium.crypto_secretbox_easy(out, plaintext, nonce, key);
      return out;
    },
    open: (sealed) => {
      const out = new Uint8Array(CHUNK_BYTES);
      return sodium.crypto_secretbox_open_easy(out, sealed, nonce, key) ? out : null;
    },
  });
} catch (err) {
  console.log(`sodium-native: does not load here (${err.code ?? err.message})`);
}

console.log(`secretbox, ${CHUNK_BYTES / 1024} KiB chunks, one core, ${process.version}`);
for (const build of builds) {
  const sealed = build.seal();
  if (build.open(sealed) === null) throw new Error(`${build.name}: does not open its own box`);
  const seal = rate(build.seal);
  const open = rate(() => build.open(sealed));
  console.log(
    `  ${build.name.padEnd(14)} seal ${seal.toFixed(0).padStart(6)} MB/s   open ${open.toFixed(0).padStart(6)} MB/s`,
  );
}
