/**
 * What `natter inbox` says of a group's notices (src/cli/inbox-format.ts): on stderr
 * the group is named, sanitised, and a group stopped for want of a sender's key says
 * so and what to do; with --json the entry carries the group as messages do.
 */
import assert from 'node:assert/strict';
import { formatNotice, noticeJson } from '../../../src/cli/inbox-format.js';
import type { ConversationNotice } from '../../../src/peer/index.js';

const gid = 'ab'.repeat(16);
const from = { pseudonym: 'alice', userId: 'cd'.repeat(32), fingerprint: '1234 5678' };

function notice(kind: ConversationNotice['kind'], missing: number): ConversationNotice {
  return {
    kind,
    conversation: `#${gid}`,
    from,
    counter: 5,
    previousCounter: 2,
    missing,
    group: { name: 'te\x1b[2Jam' },
    atMs: Date.UTC(2026, 11, 9),
  } as ConversationNotice;
}

describe('natter inbox: group notices', () => {
  it('names the group of a gap in a member’s messages, its name sanitised', () => {
    const line = formatNotice(notice('gap', 2));
    assert.ok(line.startsWith('natter: #te'), line);
    assert.ok(!line.includes('\x1b'), 'no escape reaches the terminal');
    assert.ok(line.includes('2 earlier message(s) from alice (1234 5678) have not arrived (yet)'));
  });

  it('says "more than 1,000,000" for a gap no relay could hold (a counter a peer chose: 2^50)', () => {
    const line = formatNotice(notice('gap', 2 ** 50 - 2));
    assert.match(line, /more than 1,000,000 earlier message\(s\) from alice/);
    assert.ok(!line.includes('1125899906842'), line);
    assert.match(formatNotice(notice('gap', 12_345)), /12,345 earlier message\(s\)/);
  });

  it('says how many messages wait for a sender’s key and that the rest comes at the next connection', () => {
    const line = formatNotice(notice('held', 40));
    assert.match(line, /^natter: #te.*am: 40 messages are waiting for a sender's key/);
    assert.match(line, /run natter inbox again/);
    assert.match(line, /Nothing is lost/);
  });

  it('says the newer ones follow the held ones when the relay sends the group again in this session', () => {
    const line = formatNotice({ ...notice('held', 40), resumes: true });
    assert.match(line, /^natter: #te.*am: 40 messages are waiting for a sender's key/);
    assert.match(line, /they are shown when it comes, and the newer ones follow them/);
    assert.doesNotMatch(line, /run natter inbox again|next connection/);
    assert.equal(JSON.parse(noticeJson({ ...notice('held', 40), resumes: true })).resumes, true);
    assert.equal(JSON.parse(noticeJson(notice('held', 40))).resumes, false);
  });

  it('gives --json entries of type notice with the group’s name and id', () => {
    const o = JSON.parse(noticeJson(notice('held', 40)));
    assert.equal(o.type, 'notice');
    assert.equal(o.kind, 'held');
    assert.equal(o.missing, 40);
    assert.deepEqual(o.group, { name: 'te\x1b[2Jam', id: gid });
    const plain = JSON.parse(noticeJson({ ...notice('gap', 1), group: undefined } as never));
    assert.equal(plain.group, undefined, 'a 1:1 notice has no group');
  });
});
