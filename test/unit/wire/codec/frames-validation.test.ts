import assert from 'node:assert/strict';
import { decodeFrame, encodeFrame } from '../../../../src/wire/codec.js';
import { ProtocolCode } from '../../../../src/wire/errors.js';
import {
  BOX_OVERHEAD_BYTES,
  MAX_ACK_SEQS,
  MAX_FRAME_BYTES,
  MAX_GROUP_CODE_CHARS,
  MAX_PSEUDONYM_CHARS,
  MAX_REASON_CHARS,
  MAX_RELAY_NAME_CHARS,
  MAX_ROSTER_ENTRIES,
  MAX_SEALED_BYTES,
  MAX_STATUS_TEXT_CHARS,
} from '../../../../src/wire/limits.js';
import type { Card, Frame, FrameOf } from '../../../../src/wire/types.js';
import {
  alice,
  bob,
  bytes,
  type Case,
  many,
  plain,
  protocolError,
  rawFrame,
  samples,
  unhex,
  unknownEnum,
} from './samples.js';

describe('wire/codec: relay frames', () => {
  describe('validation', () => {
    const card33: Card = { ...alice, boxPk: bytes(33) };

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
        what: 'a register whose card signature is 63 bytes',
        code: ProtocolCode.BadLength,
        input: () => encodeFrame({ ...samples.register, card: { ...alice, cardSig: bytes(63) } }),
      },
      {
        what: 'a register whose card has no signature',
        code: ProtocolCode.MissingField,
        input: () => encodeFrame({ ...samples.register, card: { ...alice, cardSig: bytes(0) } }),
      },
      {
        what: 'a set-status without a signature',
        code: ProtocolCode.MissingField,
        input: () => rawFrame({ setStatus: { status: 1, statusText: 'x', seq: 5 } }),
      },
      {
        what: 'a set-status whose signature is 63 bytes',
        code: ProtocolCode.BadLength,
        input: () => encodeFrame({ ...samples['set-status'], sig: bytes(63) }),
      },
      {
        what: 'a set-status whose seq is 2^53, beyond a safe integer',
        code: ProtocolCode.BadValue,
        input: () => encodeFrame({ ...samples['set-status'], seq: 2 ** 53 }),
      },
      {
        what: 'a roster entry whose status signature is 65 bytes',
        code: ProtocolCode.BadLength,
        input: () =>
          encodeFrame({
            ...samples['roster-update'],
            entries: [
              {
                card: alice,
                status: 'away',
                statusText: '',
                online: true,
                signed: { seq: 9, sig: bytes(65) },
              },
            ],
          }),
      },
      {
        what: 'a roster entry with a status seq but no status signature',
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
                    cardSig: alice.cardSig,
                  },
                  statusSeq: 9,
                },
              ],
            },
          }),
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
            entries: [
              { card: card33, status: 'online', statusText: '', online: true, signed: null },
            ],
          }),
      },

      // Texts: length, control characters
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
            ...samples['set-status'],
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
        input: () => encodeFrame({ ...samples['set-status'], statusText: '\u001b[2J' }),
      },
      {
        what: 'a roster entry status text holding a newline',
        code: ProtocolCode.BadValue,
        input: () =>
          encodeFrame({
            ...samples['roster-update'],
            entries: [
              { card: alice, status: 'online', statusText: 'a\nb', online: true, signed: null },
            ],
          }),
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

      // Enums and ranges
      {
        what: 'a send ack with ack code 9, one past the last',
        code: ProtocolCode.BadValue,
        input: () => rawFrame({ sendAck: { msgId: bytes(16), code: unknownEnum(9) } }),
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
                    cardSig: alice.cardSig,
                  },
                  status: unknownEnum(9),
                },
              ],
            },
          }),
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
              signed: null,
            })),
          }),
      },

      // Unknown kinds and garbage
      {
        what: 'an empty frame',
        code: ProtocolCode.UnknownKind,
        input: () => new Uint8Array(0),
      },
      {
        what: 'a frame whose only field is number 43, outside the oneof',
        code: ProtocolCode.UnknownKind,
        // tag (43 << 3 | 2) = 0x15a -> varint da 02, then an empty message (40 is StoreStatus,
        // 41 and 42 GroupResend and its result)
        input: () => unhex('da0200'),
      },
      {
        what: 'a frame whose only field is the reserved number 33',
        code: ProtocolCode.UnknownKind,
        input: () => unhex('8a0200'),
      },
      // GroupResend and its result (RELAY_FEATURE_GROUP_RESEND)
      {
        what: 'a group resend without a group id',
        code: ProtocolCode.MissingField,
        input: () => rawFrame({ groupResend: { afterGseq: 3 } }),
      },
      {
        what: 'a group resend whose group id is 15 bytes',
        code: ProtocolCode.BadLength,
        input: () => rawFrame({ groupResend: { groupId: bytes(15), afterGseq: 3 } }),
      },
      {
        what: 'a group resend whose after_gseq is past 2^53',
        code: ProtocolCode.BadValue,
        input: () => rawFrame({ groupResend: { groupId: bytes(16), afterGseq: 2 ** 53 + 2 } }),
      },
      {
        what: 'a group resend result whose code is longer than MAX_GROUP_CODE_CHARS',
        code: ProtocolCode.BadLength,
        input: () =>
          encodeFrame({
            ...samples['group-resend-result'],
            code: 'E'.repeat(MAX_GROUP_CODE_CHARS + 1),
          }),
      },
      {
        what: 'a group resend result whose reason holds an escape sequence',
        code: ProtocolCode.BadValue,
        input: () => encodeFrame({ ...samples['group-resend-result'], reason: '\u001b[2J' }),
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
    ];

    for (const c of cases) {
      it(`rejects ${c.what} with ${c.code}`, () => {
        const input = c.input();
        assert.throws(() => (c.decode ?? decodeFrame)(input), protocolError(c.code));
      });
    }

    it('fits MAX_ROSTER_ENTRIES of the largest roster entries in one frame of MAX_FRAME_BYTES', () => {
      const widest = '🦊'.repeat(MAX_PSEUDONYM_CHARS);
      const entry = {
        card: { ...alice, pseudonym: widest },
        status: 'away' as const,
        statusText: '🦊'.repeat(MAX_STATUS_TEXT_CHARS),
        online: true,
        signed: { seq: Number.MAX_SAFE_INTEGER, sig: bytes(64) },
      };
      const roster: Frame = {
        type: 'roster-update',
        full: true,
        entries: many(MAX_ROSTER_ENTRIES).map(() => entry),
      };
      const encoded = encodeFrame(roster);
      assert.ok(
        encoded.byteLength <= MAX_FRAME_BYTES,
        `${encoded.byteLength} bytes > ${MAX_FRAME_BYTES}`,
      );
      assert.equal(
        (decodeFrame(encoded) as FrameOf<'roster-update'>).entries.length,
        MAX_ROSTER_ENTRIES,
      );
    });

    it('accepts values exactly at each limit', () => {
      const frames: Frame[] = [
        { type: 'deliver-ack', seqs: many(MAX_ACK_SEQS) },
        { ...samples.send, ciphertext: bytes(MAX_SEALED_BYTES) },
        { ...samples.send, ciphertext: bytes(BOX_OVERHEAD_BYTES) },
        { type: 'goodbye', reason: 'x'.repeat(MAX_REASON_CHARS) },
        // 80 astral code points are 160 UTF-16 units: the limit counts code points.
        { ...samples['set-status'], statusText: '🦊'.repeat(MAX_STATUS_TEXT_CHARS) },
        { ...samples.challenge, relayName: 'r'.repeat(MAX_RELAY_NAME_CHARS) },
        { ...samples.hello, version: 0xffff },
      ];
      for (const f of frames) assert.deepEqual(plain(decodeFrame(encodeFrame(f))), f);

      const roster: Frame = {
        type: 'roster-update',
        full: true,
        entries: many(MAX_ROSTER_ENTRIES).map(() => ({
          card: alice,
          status: 'online' as const,
          statusText: '',
          online: true,
          signed: null,
        })),
      };
      assert.equal(
        (decodeFrame(encodeFrame(roster)) as FrameOf<'roster-update'>).entries.length,
        MAX_ROSTER_ENTRIES,
      );
    });
  });
});
