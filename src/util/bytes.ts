/** Small byte helpers shared by every layer. */

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  if (n <= 64) {
    // Ids and keys: a loop costs less than two Buffer views and a native call.
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(
    Buffer.from(b.buffer, b.byteOffset, b.length),
  );
}

/**
 * Up to this many bytes V8 keeps a typed array's contents on its heap, which is cheap;
 * above it, `new Uint8Array(n)` is an ArrayBuffer of its own off the heap (a zeroed
 * allocation, tracked and swept by the GC: about 1.5 µs for 300 bytes on the issue 14
 * machine, against 0.2 µs for a slice of Node's buffer pool).
 */
const ON_HEAP_MAX_BYTES = 64;

/**
 * `n` uninitialised bytes that the caller owns and fills: above ON_HEAP_MAX_BYTES a
 * slice of Node's shared buffer pool (Buffer.allocUnsafe, 8 KiB slabs), handed out as a
 * plain Uint8Array so that `.slice()` still copies. A slice keeps its slab alive while
 * it lives, so this is for the many values a message path makes and drops.
 */
export function allocBytes(n: number): Uint8Array {
  if (n <= ON_HEAP_MAX_BYTES) return new Uint8Array(n);
  const pooled = Buffer.allocUnsafe(n);
  return new Uint8Array(pooled.buffer, pooled.byteOffset, n);
}

/** A copy that owns its memory (decoders return views into frame buffers). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const out = allocBytes(bytes.length);
  out.set(bytes);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

export function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

// Sender ids repeat constantly; hex-encoding the same 32 bytes for every message
// showed up in profiles, so remember them per id object.
const hexCache = new WeakMap<Uint8Array, string>();
export function toHexCached(bytes: Uint8Array): string {
  let hex = hexCache.get(bytes);
  if (hex === undefined) {
    hex = toHex(bytes);
    hexCache.set(bytes, hex);
  }
  return hex;
}

/**
 * Recipient ids arrive as fresh bytes in every Send (views of the frame), so toHexCached
 * cannot help; remember their hex by content instead. Ids are public keys, random, so
 * their first four bytes tell them apart; the bytes are compared in full before a
 * remembered hex is used, and a clash is hex-encoded afresh. Bounded: emptied when full.
 */
const keyHexCache = new Map<number, { bytes: Uint8Array; hex: string }>();
const KEY_HEX_CACHE_MAX = 16_384;
export function keyToHex(bytes: Uint8Array): string {
  if (bytes.length < 4) return toHex(bytes);
  return keyToHexAt(bytes, 0, bytes.length);
}

/**
 * keyToHex of the `len` bytes of `within` at `at` (a Send's recipient, read in its frame:
 * codec/hot.ts), making no view of them unless they are new.
 */
export function keyToHexAt(within: Uint8Array, at: number, len = 32): string {
  const b = within;
  const tag = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | ((b[at + 3]! & 0x3f) << 24)) >>> 0;
  const known = keyHexCache.get(tag);
  if (known !== undefined && known.bytes.length === len) {
    let same = true;
    for (let i = 0; i < len && same; i++) same = known.bytes[i] === b[at + i];
    if (same) return known.hex;
  }
  const bytes = within.subarray(at, at + len);
  if (known !== undefined) return toHex(bytes);
  if (keyHexCache.size >= KEY_HEX_CACHE_MAX) keyHexCache.clear();
  const hex = toHex(bytes);
  keyHexCache.set(tag, { bytes: copyBytes(bytes), hex });
  return hex;
}
