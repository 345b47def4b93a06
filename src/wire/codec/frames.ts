/**
 * Relay frames: the `Frame` oneof of proto/natter.proto. Both tables are typed over
 * every kind, so a new frame kind without an encoder and a decoder does not compile.
 * Decoding is a lookup in the decoder table by the oneof's field name; each decoder
 * checks presence, lengths, ranges and counts and copies the bytes it keeps.
 */

import { boundedBytes, count, enumValue, exactBytes, parse, text, uint } from '../check.js';
import { ProtocolCode, ProtocolError } from '../errors.js';
import { natter as pb } from '../gen/natter.js';
import {
  BOX_OVERHEAD_BYTES,
  CHALLENGE_BYTES,
  KEY_BYTES,
  MAX_ACK_SEQS,
  MAX_PSEUDONYM_CHARS,
  MAX_REACHED_AT_CHARS,
  MAX_REASON_CHARS,
  MAX_RELAY_NAME_CHARS,
  MAX_ROSTER_ENTRIES,
  MAX_SEALED_BYTES,
  MAX_STATUS_TEXT_CHARS,
  MSG_ID_BYTES,
  NONCE_BYTES,
  SIGNATURE_BYTES,
} from '../limits.js';
import type { Frame, FrameOf, FrameType, RosterEntry } from '../types.js';
import { authDecoders, authEncoders } from './auth-frames.js';
import { decodeCard, encodeCard } from './cards.js';
import { encodeFileChunk } from './chunk.js';
import { encodeDeliver } from './deliver.js';
import { ACK_TABLE, STATUS_TABLE, statusNumber } from './enums.js';
import { fileDecoders, fileEncoders } from './files.js';
import { groupDecoders, groupEncoders } from './group-frames.js';
import { decodeFast, encodeSendAck } from './hot.js';

// ---------------------------------------------------------------------------
// Encoding

type Encoders = { [T in FrameType]: (f: FrameOf<T>) => pb.Frame.$Properties };

const encoders: Encoders = {
  hello: (f) => ({
    hello: { version: f.version, clientNonce: f.clientNonce, features: f.features },
  }),
  challenge: (f) => ({
    challenge: {
      version: f.version,
      relayId: f.relayId,
      challenge: f.challenge,
      relaySig: f.relaySig,
      relayName: f.relayName,
      features: f.features,
    },
  }),
  ...authEncoders,
  ready: (f) => ({
    ready: {
      card: encodeCard(f.card),
      pending: f.pending,
      serverTimeMs: f.serverTimeMs,
      ...(f.reachedAt ? { reachedAt: f.reachedAt } : {}),
    },
  }),
  send: (f) => ({ send: { to: f.to, msgId: f.msgId, nonce: f.nonce, ciphertext: f.ciphertext } }),
  'send-ack': (f) => ({
    sendAck: { msgId: f.msgId, code: ACK_TABLE.indexOf(f.code), reason: f.reason },
  }),
  deliver: (f) => ({
    deliver: {
      seq: f.seq,
      from: encodeCard(f.from),
      msgId: f.msgId,
      nonce: f.nonce,
      ciphertext: f.ciphertext,
      storedAtMs: f.storedAtMs,
    },
  }),
  'deliver-ack': (f) => ({ deliverAck: { seqs: f.seqs } }),
  lookup: (f) => ({
    lookup: {
      requestId: f.requestId,
      ...('pseudonym' in f.by ? { pseudonym: f.by.pseudonym } : { userId: f.by.userId }),
    },
  }),
  'lookup-result': (f) => ({
    lookupResult: {
      requestId: f.requestId,
      found: f.card !== null,
      online: f.online,
      ...(f.card ? { card: encodeCard(f.card) } : {}),
    },
  }),
  error: (f) => ({ error: { code: f.code, message: f.message } }),
  goodbye: (f) => ({ goodbye: { reason: f.reason } }),
  'store-status': (f) => ({ storeStatus: { code: f.code } }),
  ping: (f) => ({ ping: { nonce: f.nonce } }),
  pong: (f) => ({ pong: { nonce: f.nonce } }),
  'roster-update': (f) => ({
    rosterUpdate: {
      full: f.full,
      entries: f.entries.map((e) => ({
        card: encodeCard(e.card),
        status: statusNumber(e.status),
        statusText: e.statusText,
        online: e.online,
        ...(e.signed ? { statusSeq: e.signed.seq, statusSig: e.signed.sig } : {}),
      })),
    },
  }),
  'set-status': (f) => ({
    setStatus: { status: statusNumber(f.status), statusText: f.statusText, seq: f.seq, sig: f.sig },
  }),
  ...groupEncoders,
  ...fileEncoders,
};

/** A frame body (no length prefix); Deliver, SendAck and FileChunk by hand (deliver, hot, chunk). */
export function encodeFrame(frame: Frame): Uint8Array {
  if (frame.type === 'deliver') return encodeDeliver(frame);
  if (frame.type === 'send-ack') return encodeSendAck(frame);
  if (frame.type === 'file-chunk') return encodeFileChunk(frame);
  return encodeFrameReference(frame);
}

/** Every frame through protobufjs; tests hold the hand-written encoders to it. */
export function encodeFrameReference(frame: Frame): Uint8Array {
  const encode = encoders[frame.type] as (f: Frame) => pb.Frame.$Properties;
  return pb.Frame.encode(encode(frame)).finish();
}

// ---------------------------------------------------------------------------
// Decoding

type Body = NonNullable<pb.Frame['body']>;
type Decoders = { [K in Body]-?: (m: NonNullable<pb.Frame.$Properties[K]>) => Frame };

const sealed = (field: string, nonce: unknown, ciphertext: unknown) => ({
  nonce: exactBytes(`${field}.nonce`, nonce, NONCE_BYTES),
  ciphertext: boundedBytes(`${field}.ciphertext`, ciphertext, BOX_OVERHEAD_BYTES, MAX_SEALED_BYTES),
});

/**
 * A roster entry's status signature: both fields or neither (a user whose session
 * has not signed a status yet); a seq without a signature is refused.
 */
function statusSignature(seq: unknown, sig: unknown): RosterEntry['signed'] {
  const present = sig instanceof Uint8Array && sig.length > 0;
  const n = uint('roster_update.entries.status_seq', seq);
  if (!present) {
    if (n !== 0) {
      throw new ProtocolError(
        ProtocolCode.BadValue,
        'decode: roster_update.entries.status_seq without a status_sig',
      );
    }
    return null;
  }
  return { seq: n, sig: exactBytes('roster_update.entries.status_sig', sig, SIGNATURE_BYTES) };
}

const decoders: Decoders = {
  hello: (m) => ({
    type: 'hello',
    version: uint('hello.version', m.version, 0xffff),
    clientNonce: exactBytes('hello.client_nonce', m.clientNonce, CHALLENGE_BYTES),
    features: uint('hello.features', m.features, 0xffff_ffff),
  }),
  challenge: (m) => ({
    type: 'challenge',
    version: uint('challenge.version', m.version, 0xffff),
    relayId: exactBytes('challenge.relay_id', m.relayId, KEY_BYTES),
    challenge: exactBytes('challenge.challenge', m.challenge, CHALLENGE_BYTES),
    relaySig: exactBytes('challenge.relay_sig', m.relaySig, SIGNATURE_BYTES),
    relayName: text('challenge.relay_name', m.relayName, MAX_RELAY_NAME_CHARS),
    features: uint('challenge.features', m.features, 0xffff_ffff),
  }),
  ...authDecoders,
  ready: (m) => ({
    type: 'ready',
    card: decodeCard('ready.card', m.card),
    pending: uint('ready.pending', m.pending),
    serverTimeMs: uint('ready.server_time_ms', m.serverTimeMs),
    ...(m.reachedAt
      ? { reachedAt: text('ready.reached_at', m.reachedAt, MAX_REACHED_AT_CHARS) }
      : {}),
  }),
  send: (m) => ({
    type: 'send',
    to: exactBytes('send.to', m.to, KEY_BYTES),
    msgId: exactBytes('send.msg_id', m.msgId, MSG_ID_BYTES),
    ...sealed('send', m.nonce, m.ciphertext),
  }),
  sendAck: (m) => ({
    type: 'send-ack',
    msgId: exactBytes('send_ack.msg_id', m.msgId, MSG_ID_BYTES),
    code: enumValue('send_ack.code', m.code, ACK_TABLE),
    reason: text('send_ack.reason', m.reason, MAX_REASON_CHARS),
  }),
  deliver: (m) => ({
    type: 'deliver',
    seq: uint('deliver.seq', m.seq),
    from: decodeCard('deliver.from', m.from),
    msgId: exactBytes('deliver.msg_id', m.msgId, MSG_ID_BYTES),
    ...sealed('deliver', m.nonce, m.ciphertext),
    storedAtMs: uint('deliver.stored_at_ms', m.storedAtMs),
  }),
  deliverAck: (m) => ({
    type: 'deliver-ack',
    seqs: count('deliver_ack.seqs', m.seqs, MAX_ACK_SEQS).map((s) => uint('deliver_ack.seqs', s)),
  }),
  lookup: (m) => {
    const hasName = typeof m.pseudonym === 'string' && m.pseudonym.length > 0;
    const hasId = m.userId instanceof Uint8Array && m.userId.length > 0;
    if (hasName === hasId) {
      throw new ProtocolError(
        ProtocolCode.BadValue,
        'decode: lookup needs exactly one of pseudonym and user_id',
      );
    }
    return {
      type: 'lookup',
      requestId: uint('lookup.request_id', m.requestId, 0xffffffff),
      by: hasName
        ? { pseudonym: text('lookup.pseudonym', m.pseudonym, MAX_PSEUDONYM_CHARS) }
        : { userId: exactBytes('lookup.user_id', m.userId, KEY_BYTES) },
    };
  },
  lookupResult: (m) => ({
    type: 'lookup-result',
    requestId: uint('lookup_result.request_id', m.requestId, 0xffffffff),
    card: m.found ? decodeCard('lookup_result.card', m.card) : null,
    online: m.online === true,
  }),
  error: (m) => ({
    type: 'error',
    code: text('error.code', m.code, 64, { required: true }),
    message: text('error.message', m.message, MAX_REASON_CHARS),
  }),
  goodbye: (m) => ({ type: 'goodbye', reason: text('goodbye.reason', m.reason, MAX_REASON_CHARS) }),
  storeStatus: (m) => ({ type: 'store-status', code: text('store_status.code', m.code, 64) }),
  ping: (m) => ({ type: 'ping', nonce: uint('ping.nonce', m.nonce) }),
  pong: (m) => ({ type: 'pong', nonce: uint('pong.nonce', m.nonce) }),
  rosterUpdate: (m) => ({
    type: 'roster-update',
    full: m.full === true,
    entries: count('roster_update.entries', m.entries, MAX_ROSTER_ENTRIES).map(
      (e): RosterEntry => ({
        card: decodeCard('roster_update.entries.card', e.card),
        status: enumValue('roster_update.entries.status', e.status, STATUS_TABLE),
        statusText: text('roster_update.entries.status_text', e.statusText, MAX_STATUS_TEXT_CHARS),
        online: e.online === true,
        signed: statusSignature(e.statusSeq, e.statusSig),
      }),
    ),
  }),
  setStatus: (m) => ({
    type: 'set-status',
    status: enumValue('set_status.status', m.status, STATUS_TABLE),
    statusText: text('set_status.status_text', m.statusText, MAX_STATUS_TEXT_CHARS),
    seq: uint('set_status.seq', m.seq),
    sig: exactBytes('set_status.sig', m.sig, SIGNATURE_BYTES),
  }),
  ...groupDecoders,
  ...fileDecoders,
};

/** Decode and validate one frame body (Send, DeliverAck, FileChunk by hand: hot.ts). Throws. */
export function decodeFrame(bytes: Uint8Array): Frame {
  const fast = decodeFast(bytes);
  if (fast !== null) return fast;
  const msg = parse('frame', pb.Frame.decode, bytes);
  const kind = msg.body;
  if (kind === undefined) {
    throw new ProtocolError(ProtocolCode.UnknownKind, 'decode: frame has no known body');
  }
  const decode = decoders[kind] as (m: unknown) => Frame;
  return decode(msg[kind]);
}
