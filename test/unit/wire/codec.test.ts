import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  decodeFrame,
  decodeInner,
  decodePresence,
  decodeSignedDatagram,
  encodeFrame,
  encodeFrameReference,
  encodeInner,
  encodePresence,
  encodeSignedDatagram,
} from '../../../src/wire/codec.js';
import { ProtocolCode, type ProtocolCodeValue, ProtocolError } from '../../../src/wire/errors.js';
// Tests may use the generated code to craft hostile input; production code outside src/wire may not.
import { natter as pb } from '../../../src/wire/gen/natter.js';
import {
  BOX_OVERHEAD_BYTES,
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
  PROTOCOL_VERSION,
} from '../../../src/wire/limits.js';
import type {
  AckCode,
  Card,
  Frame,
  FrameOf,
  FrameType,
  Inner,
  Presence,
  PresenceKind,
  SignedDatagram,
  Status,
} from '../../../src/wire/types.js';

// ---------------------------------------------------------------------------
// Helpers

/** `n` recognisable bytes first, first+1, ... (mod 256). */
const bytes = (n: number, first = 0): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (first + i) & 0xff);

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

/** assert.throws validator: a ProtocolError with exactly this code. */
function protocolError(code: ProtocolCodeValue) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

/** A decoder either returns a value or throws a coded ProtocolError; nothing else. */
function returnsOrThrowsCoded(decode: (b: Uint8Array) => unknown, input: Uint8Array): void {
  try {
    decode(input);
  } catch (err) {
    assert.ok(err instanceof ProtocolError, `threw a non-protocol error: ${String(err)}`);
    assert.ok(Object.values(ProtocolCode).includes(err.code as ProtocolCodeValue), err.code);
  }
}

/** An enum number the schema does not define (the generated types only admit defined ones). */
const unknownEnum = (n: number): never => n as never;

const rawFrame = (props: pb.Frame.$Properties): Uint8Array => pb.Frame.encode(props).finish();
const rawInner = (props: pb.Inner.$Properties): Uint8Array => pb.Inner.encode(props).finish();
const rawPresence = (props: pb.PresenceBody.$Properties): Uint8Array =>
  pb.PresenceBody.encode(props).finish();

// ---------------------------------------------------------------------------
// Samples: one valid value of every kind. Golden bytes are computed from some of
// these, so changing a sample means regenerating test/fixtures/golden-frames.json.

const alice: Card = {
  userId: bytes(32, 0x10),
  pseudonym: 'alice',
  boxPk: bytes(32, 0x30),
  boxSig: bytes(64, 0x50),
};
const bob: Card = {
  userId: bytes(32, 0x90),
  pseudonym: 'Bob_2',
  boxPk: bytes(32, 0xb0),
  boxSig: bytes(64, 0xd0),
};

/** Keyed by every FrameType: a new frame kind without a sample does not compile. */
const samples: { [T in FrameType]: FrameOf<T> } = {
  hello: { type: 'hello', version: PROTOCOL_VERSION, clientNonce: bytes(32, 0x00) },
  challenge: {
    type: 'challenge',
    version: PROTOCOL_VERSION,
    relayId: bytes(32, 0x20),
    challenge: bytes(32, 0x40),
    relaySig: bytes(64, 0x60),
    relayName: 'office relay',
  },
  register: { type: 'register', card: alice, sig: bytes(64, 0x70) },
  login: {
    type: 'login',
    pseudonym: 'alice',
    userId: alice.userId,
    sig: bytes(64, 0x71),
    card: null,
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
  ping: { type: 'ping', nonce: 2 ** 40 + 5 },
  pong: { type: 'pong', nonce: 2 ** 40 + 5 },
  'roster-update': {
    type: 'roster-update',
    full: true,
    entries: [
      { card: alice, status: 'online', statusText: '', online: true },
      { card: bob, status: 'busy', statusText: 'in a meeting until 3', online: false },
    ],
  },
  'set-status': { type: 'set-status', status: 'away', statusText: 'lunch ☕' },
};

/** Variants the one-per-type table cannot hold. */
const moreFrames: Frame[] = [
  { ...samples.login, card: bob },
  { type: 'lookup', requestId: 0xffffffff, by: { userId: bob.userId } },
  { type: 'lookup-result', requestId: 8, card: null, online: false },
  { type: 'roster-update', full: false, entries: [] },
  { type: 'deliver-ack', seqs: [] },
  { type: 'ping', nonce: 0 },
  { type: 'ping', nonce: Number.MAX_SAFE_INTEGER },
  { type: 'goodbye', reason: '' },
  ...(
    ['stored', 'unknown-recipient', 'sender-quota', 'disk-full', 'too-large', 'internal'] as const
  ).map((code: AckCode): Frame => ({ ...samples['send-ack'], code })),
  ...(['online', 'busy'] as const).map(
    (status: Status): Frame => ({ type: 'set-status', status, statusText: '' }),
  ),
];

const innerSamples: { [K in Inner['content']['kind']]: Inner } = {
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
};

const presenceSamples: { [K in PresenceKind]: Presence & { kind: K } } = {
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
const anonymousQuery: Presence = {
  kind: 'query',
  card: null,
  seq: 0,
  timestampMs: 12,
  queryNonce: bytes(16, 0xd0),
};

const datagramSample: SignedDatagram = {
  // encode* return Buffers under Node; decoded fields are plain Uint8Arrays.
  body: new Uint8Array(encodePresence(presenceSamples.heartbeat)),
  signature: bytes(64, 0xe0),
};

/** The oneof field names of `Frame` in the schema, in kebab case ('send_ack' -> 'send-ack'). */
function schemaFrameKinds(): string[] {
  const proto = readFileSync(new URL('../../../proto/natter.proto', import.meta.url), 'utf8');
  const frame = /message Frame \{\s*oneof body \{([^}]*)\}/.exec(proto);
  assert.ok(frame?.[1], 'proto/natter.proto has no `message Frame { oneof body { ... } }`');
  return [...frame[1].matchAll(/^\s*\w+\s+(\w+)\s*=\s*\d+\s*;/gm)].map((m) =>
    (m[1] ?? '').replaceAll('_', '-'),
  );
}

// ---------------------------------------------------------------------------

describe('wire/codec', () => {
  describe('round trips', () => {
    it('has a sample for every frame kind in the schema', () => {
      assert.deepEqual(Object.keys(samples).sort(), schemaFrameKinds().sort());
    });

    for (const sample of Object.values(samples)) {
      it(`decodes an encoded ${sample.type} frame to an equal value`, () => {
        assert.deepEqual(decodeFrame(encodeFrame(sample)), sample);
      });
    }

    it('round-trips frame variants: optional cards, lookup by id, empty lists, every enum value', () => {
      for (const f of moreFrames) assert.deepEqual(decodeFrame(encodeFrame(f)), f);
    });

    it('round-trips any safe integer in a uint64 field', () => {
      fc.assert(
        fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (seq, storedAtMs) => {
          const f: Frame = { ...samples.deliver, seq, storedAtMs };
          assert.deepEqual(decodeFrame(encodeFrame(f)), f);
        }),
      );
    });

    for (const inner of Object.values(innerSamples)) {
      it(`decodes an encoded inner envelope with ${inner.content.kind} content to an equal value`, () => {
        assert.deepEqual(decodeInner(encodeInner(inner)), inner);
      });
    }

    it('round-trips any well-formed text body through the inner envelope', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (body) => {
          const inner: Inner = { ...innerSamples.text, content: { kind: 'text', body } };
          assert.deepEqual(decodeInner(encodeInner(inner)), inner);
        }),
      );
    });

    for (const p of [...Object.values(presenceSamples), anonymousQuery]) {
      const label = p.kind === 'query' && p.card === null ? 'anonymous query' : p.kind;
      it(`decodes an encoded ${label} presence body to an equal value`, () => {
        assert.deepEqual(decodePresence(encodePresence(p)), p);
      });
    }

    it('decodes an encoded signed datagram to an equal value', () => {
      const decoded = decodeSignedDatagram(encodeSignedDatagram(datagramSample));
      assert.deepEqual(decoded, datagramSample);
      assert.deepEqual(decodePresence(decoded.body), presenceSamples.heartbeat);
    });
  });

  describe('golden bytes', () => {
    // Computed once from the samples above and committed. A changed field number,
    // wire type or enum order changes these bytes; that must be a deliberate,
    // protocol-versioned decision (STYLE.md §11), never an accident.
    const golden = JSON.parse(
      readFileSync(new URL('../../fixtures/golden-frames.json', import.meta.url), 'utf8'),
    ) as { frames: Record<string, string> };
    const goldenTypes = ['hello', 'send', 'send-ack', 'deliver', 'deliver-ack'] as const;

    it('holds exactly the expected golden frames', () => {
      assert.deepEqual(Object.keys(golden.frames).sort(), [...goldenTypes].sort());
    });

    for (const type of goldenTypes) {
      it(`encodes the sample ${type} frame to its committed bytes`, () => {
        assert.equal(hex(encodeFrame(samples[type])), golden.frames[type]);
      });

      it(`decodes the committed ${type} bytes to the sample`, () => {
        assert.deepEqual(decodeFrame(unhex(golden.frames[type] ?? '')), samples[type]);
      });
    }

    it('lays out hello as field 1 holding version (field 1) and client_nonce (field 2)', () => {
      // Spelled out by hand from proto/natter.proto, independently of the fixture.
      const expected = `0a24 0801 1220 ${hex(bytes(32, 0x00))}`.replaceAll(' ', '');
      assert.equal(hex(encodeFrame(samples.hello)), expected);
    });
  });

  describe('the hand-written Deliver encoder', () => {
    it('gives the same bytes as protobufjs for any seq, name, payload and time', () => {
      const names = ['a', 'alice', 'Ünïcødé_名前', 'x'.repeat(32)];
      const numbers = [0, 1, 127, 128, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1];
      for (const [i, seq] of numbers.entries()) {
        for (const name of names) {
          const frame: Frame = {
            ...samples.deliver,
            seq,
            from: { ...alice, pseudonym: name },
            ciphertext: bytes(16 + i * 41, i),
            storedAtMs: numbers[(i + 3) % numbers.length]!,
          };
          assert.equal(hex(encodeFrame(frame)), hex(encodeFrameReference(frame)), `${seq} ${name}`);
          assert.deepEqual(decodeFrame(encodeFrame(frame)), frame);
        }
      }
    });
  });

  describe('decoded bytes are copies', () => {
    const clobber = (input: Uint8Array) => input.fill(0xee);

    it('keeps frame byte fields intact when the input buffer is overwritten', () => {
      for (const sample of [samples.send, samples.register, samples.deliver, samples.challenge]) {
        const input = Buffer.from(encodeFrame(sample));
        const decoded = decodeFrame(input);
        clobber(input);
        assert.deepEqual(decoded, sample);
      }
    });

    it('keeps inner envelope byte fields intact when the input buffer is overwritten', () => {
      const input = Buffer.from(encodeInner(innerSamples.receipt));
      const decoded = decodeInner(input);
      clobber(input);
      assert.deepEqual(decoded, innerSamples.receipt);
    });

    it('keeps presence and datagram byte fields intact when the input buffer is overwritten', () => {
      for (const p of [presenceSamples.query, presenceSamples.relay, presenceSamples.heartbeat]) {
        const input = Buffer.from(encodePresence(p));
        const decoded = decodePresence(input);
        clobber(input);
        assert.deepEqual(decoded, p);
      }
      const input = Buffer.from(encodeSignedDatagram(datagramSample));
      const decoded = decodeSignedDatagram(input);
      clobber(input);
      assert.deepEqual(decoded, datagramSample);
    });

    it('returns byte fields that do not share memory with the input', () => {
      const input = Buffer.from(encodeFrame(samples.send));
      const decoded = decodeFrame(input) as FrameOf<'send'>;
      for (const field of [decoded.to, decoded.msgId, decoded.nonce, decoded.ciphertext]) {
        assert.notEqual(field.buffer, input.buffer);
      }
    });
  });

  describe('validation', () => {
    interface Case {
      what: string;
      code: ProtocolCodeValue;
      input: () => Uint8Array;
      decode?: (b: Uint8Array) => unknown;
    }

    const card33: Card = { ...alice, boxPk: bytes(33) };
    const many = (n: number) => Array.from({ length: n }, (_, i) => i);

    const cases: Case[] = [
      // Absent fields
      {
        what: 'a hello without a client nonce',
        code: ProtocolCode.MissingField,
        input: () => rawFrame({ hello: { version: 1 } }),
      },
      {
        what: 'a register without a card',
        code: ProtocolCode.MissingField,
        input: () => rawFrame({ register: { sig: bytes(64) } }),
      },
      {
        what: 'a register whose card has no user id',
        code: ProtocolCode.MissingField,
        input: () => encodeFrame({ ...samples.register, card: { ...alice, userId: bytes(0) } }),
      },
      {
        what: 'a ready without a card',
        code: ProtocolCode.MissingField,
        input: () => rawFrame({ ready: { pending: 1 } }),
      },
      {
        what: 'a send without a recipient',
        code: ProtocolCode.MissingField,
        input: () => encodeFrame({ ...samples.send, to: bytes(0) }),
      },
      {
        what: 'a send without a ciphertext',
        code: ProtocolCode.MissingField,
        input: () => encodeFrame({ ...samples.send, ciphertext: bytes(0) }),
      },
      {
        what: 'a deliver without a sender card',
        code: ProtocolCode.MissingField,
        input: () => rawFrame({ deliver: { seq: 1, msgId: bytes(16), nonce: bytes(24) } }),
      },
      {
        what: 'a lookup result that says found but has no card',
        code: ProtocolCode.MissingField,
        input: () => rawFrame({ lookupResult: { requestId: 1, found: true } }),
      },
      {
        what: 'an error frame without a code',
        code: ProtocolCode.MissingField,
        input: () => encodeFrame({ ...samples.error, code: '' }),
      },
      {
        what: 'an inner envelope without a sender',
        code: ProtocolCode.MissingField,
        input: () => encodeInner({ ...innerSamples.text, sender: bytes(0) }),
        decode: decodeInner,
      },
      {
        what: 'a heartbeat without a card',
        code: ProtocolCode.MissingField,
        input: () => rawPresence({ kind: 0, seq: 1 }),
        decode: decodePresence,
      },
      {
        what: 'a relay beacon without a port',
        code: ProtocolCode.MissingField,
        input: () => encodePresence({ ...presenceSamples.relay, relayPort: 0 }),
        decode: decodePresence,
      },
      {
        what: 'a signed datagram without a body',
        code: ProtocolCode.MissingField,
        input: () => encodeSignedDatagram({ ...datagramSample, body: bytes(0) }),
        decode: decodeSignedDatagram,
      },
      {
        what: 'a signed datagram without a signature',
        code: ProtocolCode.MissingField,
        input: () => encodeSignedDatagram({ ...datagramSample, signature: bytes(0) }),
        decode: decodeSignedDatagram,
      },

      // Wrong lengths
      ...[31, 33].map(
        (n): Case => ({
          what: `a hello whose client nonce is ${n} bytes`,
          code: ProtocolCode.BadLength,
          input: () => encodeFrame({ ...samples.hello, clientNonce: bytes(n) }),
        }),
      ),
      ...[31, 33].map(
        (n): Case => ({
          what: `a send whose recipient key is ${n} bytes`,
          code: ProtocolCode.BadLength,
          input: () => encodeFrame({ ...samples.send, to: bytes(n) }),
        }),
      ),
      ...[15, 17].map(
        (n): Case => ({
          what: `a send whose msg id is ${n} bytes`,
          code: ProtocolCode.BadLength,
          input: () => encodeFrame({ ...samples.send, msgId: bytes(n) }),
        }),
      ),
      ...[23, 25].map(
        (n): Case => ({
          what: `a send whose nonce is ${n} bytes`,
          code: ProtocolCode.BadLength,
          input: () => encodeFrame({ ...samples.send, nonce: bytes(n) }),
        }),
      ),
      ...[BOX_OVERHEAD_BYTES - 1, MAX_SEALED_BYTES + 1].map(
        (n): Case => ({
          what: `a send whose ciphertext is ${n} bytes`,
          code: ProtocolCode.BadLength,
          input: () => encodeFrame({ ...samples.send, ciphertext: bytes(n) }),
        }),
      ),
      ...[63, 65].map(
        (n): Case => ({
          what: `a challenge whose relay signature is ${n} bytes`,
          code: ProtocolCode.BadLength,
          input: () => encodeFrame({ ...samples.challenge, relaySig: bytes(n) }),
        }),
      ),
      {
        what: 'a challenge whose relay id is 31 bytes',
        code: ProtocolCode.BadLength,
        input: () => encodeFrame({ ...samples.challenge, relayId: bytes(31) }),
      },
      {
        what: 'a register whose card box key is 33 bytes',
        code: ProtocolCode.BadLength,
        input: () => encodeFrame({ ...samples.register, card: card33 }),
      },
      {
        what: 'a register whose card box signature is 63 bytes',
        code: ProtocolCode.BadLength,
        input: () => encodeFrame({ ...samples.register, card: { ...alice, boxSig: bytes(63) } }),
      },
      {
        what: 'a login whose signature is 65 bytes',
        code: ProtocolCode.BadLength,
        input: () => encodeFrame({ ...samples.login, sig: bytes(65) }),
      },
      {
        what: 'a send ack whose msg id is 17 bytes',
        code: ProtocolCode.BadLength,
        input: () => encodeFrame({ ...samples['send-ack'], msgId: bytes(17) }),
      },
      {
        what: 'a roster entry whose card box key is 33 bytes',
        code: ProtocolCode.BadLength,
        input: () =>
          encodeFrame({
            ...samples['roster-update'],
            entries: [{ card: card33, status: 'online', statusText: '', online: true }],
          }),
      },
      {
        what: 'a receipt holding a 15-byte msg id',
        code: ProtocolCode.BadLength,
        input: () =>
          encodeInner({
            ...innerSamples.receipt,
            content: { kind: 'receipt', msgIds: [bytes(16), bytes(15)] },
          }),
        decode: decodeInner,
      },
      {
        what: 'an anonymous query whose nonce is 15 bytes',
        code: ProtocolCode.BadLength,
        input: () => encodePresence({ ...anonymousQuery, queryNonce: bytes(15) }),
        decode: decodePresence,
      },
      {
        what: 'a signed datagram whose signature is 63 bytes',
        code: ProtocolCode.BadLength,
        input: () => encodeSignedDatagram({ ...datagramSample, signature: bytes(63) }),
        decode: decodeSignedDatagram,
      },

      // Texts: length, control characters
      {
        what: `a text body of MAX_TEXT_BYTES + 1 ASCII characters`,
        code: ProtocolCode.BadLength,
        input: () =>
          encodeInner({
            ...innerSamples.text,
            content: { kind: 'text', body: 'a'.repeat(MAX_TEXT_BYTES + 1) },
          }),
        decode: decodeInner,
      },
      {
        what: 'a text body of few characters but MAX_TEXT_BYTES + 2 UTF-8 bytes',
        code: ProtocolCode.BadLength,
        input: () =>
          encodeInner({
            ...innerSamples.text,
            content: { kind: 'text', body: 'é'.repeat(MAX_TEXT_BYTES / 2 + 1) },
          }),
        decode: decodeInner,
      },
      {
        what: 'a goodbye reason one character over MAX_REASON_CHARS',
        code: ProtocolCode.BadLength,
        input: () => encodeFrame({ type: 'goodbye', reason: 'x'.repeat(MAX_REASON_CHARS + 1) }),
      },
      {
        what: 'a challenge relay name one character over MAX_RELAY_NAME_CHARS',
        code: ProtocolCode.BadLength,
        input: () =>
          encodeFrame({ ...samples.challenge, relayName: 'r'.repeat(MAX_RELAY_NAME_CHARS + 1) }),
      },
      {
        what: 'a status text one character over MAX_STATUS_TEXT_CHARS',
        code: ProtocolCode.BadLength,
        input: () =>
          encodeFrame({
            type: 'set-status',
            status: 'away',
            statusText: 's'.repeat(MAX_STATUS_TEXT_CHARS + 1),
          }),
      },
      {
        what: 'a lookup by a pseudonym longer than MAX_PSEUDONYM_CHARS',
        code: ProtocolCode.BadLength,
        input: () =>
          encodeFrame({
            type: 'lookup',
            requestId: 1,
            by: { pseudonym: 'p'.repeat(MAX_PSEUDONYM_CHARS + 1) },
          }),
      },
      {
        what: 'a status text holding an ANSI escape sequence',
        code: ProtocolCode.BadValue,
        input: () => encodeFrame({ type: 'set-status', status: 'away', statusText: '\u001b[2J' }),
      },
      {
        what: 'a roster entry status text holding a newline',
        code: ProtocolCode.BadValue,
        input: () =>
          encodeFrame({
            ...samples['roster-update'],
            entries: [{ card: alice, status: 'online', statusText: 'a\nb', online: true }],
          }),
      },
      {
        what: 'a heartbeat status text holding a right-to-left override',
        code: ProtocolCode.BadValue,
        input: () =>
          encodePresence({ ...presenceSamples.heartbeat, statusText: 'evil\u202etxt.exe' }),
        decode: decodePresence,
      },
      {
        what: 'an error message holding a carriage return',
        code: ProtocolCode.BadValue,
        input: () => encodeFrame({ ...samples.error, message: 'ok\rE_FAKE' }),
      },

      // Pseudonyms
      {
        what: 'a card whose pseudonym contains a space',
        code: ProtocolCode.BadPseudonym,
        input: () => encodeFrame({ ...samples.register, card: { ...alice, pseudonym: 'a b' } }),
      },
      {
        what: 'a login with an empty pseudonym',
        code: ProtocolCode.BadPseudonym,
        input: () => encodeFrame({ ...samples.login, pseudonym: '' }),
      },
      {
        what: 'an inner envelope whose sender name is not NFKC',
        code: ProtocolCode.BadPseudonym,
        input: () => encodeInner({ ...innerSamples.text, senderName: 'ﬁona' }),
        decode: decodeInner,
      },

      // Enums and ranges
      {
        what: 'a send ack with ack code 7',
        code: ProtocolCode.BadValue,
        input: () => rawFrame({ sendAck: { msgId: bytes(16), code: unknownEnum(7) } }),
      },
      {
        what: 'a send ack with ack code -1',
        code: ProtocolCode.BadValue,
        input: () => rawFrame({ sendAck: { msgId: bytes(16), code: unknownEnum(-1) } }),
      },
      {
        what: 'a set-status with status 3',
        code: ProtocolCode.BadValue,
        input: () => rawFrame({ setStatus: { status: unknownEnum(3) } }),
      },
      {
        what: 'a roster entry with status 9',
        code: ProtocolCode.BadValue,
        input: () =>
          rawFrame({
            rosterUpdate: {
              entries: [
                {
                  card: {
                    userId: alice.userId,
                    pseudonym: alice.pseudonym,
                    boxPk: alice.boxPk,
                    boxSig: alice.boxSig,
                  },
                  status: unknownEnum(9),
                },
              ],
            },
          }),
      },
      {
        what: 'a presence body of kind 5',
        code: ProtocolCode.BadValue,
        input: () => rawPresence({ kind: unknownEnum(5), seq: 1 }),
        decode: decodePresence,
      },
      {
        what: 'a heartbeat with status 3',
        code: ProtocolCode.BadValue,
        input: () => {
          const m = pb.PresenceBody.decode(encodePresence(presenceSamples.heartbeat));
          m.status = unknownEnum(3);
          return pb.PresenceBody.encode(m).finish();
        },
        decode: decodePresence,
      },
      {
        what: 'a hello whose version does not fit in 16 bits',
        code: ProtocolCode.BadValue,
        input: () => encodeFrame({ ...samples.hello, version: 0x10000 }),
      },
      {
        what: 'a ready whose pending count is 2^53, beyond a safe integer',
        code: ProtocolCode.BadValue,
        input: () => encodeFrame({ ...samples.ready, pending: 2 ** 53 }),
      },
      {
        what: 'a ping whose nonce is 2^64 - 1',
        code: ProtocolCode.BadValue,
        // Frame{ping(14): Ping{nonce(1): varint 0xffff_ffff_ffff_ffff}}
        input: () => unhex(`720b08${'ff'.repeat(9)}01`),
      },
      {
        what: 'a relay beacon whose port is 65536',
        code: ProtocolCode.BadValue,
        input: () => encodePresence({ ...presenceSamples.relay, relayPort: 65_536 }),
        decode: decodePresence,
      },

      // Lookup: exactly one key
      {
        what: 'a lookup with both a pseudonym and a user id',
        code: ProtocolCode.BadValue,
        input: () => rawFrame({ lookup: { requestId: 1, pseudonym: 'bob', userId: bob.userId } }),
      },
      {
        what: 'a lookup with neither a pseudonym nor a user id',
        code: ProtocolCode.BadValue,
        input: () => rawFrame({ lookup: { requestId: 1 } }),
      },

      // Counts
      {
        what: 'a deliver ack with MAX_ACK_SEQS + 1 seqs',
        code: ProtocolCode.TooMany,
        input: () => encodeFrame({ type: 'deliver-ack', seqs: many(MAX_ACK_SEQS + 1) }),
      },
      {
        what: 'a roster update with MAX_ROSTER_ENTRIES + 1 entries',
        code: ProtocolCode.TooMany,
        input: () =>
          encodeFrame({
            type: 'roster-update',
            full: true,
            entries: many(MAX_ROSTER_ENTRIES + 1).map(() => ({
              card: alice,
              status: 'online' as const,
              statusText: '',
              online: true,
            })),
          }),
      },
      {
        what: 'a receipt with MAX_RECEIPT_IDS + 1 msg ids',
        code: ProtocolCode.TooMany,
        input: () =>
          encodeInner({
            ...innerSamples.receipt,
            content: {
              kind: 'receipt',
              msgIds: many(MAX_RECEIPT_IDS + 1).map(() => bytes(16)),
            },
          }),
        decode: decodeInner,
      },

      // Unknown kinds and garbage
      {
        what: 'an empty frame',
        code: ProtocolCode.UnknownKind,
        input: () => new Uint8Array(0),
      },
      {
        what: 'a frame whose only field is number 40, outside the oneof',
        code: ProtocolCode.UnknownKind,
        // tag (40 << 3 | 2) = 0x142 -> varint c2 02, then an empty message
        input: () => unhex('c20200'),
      },
      {
        what: 'a frame whose only field is the reserved number 18',
        code: ProtocolCode.UnknownKind,
        input: () => unhex('920100'),
      },
      {
        what: 'an inner envelope with no content',
        code: ProtocolCode.UnknownKind,
        input: () =>
          rawInner({
            sender: alice.userId,
            recipient: bob.userId,
            msgId: bytes(16),
            counter: 1,
            senderName: 'alice',
          }),
        decode: decodeInner,
      },
      {
        what: 'a truncated send frame',
        code: ProtocolCode.Malformed,
        input: () => encodeFrame(samples.send).subarray(0, 30),
      },
      {
        what: 'a frame whose body length runs past its end',
        code: ProtocolCode.Malformed,
        input: () => unhex('0a7f0801'),
      },
      {
        what: 'a datagram of MAX_DATAGRAM_BYTES + 1 bytes',
        code: ProtocolCode.FrameTooLarge,
        // A well-formed datagram, so only its size is wrong.
        input: () => datagramOfSize(MAX_DATAGRAM_BYTES + 1),
        decode: decodeSignedDatagram,
      },
    ];

    for (const c of cases) {
      it(`rejects ${c.what} with ${c.code}`, () => {
        const input = c.input();
        assert.throws(() => (c.decode ?? decodeFrame)(input), protocolError(c.code));
      });
    }

    it('accepts values exactly at each limit', () => {
      const frames: Frame[] = [
        { type: 'deliver-ack', seqs: many(MAX_ACK_SEQS) },
        { ...samples.send, ciphertext: bytes(MAX_SEALED_BYTES) },
        { ...samples.send, ciphertext: bytes(BOX_OVERHEAD_BYTES) },
        { type: 'goodbye', reason: 'x'.repeat(MAX_REASON_CHARS) },
        // 80 astral code points are 160 UTF-16 units: the limit counts code points.
        { type: 'set-status', status: 'away', statusText: '🦊'.repeat(MAX_STATUS_TEXT_CHARS) },
        { ...samples.challenge, relayName: 'r'.repeat(MAX_RELAY_NAME_CHARS) },
        { ...samples.hello, version: 0xffff },
      ];
      for (const f of frames) assert.deepEqual(decodeFrame(encodeFrame(f)), f);

      const roster: Frame = {
        type: 'roster-update',
        full: true,
        entries: many(MAX_ROSTER_ENTRIES).map(() => ({
          card: alice,
          status: 'online' as const,
          statusText: '',
          online: true,
        })),
      };
      assert.equal(
        (decodeFrame(encodeFrame(roster)) as FrameOf<'roster-update'>).entries.length,
        MAX_ROSTER_ENTRIES,
      );

      for (const body of ['a'.repeat(MAX_TEXT_BYTES), 'é'.repeat(MAX_TEXT_BYTES / 2)]) {
        const inner: Inner = { ...innerSamples.text, content: { kind: 'text', body } };
        assert.deepEqual(decodeInner(encodeInner(inner)), inner);
      }
      const receipt: Inner = {
        ...innerSamples.receipt,
        content: { kind: 'receipt', msgIds: many(MAX_RECEIPT_IDS).map((i) => bytes(16, i)) },
      };
      assert.deepEqual(decodeInner(encodeInner(receipt)), receipt);

      const datagram = datagramOfSize(MAX_DATAGRAM_BYTES);
      assert.equal(datagram.length, MAX_DATAGRAM_BYTES);
      assert.equal(decodeSignedDatagram(datagram).signature.length, 64);
    });
  });

  describe('hostile input', () => {
    const decoders = [decodeFrame, decodeInner, decodePresence, decodeSignedDatagram];

    it('returns a value or throws a coded ProtocolError for arbitrary bytes, never anything else', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 512 }), (input) => {
          for (const decode of decoders) returnsOrThrowsCoded(decode, input);
        }),
        { numRuns: 2000 },
      );
    });

    it('returns a value or throws a coded ProtocolError for valid encodings with bytes changed or cut', () => {
      const valid: Array<[(b: Uint8Array) => unknown, Uint8Array]> = [
        ...[...Object.values(samples), ...moreFrames].map(
          (f): [(b: Uint8Array) => unknown, Uint8Array] => [decodeFrame, encodeFrame(f)],
        ),
        ...Object.values(innerSamples).map((i): [(b: Uint8Array) => unknown, Uint8Array] => [
          decodeInner,
          encodeInner(i),
        ]),
        ...Object.values(presenceSamples).map((p): [(b: Uint8Array) => unknown, Uint8Array] => [
          decodePresence,
          encodePresence(p),
        ]),
        [decodeSignedDatagram, encodeSignedDatagram(datagramSample)],
      ];
      fc.assert(
        fc.property(
          fc.nat({ max: valid.length - 1 }),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
          fc.option(fc.nat(), { nil: undefined }),
          (which, edits, cut) => {
            const [decode, encoded] = valid[which]!;
            const input = Uint8Array.from(encoded);
            for (const [pos, value] of edits) {
              if (input.length > 0) input[pos % input.length] = value;
            }
            returnsOrThrowsCoded(
              decode,
              cut === undefined ? input : input.subarray(0, cut % (input.length + 1)),
            );
          },
        ),
        { numRuns: 3000 },
      );
    });
  });
});

/** A well-formed signed datagram of exactly `size` bytes (size >= 200). */
function datagramOfSize(size: number): Uint8Array {
  // body: tag + 2-byte varint length + n bytes; signature: tag + length + 64 bytes.
  const n = size - 3 - 66;
  const out = encodeSignedDatagram({ body: bytes(n, 1), signature: bytes(64, 0xe0) });
  assert.equal(out.length, size);
  return out;
}
