/**
 * Bytes <-> validated domain types. The only module that imports the generated
 * protobuf code. Decoders are pure: bytes in, a value of src/wire/types.ts out,
 * or a coded ProtocolError. Every field is checked for presence, exact length,
 * range and count; byte fields are copied so no frame buffer is retained.
 */

import {
  boundedBytes,
  count,
  enumValue,
  exactBytes,
  pseudonym,
  required,
  text,
  uint,
} from './check.js';
import { ProtocolCode, ProtocolError } from './errors.js';
import { varintLength, writeVarint } from './framing.js';
import { natter as pb } from './gen/natter.js';
import {
  BOX_OVERHEAD_BYTES,
  CHALLENGE_BYTES,
  KEY_BYTES,
  MAX_ACK_SEQS,
  MAX_DATAGRAM_BYTES,
  MAX_PSEUDONYM_CHARS,
  MAX_REASON_CHARS,
  MAX_RECEIPT_IDS,
  MAX_RELAY_NAME_CHARS,
  MAX_ROSTER_ENTRIES,
  MAX_SEALED_BYTES,
  MAX_STATUS_TEXT_CHARS,
  MAX_TEXT_BYTES,
  MSG_ID_BYTES,
  NONCE_BYTES,
  QUERY_NONCE_BYTES,
  SIGNATURE_BYTES,
} from './limits.js';
import type {
  AckCode,
  Card,
  Frame,
  FrameOf,
  FrameType,
  Inner,
  Presence,
  PresenceKind,
  RosterEntry,
  SignedDatagram,
  Status,
} from './types.js';

// Enum tables: index = wire number. Order is frozen with the .proto.
const STATUS_TABLE: readonly Status[] = ['online', 'away', 'busy'];
const ACK_TABLE: readonly AckCode[] = [
  'stored',
  'unknown-recipient',
  'recipient-quota',
  'sender-quota',
  'disk-full',
  'too-large',
  'internal',
];
const PRESENCE_TABLE: readonly PresenceKind[] = ['heartbeat', 'hello', 'query', 'bye', 'relay'];

const statusNumber = (s: Status): number => STATUS_TABLE.indexOf(s);

// ---------------------------------------------------------------------------
// Cards

function encodeCard(card: Card): pb.Card.$Properties {
  return { userId: card.userId, pseudonym: card.pseudonym, boxPk: card.boxPk, boxSig: card.boxSig };
}

function decodeCard(field: string, value: pb.Card.$Properties | null | undefined): Card {
  const c = required(field, value);
  return {
    userId: exactBytes(`${field}.user_id`, c.userId, KEY_BYTES),
    pseudonym: pseudonym(`${field}.pseudonym`, c.pseudonym),
    boxPk: exactBytes(`${field}.box_pk`, c.boxPk, KEY_BYTES),
    boxSig: exactBytes(`${field}.box_sig`, c.boxSig, SIGNATURE_BYTES),
  };
}

// ---------------------------------------------------------------------------
// Frames. Both tables are typed over every FrameType: a new frame kind without
// an encoder and a decoder does not compile.

type Encoders = { [T in FrameType]: (f: FrameOf<T>) => pb.Frame.$Properties };

const encoders: Encoders = {
  hello: (f) => ({ hello: { version: f.version, clientNonce: f.clientNonce } }),
  challenge: (f) => ({
    challenge: {
      version: f.version,
      relayId: f.relayId,
      challenge: f.challenge,
      relaySig: f.relaySig,
      relayName: f.relayName,
    },
  }),
  register: (f) => ({ register: { card: encodeCard(f.card), sig: f.sig } }),
  login: (f) => ({
    login: {
      pseudonym: f.pseudonym,
      userId: f.userId,
      sig: f.sig,
      ...(f.card ? { card: encodeCard(f.card) } : {}),
    },
  }),
  ready: (f) => ({
    ready: { card: encodeCard(f.card), pending: f.pending, serverTimeMs: f.serverTimeMs },
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
      })),
    },
  }),
  'set-status': (f) => ({
    setStatus: { status: statusNumber(f.status), statusText: f.statusText },
  }),
};

/** Encode a frame body (without the length prefix; see framing.ts). */
export function encodeFrame(frame: Frame): Uint8Array {
  if (frame.type === 'deliver') return encodeDeliver(frame);
  return encodeFrameReference(frame);
}

/** Every frame through protobufjs; tests hold the hand-written encoders to it. */
export function encodeFrameReference(frame: Frame): Uint8Array {
  const encode = encoders[frame.type] as (f: Frame) => pb.Frame.$Properties;
  return pb.Frame.encode(encode(frame)).finish();
}

// ---------------------------------------------------------------------------
// Deliver, by hand: the relay encodes one per stored message, and protobufjs
// building it (nested card included) was the largest single cost of a Send in
// the relay's profile. Same bytes as protobufjs: fields in number order, and
// proto3 defaults (0, empty) left out; a unit test holds the two together.

const FRAME_DELIVER_FIELD = 8;
const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

/** Encoded size of a field, 0 when proto3 leaves it out. */
const varintField = (n: number) => (n === 0 ? 0 : 1 + varintLength(n));
const bytesField = (len: number) => (len === 0 ? 0 : 1 + varintLength(len) + len);

class Out {
  at = 0;
  constructor(readonly bytes: Buffer) {}

  varint(n: number): void {
    this.at = writeVarint(this.bytes, n, this.at);
  }

  tag(field: number, wire: number): void {
    this.bytes[this.at++] = (field << 3) | wire;
  }

  varintField(field: number, n: number): void {
    if (n === 0) return;
    this.tag(field, WIRE_VARINT);
    this.varint(n);
  }

  bytesField(field: number, b: Uint8Array): void {
    if (b.byteLength === 0) return;
    this.tag(field, WIRE_BYTES);
    this.varint(b.byteLength);
    this.bytes.set(b, this.at);
    this.at += b.byteLength;
  }

  stringField(field: number, s: string, byteLength: number): void {
    if (byteLength === 0) return;
    this.tag(field, WIRE_BYTES);
    this.varint(byteLength);
    this.at += this.bytes.write(s, this.at, 'utf8');
  }
}

function encodeDeliver(f: FrameOf<'deliver'>): Uint8Array {
  const { from } = f;
  const nameBytes = Buffer.byteLength(from.pseudonym, 'utf8');
  const cardLen =
    bytesField(from.userId.byteLength) +
    bytesField(nameBytes) +
    bytesField(from.boxPk.byteLength) +
    bytesField(from.boxSig.byteLength);
  const bodyLen =
    varintField(f.seq) +
    1 +
    varintLength(cardLen) +
    cardLen +
    bytesField(f.msgId.byteLength) +
    bytesField(f.nonce.byteLength) +
    bytesField(f.ciphertext.byteLength) +
    varintField(f.storedAtMs);
  const out = new Out(Buffer.allocUnsafe(1 + varintLength(bodyLen) + bodyLen));
  out.tag(FRAME_DELIVER_FIELD, WIRE_BYTES);
  out.varint(bodyLen);
  out.varintField(1, f.seq);
  // A present sub-message is written even when empty, as protobufjs does.
  out.tag(2, WIRE_BYTES);
  out.varint(cardLen);
  out.bytesField(1, from.userId);
  out.stringField(2, from.pseudonym, nameBytes);
  out.bytesField(3, from.boxPk);
  out.bytesField(4, from.boxSig);
  out.bytesField(3, f.msgId);
  out.bytesField(4, f.nonce);
  out.bytesField(5, f.ciphertext);
  out.varintField(6, f.storedAtMs);
  return out.bytes;
}

type Body = NonNullable<pb.Frame['body']>;
type Decoders = { [K in Body]-?: (m: NonNullable<pb.Frame.$Properties[K]>) => Frame };

const sealed = (field: string, nonce: unknown, ciphertext: unknown) => ({
  nonce: exactBytes(`${field}.nonce`, nonce, NONCE_BYTES),
  ciphertext: boundedBytes(`${field}.ciphertext`, ciphertext, BOX_OVERHEAD_BYTES, MAX_SEALED_BYTES),
});

const decoders: Decoders = {
  hello: (m) => ({
    type: 'hello',
    version: uint('hello.version', m.version, 0xffff),
    clientNonce: exactBytes('hello.client_nonce', m.clientNonce, CHALLENGE_BYTES),
  }),
  challenge: (m) => ({
    type: 'challenge',
    version: uint('challenge.version', m.version, 0xffff),
    relayId: exactBytes('challenge.relay_id', m.relayId, KEY_BYTES),
    challenge: exactBytes('challenge.challenge', m.challenge, CHALLENGE_BYTES),
    relaySig: exactBytes('challenge.relay_sig', m.relaySig, SIGNATURE_BYTES),
    relayName: text('challenge.relay_name', m.relayName, MAX_RELAY_NAME_CHARS),
  }),
  register: (m) => ({
    type: 'register',
    card: decodeCard('register.card', m.card),
    sig: exactBytes('register.sig', m.sig, SIGNATURE_BYTES),
  }),
  login: (m) => ({
    type: 'login',
    pseudonym: pseudonym('login.pseudonym', m.pseudonym),
    userId: exactBytes('login.user_id', m.userId, KEY_BYTES),
    sig: exactBytes('login.sig', m.sig, SIGNATURE_BYTES),
    card: m.card ? decodeCard('login.card', m.card) : null,
  }),
  ready: (m) => ({
    type: 'ready',
    card: decodeCard('ready.card', m.card),
    pending: uint('ready.pending', m.pending),
    serverTimeMs: uint('ready.server_time_ms', m.serverTimeMs),
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
    const hasId = m.userId instanceof Uint8Array && m.userId.byteLength > 0;
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
      }),
    ),
  }),
  setStatus: (m) => ({
    type: 'set-status',
    status: enumValue('set_status.status', m.status, STATUS_TABLE),
    statusText: text('set_status.status_text', m.statusText, MAX_STATUS_TEXT_CHARS),
  }),
};

function parse<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    throw new ProtocolError(ProtocolCode.Malformed, `decode: ${what} is not valid protobuf`, {
      cause: err,
    });
  }
}

/** Decode and validate one frame body. Throws ProtocolError. */
export function decodeFrame(bytes: Uint8Array): Frame {
  const msg = parse('frame', () => pb.Frame.decode(bytes));
  const kind = msg.body;
  if (kind === undefined) {
    throw new ProtocolError(ProtocolCode.UnknownKind, 'decode: frame has no known body');
  }
  const decode = decoders[kind] as (m: unknown) => Frame;
  return decode(msg[kind]);
}

// ---------------------------------------------------------------------------
// The end-to-end envelope

export function encodeInner(inner: Inner): Uint8Array {
  const props: pb.Inner.$Properties = {
    sender: inner.sender,
    recipient: inner.recipient,
    msgId: inner.msgId,
    counter: inner.counter,
    sentAtMs: inner.sentAtMs,
    senderName: inner.senderName,
  };
  if (inner.content.kind === 'text') props.text = { body: inner.content.body };
  else props.receipt = { msgIds: inner.content.msgIds };
  return pb.Inner.encode(props).finish();
}

export function decodeInner(bytes: Uint8Array): Inner {
  const m = parse('inner envelope', () => pb.Inner.decode(bytes));
  const head = {
    sender: exactBytes('inner.sender', m.sender, KEY_BYTES),
    recipient: exactBytes('inner.recipient', m.recipient, KEY_BYTES),
    msgId: exactBytes('inner.msg_id', m.msgId, MSG_ID_BYTES),
    counter: uint('inner.counter', m.counter),
    sentAtMs: uint('inner.sent_at_ms', m.sentAtMs),
    senderName: pseudonym('inner.sender_name', m.senderName),
  };
  switch (m.content) {
    case 'text': {
      const body = text('inner.text.body', m.text?.body, MAX_TEXT_BYTES, { multiline: true });
      if (Buffer.byteLength(body, 'utf8') > MAX_TEXT_BYTES) {
        throw new ProtocolError(ProtocolCode.BadLength, 'decode: inner.text.body is too long');
      }
      return { ...head, content: { kind: 'text', body } };
    }
    case 'receipt': {
      const ids = count('inner.receipt.msg_ids', m.receipt?.msgIds, MAX_RECEIPT_IDS);
      return {
        ...head,
        content: {
          kind: 'receipt',
          msgIds: ids.map((id) => exactBytes('inner.receipt.msg_ids', id, MSG_ID_BYTES)),
        },
      };
    }
    default:
      throw new ProtocolError(
        ProtocolCode.UnknownKind,
        'decode: inner envelope has no known content',
      );
  }
}

// ---------------------------------------------------------------------------
// Presence datagrams

export function encodePresence(p: Presence): Uint8Array {
  const props: pb.PresenceBody.$Properties = {
    kind: PRESENCE_TABLE.indexOf(p.kind),
    seq: p.seq,
    timestampMs: p.timestampMs,
  };
  switch (p.kind) {
    case 'heartbeat':
    case 'hello':
    case 'bye':
      props.card = encodeCard(p.card);
      props.status = statusNumber(p.status);
      props.statusText = p.statusText;
      break;
    case 'query':
      if (p.card) props.card = encodeCard(p.card);
      props.queryNonce = p.queryNonce;
      break;
    case 'relay':
      props.relayId = p.relayId;
      props.relayPort = p.relayPort;
      props.relayName = p.relayName;
      break;
  }
  return pb.PresenceBody.encode(props).finish();
}

export function decodePresence(bytes: Uint8Array): Presence {
  const m = parse('presence body', () => pb.PresenceBody.decode(bytes));
  const kind = enumValue('presence.kind', m.kind, PRESENCE_TABLE);
  const seq = uint('presence.seq', m.seq);
  const timestampMs = uint('presence.timestamp_ms', m.timestampMs);
  switch (kind) {
    case 'heartbeat':
    case 'hello':
    case 'bye':
      return {
        kind,
        card: decodeCard('presence.card', m.card),
        status: enumValue('presence.status', m.status, STATUS_TABLE),
        statusText: text('presence.status_text', m.statusText, MAX_STATUS_TEXT_CHARS),
        seq,
        timestampMs,
      };
    case 'query':
      return {
        kind,
        card: m.card ? decodeCard('presence.card', m.card) : null,
        seq,
        timestampMs,
        queryNonce: exactBytes('presence.query_nonce', m.queryNonce, QUERY_NONCE_BYTES),
      };
    case 'relay':
      return {
        kind,
        relayId: exactBytes('presence.relay_id', m.relayId, KEY_BYTES),
        relayPort: uint('presence.relay_port', m.relayPort, 65535) || badPort(),
        relayName: text('presence.relay_name', m.relayName, MAX_RELAY_NAME_CHARS),
        seq,
        timestampMs,
      };
  }
}

function badPort(): never {
  throw new ProtocolError(ProtocolCode.MissingField, 'decode: presence.relay_port is missing');
}

export function encodeSignedDatagram(d: SignedDatagram): Uint8Array {
  return pb.SignedDatagram.encode({ body: d.body, signature: d.signature }).finish();
}

/** Size-checks, then splits a datagram into signed body and signature (not verified). */
export function decodeSignedDatagram(bytes: Uint8Array): SignedDatagram {
  if (bytes.byteLength > MAX_DATAGRAM_BYTES) {
    throw new ProtocolError(
      ProtocolCode.FrameTooLarge,
      `decode: datagram of ${bytes.byteLength} bytes exceeds ${MAX_DATAGRAM_BYTES}`,
    );
  }
  const m = parse('datagram', () => pb.SignedDatagram.decode(bytes));
  return {
    body: boundedBytes('datagram.body', m.body, 1, MAX_DATAGRAM_BYTES),
    signature: exactBytes('datagram.signature', m.signature, SIGNATURE_BYTES),
  };
}
