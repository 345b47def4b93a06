/**
 * Presence datagrams (DESIGN.md §5): a PresenceBody, signed and wrapped in a
 * SignedDatagram. Decoding the wrapper checks the size first and splits body from
 * signature without verifying it: receivers rate-limit and drop duplicates before
 * paying for a signature check (src/presence/filter.ts).
 */

import { boundedBytes, enumValue, exactBytes, parse, text, uint } from '../check.js';
import { ProtocolCode, ProtocolError } from '../errors.js';
import { natter as pb } from '../gen/natter.js';
import {
  KEY_BYTES,
  MAX_DATAGRAM_BYTES,
  MAX_RELAY_NAME_CHARS,
  MAX_STATUS_TEXT_CHARS,
  QUERY_NONCE_BYTES,
  SIGNATURE_BYTES,
} from '../limits.js';
import type { Presence, SignedDatagram } from '../types.js';
import { decodeCard, encodeCard } from './cards.js';
import { PRESENCE_TABLE, STATUS_TABLE, statusNumber } from './enums.js';

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
  const m = parse('presence body', pb.PresenceBody.decode, bytes);
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
  if (bytes.length > MAX_DATAGRAM_BYTES) {
    throw new ProtocolError(
      ProtocolCode.FrameTooLarge,
      `decode: datagram of ${bytes.length} bytes exceeds ${MAX_DATAGRAM_BYTES}`,
    );
  }
  const m = parse('datagram', pb.SignedDatagram.decode, bytes);
  return {
    body: boundedBytes('datagram.body', m.body, 1, MAX_DATAGRAM_BYTES),
    signature: exactBytes('datagram.signature', m.signature, SIGNATURE_BYTES),
  };
}
