import assert from 'node:assert/strict';
import { fileRecipients, type RecipientDirectory } from '../../../../src/relay/files/recipients.js';

const hex = (byte: number) => Buffer.alloc(32, byte).toString('hex');
const bytes = (h: string) => Buffer.from(h, 'hex');
const [alice, bob, carol, dave] = [hex(1), hex(2), hex(3), hex(4)];
const gid = Buffer.alloc(16, 9);

const directory: RecipientDirectory = {
  isRegistered: (h) => [alice, bob, carol].includes(h),
  groupMembers: (g) => (g === gid.toString('hex') ? [alice, bob, carol] : undefined),
};

describe('file recipients (who a FilePut goes to)', () => {
  it('names each registered recipient once', () => {
    const to = [bytes(bob), bytes(carol), bytes(bob)];
    assert.deepEqual(fileRecipients(alice, { to }, directory), [bob, carol]);
  });

  it('refuses a recipient who is not registered here, or the uploader (E_FILE_NO_RECIPIENT)', () => {
    for (const to of [[bytes(bob), bytes(dave)], [bytes(alice)]]) {
      const r = fileRecipients(alice, { to }, directory);
      assert.ok(!Array.isArray(r));
      assert.equal(r.code, 'E_FILE_NO_RECIPIENT');
    }
  });

  it('sends to the other members of a group the uploader is in', () => {
    assert.deepEqual(fileRecipients(bob, { groupId: gid }, directory), [alice, carol]);
  });

  it('refuses a group the uploader is not in, or does not exist (E_FILE_NOT_MEMBER)', () => {
    for (const [uploader, groupId] of [
      [dave, gid],
      [alice, Buffer.alloc(16, 1)],
    ] as const) {
      const r = fileRecipients(uploader, { groupId }, directory);
      assert.ok(!Array.isArray(r));
      assert.equal(r.code, 'E_FILE_NOT_MEMBER');
    }
  });

  it('refuses a group with nobody else in it (E_FILE_NO_RECIPIENT)', () => {
    const alone: RecipientDirectory = { ...directory, groupMembers: () => [alice] };
    const r = fileRecipients(alice, { groupId: gid }, alone);
    assert.ok(!Array.isArray(r));
    assert.equal(r.code, 'E_FILE_NO_RECIPIENT');
  });
});
