/**
 * A person's name on the command line takes a leading '@' as the chat's `/msg @carol` does
 * (the sixteenth sitting's CLI trial: `send --to @carol` failed E_UNKNOWN_USER): every
 * command that takes a contact's name drops one '@' before checking it.
 */
import assert from 'node:assert/strict';
import { parseMemberList } from '../../../src/cli/commands/group.js';
import { parseFileSetting } from '../../../src/cli/file-settings.js';
import { nameArgOf, recipientOf, sendTarget, withoutAt } from '../../../src/cli/send-input.js';

describe('cli: a name typed with a leading @', () => {
  it('is the name without it, for send --to, NAME arguments, members and auto-accept', () => {
    assert.equal(recipientOf('send', '@carol'), 'carol');
    assert.deepEqual(sendTarget({ to: '@carol' }), { kind: 'direct', to: 'carol' });
    assert.equal(nameArgOf('trust', '@carol'), 'carol');
    assert.deepEqual(parseMemberList('@bob, carol'), ['bob', 'carol']);
    assert.deepEqual(parseFileSetting('auto-accept', '@bob,carol'), {
      autoAcceptFrom: ['bob', 'carol'],
    });
  });

  it('drops one @ only, and leaves a name without one as it is', () => {
    assert.equal(withoutAt('carol'), 'carol');
    assert.equal(withoutAt('@'), '@');
    assert.equal(withoutAt('@@carol'), '@carol');
  });

  it('is still bad usage when what follows the @ is no name, naming what was typed', () => {
    assert.throws(() => recipientOf('send', '@bad name'), {
      code: 'E_USAGE',
      message: /send: --to '@bad name' is not a pseudonym/,
    });
  });
});
