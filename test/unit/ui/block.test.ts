/**
 * /block and /unblock in the chat (peer/ui/commands/block.ts): the core's block of a
 * contact's key, said on the notice line; someone nobody is registered as is said, not
 * blocked. Driven through keys, over the fake core.
 */
import assert from 'node:assert/strict';
import { parseInput } from '../../../src/peer/ui/commands/index.js';
import { contact } from './fake-core.js';
import { destroyAll, noticeText, start } from './harness.js';

describe('ui: /block and /unblock', () => {
  afterEach(destroyAll);

  it('parses one name, and nothing else', () => {
    assert.deepEqual(parseInput('/block mallory'), {
      ok: true,
      command: { kind: 'block', name: 'mallory' },
    });
    assert.equal(parseInput('/block').ok, false);
    assert.equal(parseInput('/unblock a b').ok, false);
  });

  it('blocks a contact, says it was blocked already, and unblocks', async () => {
    const h = await start({ setup: (core) => (core.contactList = [contact('mallory')]) });
    await h.type('/block mallory\r');
    assert.deepEqual([...h.core.blockedNames], ['mallory']);
    assert.match(noticeText(h), /blocked mallory \(.+\): their messages are dropped unseen/);
    await h.type('/block mallory\r');
    assert.match(noticeText(h), /mallory \(.+\) was blocked already/);
    await h.type('/unblock mallory\r');
    assert.deepEqual([...h.core.blockedNames], []);
    assert.match(noticeText(h), /unblocked mallory/);
  });

  it('says a name nobody is registered as, and blocks nothing', async () => {
    const h = await start({ setup: (core) => core.unknownUsers.add('nobody') });
    await h.type('/block nobody\r');
    assert.match(noticeText(h), /nobody is registered as nobody on this relay/);
    assert.deepEqual([...h.core.blockedNames], []);
  });
});
