/**
 * Bytes <-> validated domain types: the public entry of the codec, and the only
 * way in for code outside src/wire. Decoders are pure: bytes in, a value of
 * src/wire/types.ts out, or a coded ProtocolError. Every field is checked for
 * presence, exact length, range and count; byte fields are copied so no frame
 * buffer is retained.
 *
 * One module per schema family under codec/, the only modules that import the
 * generated protobuf code (src/wire/gen):
 *   frames.ts    relay frames: the exhaustive encoder/decoder tables, encodeFrameReference
 *   deliver.ts   the hand-written Deliver encoder (the relay's per-message frame)
 *   inner.ts     the sealed inner envelope, a table over its content kinds
 *   presence.ts  presence bodies and signed datagrams
 *   cards.ts     the user card nested in all of them; enums.ts  the wire enum tables
 */

export { decodeFrame, encodeFrame, encodeFrameReference } from './codec/frames.js';
export {
  decodeGroupChangeRecord,
  decodeGroupPlain,
  encodeGroupChangeRecord,
  encodeGroupPlain,
} from './codec/groups.js';
export { decodeInner, encodeInner } from './codec/inner.js';
export {
  decodePresence,
  decodeSignedDatagram,
  encodePresence,
  encodeSignedDatagram,
} from './codec/presence.js';
