import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  directConversation,
  directPeerKey,
  groupConversation,
  isConversationId,
  parseConversationId,
} from '../../../../src/peer/conversations/ids.js';
import { isNatterError } from '../../../../src/util/errors.js';
import { pseudonymKey } from '../../../../src/wire/text.js';

describe('conversation ids: the only producer of ConversationId', () => {
  it('keeps the stored form of a 1:1 id exactly "@" + the case-folded pseudonym', () => {
    assert.equal(directConversation('bob'), '@bob');
    assert.equal(directConversation('Bob'), '@bob');
    assert.equal(directConversation('ＢＯＢ'), '@bob');
    assert.equal(directConversation('STRASSE'), directConversation('straße'));
    assert.equal(directConversation('ΣΑΣ'), directConversation('σας'));
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 32, unit: 'grapheme' }), (name) => {
        assert.equal(directConversation(name), `@${pseudonymKey(name)}`);
      }),
    );
  });

  it('names a group by its 128-bit id in lowercase hex', () => {
    const id = 'AB'.repeat(16);
    assert.equal(groupConversation(id), `#${'ab'.repeat(16)}`);
    assert.throws(
      () => groupConversation('abc'),
      (e) => isNatterError(e, 'E_BAD_CONVERSATION'),
    );
  });

  it('parses what it produced, and only that', () => {
    const direct = parseConversationId(directConversation('Alice'));
    assert.deepEqual(direct, { kind: 'direct', conversation: '@alice', peerKey: 'alice' });
    const group = parseConversationId(groupConversation('0f'.repeat(16)));
    assert.equal(group.kind, 'group');
    assert.equal(directPeerKey(directConversation('Carol')), 'carol');
    assert.equal(directPeerKey(groupConversation('0f'.repeat(16))), undefined);
    for (const bad of ['', '@', 'bob', '@Bob', '#', '#xyz', `#${'AB'.repeat(16)}`, '!bob']) {
      assert.equal(isConversationId(bad), false, bad);
      assert.throws(
        () => parseConversationId(bad),
        (e) => isNatterError(e, 'E_BAD_CONVERSATION'),
      );
    }
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 32, unit: 'grapheme' }), (name) => {
        assert.ok(isConversationId(directConversation(name)));
      }),
    );
  });
});
