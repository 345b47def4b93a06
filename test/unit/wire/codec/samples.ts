/**
 * Shared by the codec's tests (one file per schema family, like src/wire/codec/):
 * helpers to build hostile input and assert coded errors, and one valid sample of
 * every kind. Golden bytes (test/fixtures/golden-frames.json) are computed from
 * some of these samples, so changing a sample means regenerating that file.
 */
import assert from 'node:assert/strict';
import { encodePresence } from '../../../../src/wire/codec.js';
import {
  ProtocolCode,
  type ProtocolCodeValue,
  ProtocolError,
} from '../../../../src/wire/errors.js';
// Tests may use the generated code to craft hostile input; production code outside src/wire may not.
import { natter as pb } from '../../../../src/wire/gen/natter.js';
import { PROTOCOL_VERSION } from '../../../../src/wire/limits.js';
import type {
  AckCode,
  Card,
  FileOffer,
  Frame,
  FrameOf,
  FrameType,
  GroupChange,
  Inner,
  Presence,
  PresenceKind,
  SignedDatagram,
  Status,
} from '../../../../src/wire/types.js';

// ---------------------------------------------------------------------------
// Helpers

/** `n` recognisable bytes first, first+1, ... (mod 256). */
export const bytes = (n: number, first = 0): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (first + i) & 0xff);

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

/** assert.throws validator: a ProtocolError with exactly this code. */
export function protocolError(code: ProtocolCodeValue) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

/** A decoder either returns a value or throws a coded ProtocolError; nothing else. */
export function returnsOrThrowsCoded(decode: (b: Uint8Array) => unknown, input: Uint8Array): void {
  try {
    decode(input);
  } catch (err) {
    assert.ok(err instanceof ProtocolError, `threw a non-protocol error: ${String(err)}`);
    assert.ok(Object.values(ProtocolCode).includes(err.code as ProtocolCodeValue), err.code);
  }
}

/** An enum number the schema does not define (the generated types only admit defined ones). */
export const unknownEnum = (n: number): never => n as never;

export const rawFrame = (props: pb.Frame.$Properties): Uint8Array =>
  pb.Frame.encode(props).finish();
export const rawInner = (props: pb.Inner.$Properties): Uint8Array =>
  pb.Inner.encode(props).finish();
export const rawPresence = (props: pb.PresenceBody.$Properties): Uint8Array =>
  pb.PresenceBody.encode(props).finish();

// ---------------------------------------------------------------------------
// Samples: one valid value of every kind. Golden bytes are computed from some of
// these, so changing a sample means regenerating test/fixtures/golden-frames.json.

export const alice: Card = {
  userId: bytes(32, 0x10),
  pseudonym: 'alice',
  boxPk: bytes(32, 0x30),
  cardSig: bytes(64, 0x50),
};
export const bob: Card = {
  userId: bytes(32, 0x90),
  pseudonym: 'Bob_2',
  boxPk: bytes(32, 0xb0),
  cardSig: bytes(64, 0xd0),
};

/** A group's first change: alice creates "team" with bob as a member. */
export const groupCreate: GroupChange = {
  groupId: bytes(16, 0x31),
  seq: 0,
  prevHash: bytes(32, 0x00),
  author: alice.userId,
  signature: bytes(64, 0x34),
  op: 'create',
  name: 'team ☕',
  members: [
    { userId: alice.userId, role: 'admin' },
    { userId: bob.userId, role: 'member' },
  ],
};

export const groupAdd: GroupChange = {
  groupId: bytes(16, 0x31),
  seq: 1,
  prevHash: bytes(32, 0x35),
  author: alice.userId,
  signature: bytes(64, 0x36),
  op: 'add',
  target: bytes(32, 0x37),
};

/** Keyed by every FrameType: a new frame kind without a sample does not compile. */
export const samples: { [T in FrameType]: FrameOf<T> } = {
  hello: { type: 'hello', version: PROTOCOL_VERSION, clientNonce: bytes(32, 0x00), features: 0 },
  challenge: {
    type: 'challenge',
    version: PROTOCOL_VERSION,
    relayId: bytes(32, 0x20),
    challenge: bytes(32, 0x40),
    relaySig: bytes(64, 0x60),
    relayName: 'office relay',
    features: 0,
  },
  register: { type: 'register', card: alice, sig: bytes(64, 0x70), quiet: false },
  login: {
    type: 'login',
    pseudonym: 'alice',
    userId: alice.userId,
    sig: bytes(64, 0x71),
    card: null,
    quiet: false,
  },
  ready: { type: 'ready', card: alice, pending: 3, serverTimeMs: 1_700_000_000_123 },
  send: {
    type: 'send',
    to: bob.userId,
    msgId: bytes(16, 0x60),
    nonce: bytes(24, 0x70),
    ciphertext: bytes(20, 0xa0),
  },
  'send-ack': {
    type: 'send-ack',
    msgId: bytes(16, 0x60),
    code: 'recipient-quota',
    reason: 'mailbox full',
  },
  deliver: {
    type: 'deliver',
    seq: 42,
    from: alice,
    msgId: bytes(16, 0x61),
    nonce: bytes(24, 0x71),
    ciphertext: bytes(40, 0xa1),
    storedAtMs: 1_700_000_000_456,
  },
  'deliver-ack': { type: 'deliver-ack', seqs: [1, 300, 2 ** 40] },
  lookup: { type: 'lookup', requestId: 7, by: { pseudonym: 'Bob_2' } },
  'lookup-result': { type: 'lookup-result', requestId: 7, card: bob, online: true },
  error: { type: 'error', code: 'E_AUTH_FAILED', message: 'login: signature did not verify' },
  goodbye: { type: 'goodbye', reason: 'logout' },
  'store-status': { type: 'store-status', code: 'E_STORE_UNAVAILABLE' },
  ping: { type: 'ping', nonce: 2 ** 40 + 5 },
  pong: { type: 'pong', nonce: 2 ** 40 + 5 },
  'roster-update': {
    type: 'roster-update',
    full: true,
    entries: [
      { card: alice, status: 'online', statusText: '', online: true, signed: null },
      {
        card: bob,
        status: 'busy',
        statusText: 'in a meeting until 3',
        online: true,
        signed: { seq: 1_700_000_000_777, sig: bytes(64, 0xe1) },
      },
    ],
  },
  'set-status': {
    type: 'set-status',
    status: 'away',
    statusText: 'lunch ☕',
    seq: 1_700_000_000_321,
    sig: bytes(64, 0x72),
  },
  'group-change': { type: 'group-change', requestId: 11, change: groupCreate },
  'group-change-result': {
    type: 'group-change-result',
    requestId: 11,
    code: 'E_GROUP_NOT_ADMIN',
    reason: 'only an admin may add members',
    gseq: 0,
  },
  'group-send': {
    type: 'group-send',
    groupId: bytes(16, 0x31),
    msgId: bytes(16, 0x32),
    body: bytes(200, 0x33),
  },
  'group-deliver': {
    type: 'group-deliver',
    groupId: bytes(16, 0x31),
    gseq: 7,
    storedAtMs: 1_700_000_000_777,
    item: { kind: 'message', from: alice.userId, msgId: bytes(16, 0x32), body: bytes(200, 0x33) },
  },
  'group-ack': { type: 'group-ack', groupId: bytes(16, 0x31), throughGseq: 7 },
  'group-log-request': {
    type: 'group-log-request',
    requestId: 12,
    groupId: bytes(16, 0x31),
    fromSeq: 0,
  },
  'group-resend': { type: 'group-resend', groupId: bytes(16, 0x31), afterGseq: 6 },
  'group-resend-result': {
    type: 'group-resend-result',
    groupId: bytes(16, 0x31),
    afterGseq: 6,
    code: 'E_GROUP_BAD_GSEQ',
    reason: 'after_gseq is beyond the group',
  },
  'group-log-result': {
    type: 'group-log-result',
    requestId: 12,
    found: true,
    changes: [groupCreate, groupAdd],
    more: false,
  },
  'file-put': {
    type: 'file-put',
    requestId: 13,
    transferId: bytes(16, 0xa1),
    size: 3 * 256 * 1024 + 5,
    chunkBytes: 256 * 1024,
    recipients: { to: [bob.userId] },
  },
  'file-put-result': {
    type: 'file-put-result',
    requestId: 13,
    code: '',
    reason: '',
    haveChunks: 2,
    leftOut: [],
  },
  'file-chunk': {
    type: 'file-chunk',
    transferId: bytes(16, 0xa1),
    index: 3,
    data: bytes(21, 0xa2),
  },
  'file-chunk-ack': {
    type: 'file-chunk-ack',
    transferId: bytes(16, 0xa1),
    through: 4,
    code: '',
    reason: '',
  },
  'file-get': { type: 'file-get', requestId: 14, transferId: bytes(16, 0xa1), fromIndex: 1 },
  'file-get-result': {
    type: 'file-get-result',
    requestId: 14,
    code: '',
    reason: '',
    size: 3 * 256 * 1024 + 5,
    chunkBytes: 256 * 1024,
    haveChunks: 4,
    from: alice.userId,
  },
  'file-done': { type: 'file-done', transferId: bytes(16, 0xa1), outcome: 'received' },
  'file-policy': { type: 'file-policy', maxIncomingBytes: 2 * 1024 ** 3 },
};

/** A folder offer: two files whose sizes add up to the stream's. */
export const folderOffer: FileOffer = {
  transferId: bytes(16, 0xa1),
  name: 'holiday photos',
  size: 300_000,
  sha256: bytes(32, 0xa3),
  chunkBytes: 64 * 1024,
  mime: '',
  fileKey: bytes(32, 0xa4),
  noncePrefix: bytes(15, 0xa5),
  entries: [
    { path: 'day 1/beach.jpg', size: 200_000 },
    { path: 'day 2/café.jpg', size: 100_000 },
  ],
  several: false,
};

/** Variants the one-per-type table cannot hold. */
export const moreFrames: Frame[] = [
  { ...samples.login, card: bob },
  { type: 'lookup', requestId: 0xffffffff, by: { userId: bob.userId } },
  { type: 'lookup-result', requestId: 8, card: null, online: false },
  { type: 'roster-update', full: false, entries: [] },
  { type: 'deliver-ack', seqs: [] },
  { type: 'ping', nonce: 0 },
  { type: 'ping', nonce: Number.MAX_SAFE_INTEGER },
  { type: 'goodbye', reason: '' },
  { type: 'store-status', code: '' },
  ...(
    [
      'stored',
      'unknown-recipient',
      'sender-quota',
      'disk-full',
      'too-large',
      'internal',
      'delivered',
    ] as const
  ).map((code: AckCode): Frame => ({ ...samples['send-ack'], code })),
  ...(['online', 'busy'] as const).map(
    (status: Status): Frame => ({
      type: 'set-status',
      status,
      statusText: '',
      seq: 0,
      sig: bytes(64, 0x73),
    }),
  ),
  { ...samples['set-status'], seq: Number.MAX_SAFE_INTEGER },
  {
    type: 'group-deliver',
    groupId: bytes(16, 0x31),
    gseq: 1,
    storedAtMs: 1,
    item: { kind: 'change', change: groupAdd },
  },
  {
    type: 'group-change',
    requestId: 0,
    change: {
      groupId: groupAdd.groupId,
      seq: 2,
      prevHash: bytes(32, 0x38),
      author: alice.userId,
      signature: bytes(64, 0x39),
      op: 'rename',
      name: 'lunch',
    },
  },
  { type: 'group-change-result', requestId: 3, code: '', reason: '', gseq: 9 },
  { type: 'group-log-result', requestId: 4, found: false, changes: [], more: false },
  { type: 'group-resend', groupId: bytes(16, 0x31), afterGseq: 0 },
  { type: 'group-resend', groupId: bytes(16, 0x31), afterGseq: Number.MAX_SAFE_INTEGER },
  { ...samples['group-resend-result'], code: '', reason: '' },
  { ...samples.hello, features: 1 },
  { ...samples.hello, features: 0xffff_ffff },
  { ...samples.challenge, features: 1 },
  { ...samples.challenge, features: 0xffff_ffff },
  { ...samples['file-put'], recipients: { groupId: bytes(16, 0x31) } },
  { ...samples['file-put'], size: 0, chunkBytes: 4096 },
  {
    type: 'file-put-result',
    requestId: 15,
    code: 'E_FILE_QUOTA',
    reason: 'over your quota',
    haveChunks: 0,
    leftOut: [],
  },
  { ...samples['file-put-result'], leftOut: [bob.userId, bytes(32, 0x42)] },
  {
    ...samples['file-chunk-ack'],
    through: 7,
    code: 'E_FILE_DISK_FULL',
    reason: 'the relay is short of disk',
  },
  {
    type: 'file-get-result',
    requestId: 16,
    code: 'E_FILE_UNKNOWN',
    reason: 'no such transfer',
    size: 0,
    chunkBytes: 0,
    haveChunks: 0,
    from: new Uint8Array(0),
  },
  ...(['declined', 'cancelled'] as const).map(
    (outcome): Frame => ({ ...samples['file-done'], outcome }),
  ),
  {
    type: 'roster-update',
    full: false,
    entries: [
      {
        card: bob,
        status: 'away',
        statusText: '',
        online: false,
        signed: { seq: 0, sig: bytes(64, 0xe2) },
      },
    ],
  },
];

export const innerSamples: { [K in Inner['content']['kind']]: Inner } = {
  text: {
    sender: alice.userId,
    recipient: bob.userId,
    msgId: bytes(16, 0x60),
    counter: 1,
    sentAtMs: 1_700_000_000_789,
    senderName: 'alice',
    content: { kind: 'text', body: 'hello Bob\nsecond line, tab\there, émoji 🦊' },
  },
  receipt: {
    sender: bob.userId,
    recipient: alice.userId,
    msgId: bytes(16, 0x80),
    counter: 2 ** 33,
    sentAtMs: 1_700_000_000_999,
    senderName: 'Bob_2',
    content: { kind: 'receipt', msgIds: [bytes(16, 0x60), bytes(16, 0x61)] },
  },
  'sender-key': {
    sender: alice.userId,
    recipient: bob.userId,
    msgId: bytes(16, 0x90),
    counter: 3,
    sentAtMs: 1_700_000_001_000,
    senderName: 'alice',
    content: { kind: 'sender-key', groupId: bytes(16, 0x31), epoch: 2, share: bytes(69, 0x4b) },
  },
  'file-offer': {
    sender: alice.userId,
    recipient: bob.userId,
    msgId: bytes(16, 0x91),
    counter: 4,
    sentAtMs: 1_700_000_002_000,
    senderName: 'alice',
    content: { kind: 'file-offer', offer: folderOffer },
  },
  'file-reply': {
    sender: bob.userId,
    recipient: alice.userId,
    msgId: bytes(16, 0x92),
    counter: 5,
    sentAtMs: 1_700_000_003_000,
    senderName: 'Bob_2',
    content: { kind: 'file-reply', transferId: bytes(16, 0x93), outcome: 'declined' },
  },
  'file-cancel': {
    sender: alice.userId,
    recipient: bob.userId,
    msgId: bytes(16, 0x94),
    counter: 6,
    sentAtMs: 1_700_000_004_000,
    senderName: 'alice',
    content: { kind: 'file-cancel', transferId: bytes(16, 0x93) },
  },
};

export const presenceSamples: { [K in PresenceKind]: Presence & { kind: K } } = {
  heartbeat: {
    kind: 'heartbeat',
    card: alice,
    status: 'online',
    statusText: 'around',
    seq: 17,
    timestampMs: 1_700_000_001_000,
  },
  hello: { kind: 'hello', card: bob, status: 'busy', statusText: '', seq: 1, timestampMs: 5 },
  bye: { kind: 'bye', card: alice, status: 'away', statusText: 'gone', seq: 18, timestampMs: 9 },
  query: { kind: 'query', card: bob, seq: 2, timestampMs: 10, queryNonce: bytes(16, 0xc0) },
  relay: {
    kind: 'relay',
    relayId: bytes(32, 0x20),
    relayPort: 7469,
    relayName: 'office relay',
    seq: 3,
    timestampMs: 11,
  },
};
export const anonymousQuery: Presence & { kind: 'query' } = {
  kind: 'query',
  card: null,
  seq: 0,
  timestampMs: 12,
  queryNonce: bytes(16, 0xd0),
};

export const datagramSample: SignedDatagram = {
  // encode* return Buffers under Node; decoded fields are plain Uint8Arrays.
  body: new Uint8Array(encodePresence(presenceSamples.heartbeat)),
  signature: bytes(64, 0xe0),
};

/** `n` small distinct integers, to fill repeated fields up to (and past) their limits. */
export const many = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** One validation case: `input` must make `decode` throw a ProtocolError with `code`. */
export interface Case {
  what: string;
  code: ProtocolCodeValue;
  input: () => Uint8Array;
  decode?: (b: Uint8Array) => unknown;
}

/**
 * A decoded frame as a plain object: the relay's Send reader (codec/hot.ts) returns a
 * Send whose recipient, nonce and ciphertext are made when read, which deepEqual would
 * tell from a plain object by its prototype alone; every field is compared all the same.
 */
export function plain(f: Frame): Frame {
  if (f.type !== 'send') return f;
  const { type, to, msgId, nonce, ciphertext } = f;
  return { type, to, msgId, nonce, ciphertext };
}
