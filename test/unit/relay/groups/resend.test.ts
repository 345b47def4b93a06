/**
 * Which GroupResends the relay serves (src/relay/groups/resend.ts), from the group's
 * ledger as both stores keep it: a member's and a departed member's still owed items,
 * never a stranger's, nor a gseq the group has not issued.
 */
import assert from 'node:assert/strict';
import { GroupResendCode } from '../../../../src/relay/errors.js';
import { GroupLedger } from '../../../../src/relay/groups/ledger.js';
import { resendRefusal } from '../../../../src/relay/groups/resend.js';

const ALICE = 'aa'.repeat(32);
const BOB = 'bb'.repeat(32);
const CAROL = 'cc'.repeat(32);

function ledger(): GroupLedger {
  const l = new GroupLedger();
  l.join(ALICE, 1);
  l.join(BOB, 1);
  for (let gseq = 1; gseq <= 5; gseq++) l.addItem({ gseq, bytes: 10, storedAtMs: 1 });
  l.lastIssued = 5;
  l.leave(BOB, 4);
  return l;
}

describe('relay: which group resends are served', () => {
  it('serves a member from any gseq up to the last issued', () => {
    assert.equal(resendRefusal(ledger(), ALICE, 0), null);
    assert.equal(resendRefusal(ledger(), ALICE, 5), null);
  });

  it('serves a member who left while it is still owed items up to its removal', () => {
    assert.equal(resendRefusal(ledger(), BOB, 2), null);
  });

  it('refuses an unknown group, a stranger and a gseq beyond the group, each with its code', () => {
    assert.equal(resendRefusal(undefined, ALICE, 0), GroupResendCode.Unknown);
    assert.equal(resendRefusal(ledger(), CAROL, 0), GroupResendCode.NotMember);
    assert.equal(resendRefusal(ledger(), ALICE, 6), GroupResendCode.BadGseq);
  });

  it('refuses one who left once it is owed nothing', () => {
    const l = ledger();
    l.ack(BOB, 4);
    l.takeDone();
    assert.equal(resendRefusal(l, BOB, 2), GroupResendCode.NotMember);
  });
});
