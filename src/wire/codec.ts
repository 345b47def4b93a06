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
 *   deliver.ts   the hand-written Deliver encoder (the relay's per-message frame; its
 *                `from` field apart, which the relay keeps per sender)
 *   hot.ts       the relay's Send, DeliverAck and SendAck by hand, and a read Send's
 *                Deliver written from its own bytes (encodeDeliverOfSend)
 *   chunk.ts     FileChunk by hand both ways: sealed or read in place, data as a view
 *   inner.ts     the sealed inner envelope, a table over its content kinds
 *   presence.ts  presence bodies and signed datagrams
 *   groups.ts    group frames, the membership change record and the group plaintext
 *   files.ts     file transfer frames and the offer (docs/files.md)
 *   cards.ts     the user card nested in all of them; enums.ts  the wire enum tables
 */

export { chunkFrame } from './codec/chunk.js';
export { encodeDeliver, encodeDeliverFrom } from './codec/deliver.js';
export { decodeFileOfferRecord, encodeFileOfferRecord } from './codec/files.js';
export { decodeFrame, encodeFrame, encodeFrameReference } from './codec/frames.js';
export {
  decodeGroupChangeRecord,
  decodeGroupPlain,
  encodeGroupChangeRecord,
  encodeGroupPlain,
} from './codec/groups.js';
export { encodeDeliverOfSend, sendRecipientHex } from './codec/hot.js';
export { decodeInner, encodeInner } from './codec/inner.js';
export {
  decodePresence,
  decodeSignedDatagram,
  encodePresence,
  encodeSignedDatagram,
} from './codec/presence.js';
