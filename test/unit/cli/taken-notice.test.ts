/**
 * The chat's prompt after the relay refused a name (chat-register.ts): the name it is
 * too like when the relay's refusal says so (relay/directory.ts, `taken`), quoted
 * sanitised; otherwise that the name is taken, as before.
 */
import assert from 'node:assert/strict';
import { takenNotice } from '../../../src/cli/chat-register.js';
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
