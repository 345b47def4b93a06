/**
 * `natter history` after a contact's rename and a newcomer under the old name (a QA trial:
 * carol, who registered the name bob left for robert, wrote into bob's conversation, and
 * `natter history bob` read as one conversation with one person). What bob wrote is
 * robert's history; the new bob's starts empty (messaging/history-move.ts).
 */
import assert from 'node:assert/strict';
import { cliOnTestRelay } from '../../helpers/cli.js';

describe('cli: history of a renamed contact and of the new holder of the old name', () => {
  const { as } = cliOnTestRelay();

  it('shows what bob wrote under robert, and only the new bob under bob', async () => {
    assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
    assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
    assert.equal((await as('b', ['send', '--to', 'alice', 'hi, bob here'])).code, 0);
    assert.equal((await as('a', ['inbox'])).code, 0);
    assert.equal((await as('a', ['send', '--to', 'bob', 'hello bob'])).code, 0);
    assert.equal((await as('b', ['rename', 'robert'])).code, 0);
    assert.equal((await as('b', ['send', '--to', 'alice', 'I am robert now'])).code, 0);
    // alice asks the relay who robert is (a lookup): the rename is confirmed.
    assert.equal((await as('a', ['send', '--to', 'robert', 'welcome robert'])).code, 0);
    assert.equal((await as('e', ['init', '--name', 'bob'])).code, 0);
    assert.equal((await as('e', ['send', '--to', 'alice', 'hi, I am the new bob'])).code, 0);
    assert.equal((await as('a', ['inbox'])).code, 0);

    const bob = await as('a', ['history', 'bob']);
    assert.equal(bob.code, 0, bob.stderr);
    assert.match(bob.stdout, /hi, I am the new bob/);
    assert.doesNotMatch(bob.stdout, /bob here|hello bob|robert/, 'none of robert’s');
    const robert = await as('a', ['history', 'robert']);
    assert.equal(robert.code, 0, robert.stderr);
    for (const text of ['hi, bob here', 'hello bob', 'I am robert now', 'welcome robert'])
      assert.match(robert.stdout, new RegExp(text));
    assert.doesNotMatch(robert.stdout, /new bob/);
  });
});
