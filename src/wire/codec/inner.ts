/**
 * The sealed inner envelope (DESIGN.md §3): the plaintext inside every box. A fixed
 * head (sender, recipient, msg id, counter, time, sender name) and one content kind
 * from the `Inner.content` oneof. Content kinds are one table: a new kind is one
 * entry naming its oneof field, its encoder and its validating decoder. A kind in
 * InnerContent without an entry, or a oneof field in the schema that no entry
 * names, does not compile.
 */

import { count, exactBytes, parse, pseudonym, text, uint } from '../check.js';
import { ProtocolCode, ProtocolError } from '../errors.js';
import { natter as pb } from '../gen/natter.js';
import {
  KEY_BYTES,
  MAX_RECEIPT_IDS,
  MAX_TEXT_BYTES,
  MSG_ID_BYTES,
  TRANSFER_ID_BYTES,
} from '../limits.js';
import type { Inner, InnerContent } from '../types.js';
import { fileOfferContent, fileReplyContent } from './files.js';
import { senderKeyContent } from './groups.js';

type ContentKind = InnerContent['kind'];
type ContentOf<K extends ContentKind> = Extract<InnerContent, { kind: K }>;
/** A field of the schema's `Inner.content` oneof. */
type ContentField = NonNullable<pb.Inner['content']>;
type FieldValue<F extends ContentField> = NonNullable<pb.Inner.$Properties[F]>;

/** How one content kind travels: the oneof field that carries it, both directions. */
interface ContentCodec<K extends ContentKind, F extends ContentField> {
  field: F;
  encode: (c: ContentOf<K>) => FieldValue<F>;
  /** Validates what protobufjs decoded for `field`, which may still be empty. */
  decode: (m: FieldValue<F> | null | undefined) => ContentOf<K>;
}

/** An entry for kind K, in whichever oneof field it names. */
type Entry<K extends ContentKind> = { [F in ContentField]: ContentCodec<K, F> }[ContentField];

const CONTENT = {
  text: {
    field: 'text',
    encode: (c) => ({ body: c.body }),
    decode: (m) => {
      const body = text('inner.text.body', m?.body, MAX_TEXT_BYTES, { multiline: true });
      if (Buffer.byteLength(body, 'utf8') > MAX_TEXT_BYTES) {
        throw new ProtocolError(ProtocolCode.BadLength, 'decode: inner.text.body is too long');
      }
      return { kind: 'text', body };
    },
  },
  receipt: {
    field: 'receipt',
    encode: (c) => ({ msgIds: c.msgIds }),
    decode: (m) => {
      const ids = count('inner.receipt.msg_ids', m?.msgIds, MAX_RECEIPT_IDS);
      return {
        kind: 'receipt',
        msgIds: ids.map((id) => exactBytes('inner.receipt.msg_ids', id, MSG_ID_BYTES)),
      };
    },
  },
  'sender-key': senderKeyContent,
  'file-offer': fileOfferContent,
  'file-reply': fileReplyContent,
  // An uploader's cancel, told to one recipient of its offer (files.ts has the offer's kinds).
  'file-cancel': {
    field: 'fileCancel',
    encode: (c) => ({ transferId: c.transferId }),
    decode: (m) => ({
      kind: 'file-cancel',
      transferId: exactBytes('inner.file_cancel.transfer_id', m?.transferId, TRANSFER_ID_BYTES),
    }),
  },
} satisfies { [K in ContentKind]: Entry<K> };

type AnyCodec = ContentCodec<ContentKind, ContentField>;

/**
 * The same entries keyed by oneof field, built once at load. Its keys are the fields
 * the entries name, so indexing it with every field of the schema (decodeInner)
 * fails to compile while one is missing.
 */
const BY_FIELD = Object.fromEntries(Object.values(CONTENT).map((c) => [c.field, c])) as {
  [F in (typeof CONTENT)[ContentKind]['field']]: AnyCodec;
};

export function encodeInner(inner: Inner): Uint8Array {
  const props: pb.Inner.$Properties = {
    sender: inner.sender,
    recipient: inner.recipient,
    msgId: inner.msgId,
    counter: inner.counter,
    sentAtMs: inner.sentAtMs,
    senderName: inner.senderName,
  };
  // The entry matches the content's kind, and sets the one oneof member it names;
  // TS cannot follow either across the union, as with the frame tables.
  const codec = CONTENT[inner.content.kind] as AnyCodec;
  (props as Record<ContentField, unknown>)[codec.field] = codec.encode(inner.content);
  return pb.Inner.encode(props).finish();
}

export function decodeInner(bytes: Uint8Array): Inner {
  const m = parse('inner envelope', pb.Inner.decode, bytes);
  const head = {
    sender: exactBytes('inner.sender', m.sender, KEY_BYTES),
    recipient: exactBytes('inner.recipient', m.recipient, KEY_BYTES),
    msgId: exactBytes('inner.msg_id', m.msgId, MSG_ID_BYTES),
    counter: uint('inner.counter', m.counter),
    sentAtMs: uint('inner.sent_at_ms', m.sentAtMs),
    senderName: pseudonym('inner.sender_name', m.senderName),
  };
  const field = m.content;
  if (field === undefined) {
    throw new ProtocolError(
      ProtocolCode.UnknownKind,
      'decode: inner envelope has no known content',
    );
  }
  return { ...head, content: BY_FIELD[field].decode(m[field]) };
}
