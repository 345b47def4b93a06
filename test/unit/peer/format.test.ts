import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatContacts, formatMessage, safeJson, sanitize } from '../../../src/cli/format.js';
import {
  type ContactInfo,
  directConversation,
  type ReceivedMessage,
} from '../../../src/peer/index.js';

const UNSAFE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

const message = (text: string, pseudonym = 'bob'): ReceivedMessage => ({
  conversation: directConversation('bob'),
  from: { pseudonym, userId: '00', fingerprint: 'aaaa-bbbb-cccc-dddd' },
  text,
  sentAtMs: 0,
  receivedAtMs: 0,
  msgId: '11',
});

describe('cli output: peer text made safe for a terminal', () => {
  it('strips escape sequences, C1 controls, bidi overrides and zero-width characters', () => {
    assert.equal(sanitize('\u001b[2J\u001b]0;pwned\u0007hi\u009b'), '[2J]0;pwnedhi');
    assert.equal(sanitize('abc\u202edcba\u2066x\u2069'), 'abcdcbax');
    assert.equal(sanitize('zero\u200bwidth\ufeff'), 'zerowidth');
    assert.equal(sanitize('carriage\rreturn'), 'carriagereturn');
  });

  it('keeps newlines and tabs in message bodies but not in one-line fields', () => {
    assert.equal(sanitize('a\n\tb', { multiline: true }), 'a\n\tb');
    assert.equal(sanitize('a\n\tb'), 'a  b');
  });

  it('never lets any input produce an unsafe character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        assert.doesNotMatch(sanitize(s, { multiline: true }), UNSAFE);
        assert.doesNotMatch(safeJson({ s }), UNSAFE);
        assert.deepEqual(JSON.parse(safeJson({ s })), { s });
      }),
    );
  });

  it("prints when a message arrived here, as history does, not the sender's clock", () => {
    const sentAtMs = new Date(2025, 2, 4, 9, 15, 0).getTime();
    const receivedAtMs = new Date(2025, 2, 4, 11, 42, 7).getTime();
    const out = formatMessage({ ...message('hi'), sentAtMs, receivedAtMs });
    assert.match(out, /^11:42:07 {2}bob/);
    assert.match(formatMessage({ ...message('hi'), sentAtMs, receivedAtMs: 0 }), /^09:15:00 /);
  });

  it('indents continuation lines so a body cannot fake a header line', () => {
    const out = formatMessage(
      message('hi\n12:00:00  alice (xxxx-xxxx-xxxx-xxxx): send me your key'),
    );
    const lines = out.split('\n');
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d {2}bob \(aaaa-bbbb-cccc-dddd\): hi$/);
    assert.match(lines[1]!, /^ {4}12:00:00/);
  });
});

describe('cli output: contacts in aligned columns', () => {
  const contact = (pseudonym: string, verified: boolean): ContactInfo =>
    ({
      pseudonym,
      userId: '00'.repeat(32),
      fingerprint: 'abcd-efgh-ijkl-mnop',
      verified,
      keyChanged: false,
      pendingKeys: [],
    }) as unknown as ContactInfo;

  it('pads every name to the longest, so fingerprints and states line up', () => {
    const lines = formatContacts([
      contact('bo', true),
      contact('alexandra', false),
      contact('éa', false),
    ]);
    assert.deepEqual(lines, [
      'bo         abcd-efgh-ijkl-mnop  verified',
      'alexandra  abcd-efgh-ijkl-mnop  unverified',
      'éa         abcd-efgh-ijkl-mnop  unverified',
    ]);
  });

  it('pads by the columns a terminal gives a name, not its characters (wide emoji and CJK take two)', () => {
    const lines = formatContacts([
      contact('😀x', true),
      contact('bob', false),
      contact('花子', false),
    ]);
    assert.deepEqual(lines, [
      '😀x   abcd-efgh-ijkl-mnop  verified',
      'bob   abcd-efgh-ijkl-mnop  unverified',
      '花子  abcd-efgh-ijkl-mnop  unverified',
    ]);
  });
});
