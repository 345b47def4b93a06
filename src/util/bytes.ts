/** Small byte helpers shared by every layer. */

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.byteLength;
  if (n !== b.byteLength) return false;
  if (n <= 64) {
    // Ids and keys: a loop costs less than two Buffer views and a native call.
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
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
  const out = allocBytes(bytes.byteLength);
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
