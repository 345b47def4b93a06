/**
 * The chat's prompt after the relay refused a name (chat-register.ts): the name it is
 * too like when the relay's refusal says so (relay/directory.ts, `taken`), quoted
 * sanitised; otherwise that the name is taken, as before.
 */
import assert from 'node:assert/strict';
import { namePromptProblem, takenNotice } from '../../../src/cli/chat-register.js';
import { takenBeforeRegistered } from '../../../src/cli/connect.js';
import { newPseudonymProblem } from '../../../src/peer/index.js';
import { taken } from '../../../src/relay/directory.js';

describe('the chat says why a name was refused', () => {
  it('names the registered name a look-alike is too like', () => {
    assert.equal(
      takenNotice('a1ice', taken('a1ice', 'alice').message),
      "the name 'a1ice' looks too much like 'alice', taken on this relay; choose another\n",
    );
  });

  it('says a name taken as it is, or by an unknown holder, is taken', () => {
    for (const message of [taken('sam', 'sam').message, taken('sam').message]) {
      assert.equal(
        takenNotice('sam', message),
        "the name 'sam' is taken on this relay; choose another\n",
      );
    }
  });

  it('quotes the relay sanitised', () => {
    const notice = takenNotice('x', taken('x', 'y\u001b[2Jz').message);
    assert.equal(notice.includes('\u001b'), false);
  });
});

describe('the name prompt says why a typed name will not do', () => {
  it('says a space in plain words, not as a code point', () => {
    const name = 'dave smith';
    const problem = newPseudonymProblem(name);
    assert.notEqual(problem, null);
    assert.equal(namePromptProblem(name, problem!), 'no spaces in a name');
  });

  it('keeps the U+ form for an invisible character', () => {
    const name = 'dave\u034f';
    const said = namePromptProblem(name, newPseudonymProblem(name)!);
    assert.match(said, /^that name contains the invisible character U\+034F/);
  });
});

describe('a command whose unregistered name was taken meanwhile', () => {
  it('says the name was taken before this profile registered it, and how to go on', () => {
    assert.equal(
      takenBeforeRegistered('frank', taken('frank', 'frank').message),
      'the name frank was taken on this relay before this profile registered it: choose another with natter rename NEWNAME',
    );
  });

  it('names the name a look-alike is too like, sanitised', () => {
    const said = takenBeforeRegistered('fr\u001bank', taken('franc', 'frank').message);
    assert.match(said, /^the name fr.?ank looks too much like 'frank', taken on this relay before/);
    assert.equal(said.includes('\u001b'), false);
  });
});
