/**
 * The bare relays' framing (bare-relay.mjs, bare-js-relay.mjs): u32 BE length || body.
 * Calls `onFrame(buf, start, end)` for each whole frame read from `socket`, in order;
 * `buf.subarray(start, end)` is the frame with its length.
 */
export function readFrames(socket, onFrame) {
  let pend = null;
  socket.on('data', (chunk) => {
    const buf = pend === null ? chunk : Buffer.concat([pend, chunk]);
    let i = 0;
    while (buf.length - i >= 4) {
      const end = i + 4 + buf.readUInt32BE(i);
      if (end > buf.length) break;
      onFrame(buf, i, end);
      i = end;
    }
    pend = i < buf.length ? buf.subarray(i) : null;
  });
}
