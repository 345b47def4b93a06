import { createRequire } from 'node:module';
import nacl from 'tweetnacl';

/**
 * The secretbox (XSalsa20-Poly1305) that seals file chunks, in two interchangeable builds:
 * tweetnacl (pure JavaScript, about 160 MB/s a core here, always available) and libsodium
 * through the optional `sodium-native` addon (about ten times faster; DESIGN.md §7, issue 12).
 * Both produce the same bytes (NaCl's secretbox: 16-byte tag, then the ciphertext), so a
 * sender with one and a receiver with the other interoperate; test/unit/crypto/file-stream
 * holds them to each other. sodium-native is loaded lazily, once, and any failure to load
 * (not installed, no prebuild for this platform, an ABI mismatch) falls back to tweetnacl.
 *
 * Lengths are the caller's to check (file-stream.ts does): both builds throw on bad sizes.
 * The -Into variants write into the caller's buffer instead of a new one (the hot path of a
 * transfer: seal straight into the outgoing frame, open into one reused plaintext buffer);
 * sodium-native works in place there, tweetnacl computes a new array and copies it over.
 */

export type FileCipherName = 'sodium-native' | 'tweetnacl';

export interface FileCipher {
  readonly name: FileCipherName;
  /** The 16-byte tag followed by the ciphertext. */
  seal(key32: Uint8Array, nonce24: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** The plaintext, or null when the tag does not verify. */
  open(key32: Uint8Array, nonce24: Uint8Array, sealed: Uint8Array): Uint8Array | null;
  /**
   * seal()'s bytes written to `out`, which must be exactly plaintext + 16 bytes long and must
   * not overlap `plaintext`.
   */
  sealInto(key32: Uint8Array, nonce24: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void;
  /**
   * open()'s plaintext written to `out` (exactly sealed - 16 bytes, not overlapping `sealed`):
   * true, or false when the tag does not verify (what `out` then holds is unspecified).
   */
  openInto(key32: Uint8Array, nonce24: Uint8Array, sealed: Uint8Array, out: Uint8Array): boolean;
}

const TAG_BYTES = 16;

export const tweetnaclCipher: FileCipher = {
  name: 'tweetnacl',
  seal: (key, nonce, plaintext) => nacl.secretbox(plaintext, nonce, key),
  open: (key, nonce, sealed) => nacl.secretbox.open(sealed, nonce, key),
  sealInto(key, nonce, plaintext, out) {
    if (out.byteLength !== plaintext.byteLength + TAG_BYTES) throw new RangeError('bad length');
    out.set(nacl.secretbox(plaintext, nonce, key));
  },
  openInto(key, nonce, sealed, out) {
    if (out.byteLength !== sealed.byteLength - TAG_BYTES) throw new RangeError('bad length');
    const plaintext = nacl.secretbox.open(sealed, nonce, key);
    if (plaintext === null) return false;
    out.set(plaintext);
    return true;
  },
};

/** The part of sodium-native's API used here (it ships no type declarations). */
interface SodiumSecretbox {
  crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void;
  crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean;
}

let sodium: FileCipher | null | undefined;

/** The sodium-native build, or null where the addon cannot load. Loaded on the first call. */
export function sodiumCipher(): FileCipher | null {
  if (sodium !== undefined) return sodium;
  sodium = null;
  try {
    // createRequire: the addon is CommonJS, and a static import would make it mandatory.
    const lib = createRequire(import.meta.url)('sodium-native') as Partial<SodiumSecretbox>;
    if (
      typeof lib.crypto_secretbox_easy === 'function' &&
      typeof lib.crypto_secretbox_open_easy === 'function'
    ) {
      const native = lib as SodiumSecretbox;
      sodium = {
        name: 'sodium-native',
        seal(key, nonce, plaintext) {
          const out = new Uint8Array(plaintext.byteLength + TAG_BYTES);
          native.crypto_secretbox_easy(out, plaintext, nonce, key);
          return out;
        },
        open(key, nonce, sealed) {
          if (sealed.byteLength < TAG_BYTES) return null;
          const out = new Uint8Array(sealed.byteLength - TAG_BYTES);
          return native.crypto_secretbox_open_easy(out, sealed, nonce, key) ? out : null;
        },
        sealInto(key, nonce, plaintext, out) {
          native.crypto_secretbox_easy(out, plaintext, nonce, key);
        },
        openInto(key, nonce, sealed, out) {
          if (sealed.byteLength < TAG_BYTES) return false;
          return native.crypto_secretbox_open_easy(out, sealed, nonce, key);
        },
      };
    }
  } catch {
    // Not installed or not loadable here: tweetnacl serves, and fileCipherName() says so.
  }
  return sodium;
}

/** The build file chunks use: sodium-native when it loads, tweetnacl otherwise. */
export function fileCipher(): FileCipher {
  return sodiumCipher() ?? tweetnaclCipher;
}

/** Which secretbox build seals and opens file chunks in this process. */
export function fileCipherName(): FileCipherName {
  return fileCipher().name;
}
