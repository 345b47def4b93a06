/**
 * What the CLI says of a blocked person (a QA trial: `natter contacts` showed a blocked carol
 * as `unverified` only, and `send --to carol` went without a word while her replies vanished):
 * `contacts` marks them, and a send to them says once why no reply will show.
 */
import assert from 'node:assert/strict';
import type { CliContext } from '../../../src/cli/context.js';
import { formatContact } from '../../../src/cli/format.js';
import { printGroupUpdate } from '../../../src/cli/inbox-format.js';
import { blockedNote } from '../../../src/cli/send-report.js';
import type {
  ContactInfo,
  ConversationId,
  GroupInfo,
  GroupUpdate,
} from '../../../src/peer/index.js';

const carol = (over: Partial<ContactInfo> = {}): ContactInfo => ({
  pseudonym: 'carol',
  userId: 'ab'.repeat(32),
  fingerprint: 'abcd-efgh-ijkl-mnop',
  verified: false,
  keyChanged: false,
  pendingKeys: [],
  ...over,
});

describe('cli: blocked people', () => {
  it('marks a blocked contact in `contacts`, and only a blocked one', () => {
    assert.equal(
      formatContact(carol({ blocked: true })),
      'carol  abcd-efgh-ijkl-mnop  unverified  blocked (natter unblock carol)',
    );
    assert.doesNotMatch(formatContact(carol({ blocked: false })), /blocked/);
  });

  it('says a send to a blocked contact will see no replies, by any spelling of the name', () => {
    const note = 'natter: carol is blocked: you will not see replies (natter unblock carol)';
    assert.equal(blockedNote({ kind: 'direct', to: 'Carol' }, [carol({ blocked: true })]), note);
    assert.equal(blockedNote({ kind: 'direct', to: 'carol' }, [carol()]), null);
    assert.equal(blockedNote({ kind: 'direct', to: 'dave' }, [carol({ blocked: true })]), null);
    assert.equal(blockedNote({ kind: 'group', group: 'carol' }, [carol({ blocked: true })]), null);
  });

  it('keeps a blocked name that carries escapes harmless', () => {
    const evil = carol({ pseudonym: 'ev\u001b[2Jil', blocked: true });
    assert.doesNotMatch(
      blockedNote({ kind: 'direct', to: evil.pseudonym }, [evil]) ?? '',
      /\u001b/,
    );
  });

  it('prints nothing of a group a blocked key put me in, and the changes of any other', () => {
    const lines: string[] = [];
    const ctx = { err: (l: string) => lines.push(l), out: (l: string) => lines.push(l) };
    const group: GroupInfo = {
      conversation: `#${'9d'.repeat(16)}` as ConversationId,
      groupId: '9d'.repeat(16),
      name: 'z3',
      epoch: 1,
      members: [],
      myRole: null,
    };
    const left = (g: GroupInfo): GroupUpdate => ({
      type: 'changed',
      group: g,
      notice: { kind: 'left', member: 'alice' },
      seq: 1,
      atMs: 0,
    });
    printGroupUpdate(ctx as unknown as CliContext, left({ ...group, hidden: true }), 'alice', true);
    assert.deepEqual(lines, []);
    printGroupUpdate(ctx as unknown as CliContext, left(group), 'alice', false);
    assert.deepEqual(lines, ['natter: #z3: you left']);
  });
});
