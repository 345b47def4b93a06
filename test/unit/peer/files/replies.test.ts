/**
 * Answers to file offers (files/replies.ts): a download that ended received or declined
 * answers its sender once; an answer to my upload counts only from one of its recipients,
 * once each, and is stored and announced.
 */
import assert from 'node:assert/strict';
import { PeerEvents } from '../../../../src/peer/events.js';
import type { FileReplyInfo } from '../../../../src/peer/files/api.js';
import type { IncomingRecord, OutgoingRecord } from '../../../../src/peer/files/records.js';
import { OUTGOING_PREFIX } from '../../../../src/peer/files/records.js';
import { FileReplies } from '../../../../src/peer/files/replies.js';
import type { Upload } from '../../../../src/peer/files/uploads.js';
import { MemoryKv, PeerStore } from '../../../../src/peer/store.js';
import { ManualClock } from '../../../../src/util/clock.js';

const ID = 'ab'.repeat(16);
const BOB = 'b0'.repeat(32);
const CAROL = 'c0'.repeat(32);

function world(recipients: string[]) {
  const store = new PeerStore(new MemoryKv());
  const events = new PeerEvents();
  const heard: FileReplyInfo[] = [];
  events.on('file:reply', (r) => heard.push(r));
  const answered: [string, string][] = [];
  const upload = {
    record: {
      offer: { transferId: ID, name: 'report.pdf' },
      conversation: '@bob',
      recipients: { to: recipients },
      state: 'done',
    } as unknown as OutgoingRecord,
  } as Upload;
  const downloads: { record: IncomingRecord }[] = [];
  const replies = new FileReplies({
    store,
    events,
    clock: new ManualClock(),
    poster: {
      reply: async (r, outcome) => {
        answered.push([r.offer.transferId, outcome]);
        r.replied = true;
      },
      isRecipient: (r, userId) => 'to' in r.recipients && r.recipients.to.includes(userId),
    },
    book: {
      upload: (id) => (id === ID ? upload : undefined),
      uploads: () => [upload],
      downloads: () => downloads as never,
      info: () => ({ id: ID, replies: upload.record.replies ?? [] }) as never,
    },
  });
  return { store, heard, answered, upload, downloads, replies };
}

const download = (state: IncomingRecord['state'], replied?: boolean) =>
  ({
    offer: { transferId: `${state}`.padEnd(32, '0') },
    state,
    ...(replied === undefined ? {} : { replied }),
  }) as IncomingRecord;

describe('files: answers to offers', () => {
  it('answers a download that ended received or declined, and only one that owes it', async () => {
    const w = world([BOB]);
    w.replies.ended(download('received', false));
    w.replies.ended(download('declined', false));
    w.replies.ended(download('received', true)); // answered already
    w.replies.ended(download('received')); // a record from before answers: owes none
    w.replies.ended(download('failed', false)); // may still be accepted again
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      w.answered.map(([, o]) => o),
      ['received', 'declined'],
    );
  });

  it('answers what is still owed when asked (after a crash between the end and the answer)', async () => {
    const w = world([BOB]);
    w.downloads.push({ record: download('declined', false) }, { record: download('received') });
    w.replies.owed();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      w.answered.map(([, o]) => o),
      ['declined'],
    );
  });

  it("takes a recipient's answer once, stores it and announces it", async () => {
    const w = world([BOB]);
    const answer = { from: BOB, name: 'bob', transferId: ID, outcome: 'declined' as const };
    await w.replies.received([answer, { ...answer, outcome: 'received' }]);
    assert.deepEqual(
      w.upload.record.replies?.map((r) => [r.userId, r.outcome]),
      [[BOB, 'declined']],
    );
    assert.equal(w.heard.length, 1);
    assert.deepEqual(w.heard[0]!.reply, { name: 'bob', outcome: 'declined' });
    assert.equal(w.heard[0]!.conversation, '@bob');
    const stored = await w.store.getJson<OutgoingRecord>(OUTGOING_PREFIX + ID);
    assert.deepEqual(
      stored?.replies?.map((r) => r.outcome),
      ['declined'],
    );
  });

  it('hands each answer to one UI once, durably, and none kept from before the mark', async () => {
    const w = world([BOB, CAROL]);
    // An answer kept before answers were marked told (no `told`): shown then, not again.
    w.upload.record.replies = [{ userId: CAROL, name: 'carol', outcome: 'received', atMs: 1 }];
    await w.replies.received([{ from: BOB, name: 'bob', transferId: ID, outcome: 'declined' }]);
    const [first, ...rest] = await w.replies.untold();
    assert.deepEqual(rest, []);
    assert.deepEqual(first?.reply, { name: 'bob', outcome: 'declined' });
    assert.equal(first?.conversation, '@bob');
    assert.deepEqual(await w.replies.untold(), [], 'taken once');
    const stored = await w.store.getJson<OutgoingRecord>(OUTGOING_PREFIX + ID);
    assert.deepEqual(
      stored?.replies?.map((r) => [r.name, r.told]),
      [
        ['carol', undefined],
        ['bob', true],
      ],
    );
  });

  it('ignores an answer from someone the file was not offered to, or for an unknown transfer', async () => {
    const w = world([BOB]);
    await w.replies.received([
      { from: CAROL, name: 'bob', transferId: ID, outcome: 'declined' },
      { from: BOB, name: 'bob', transferId: 'cd'.repeat(16), outcome: 'declined' },
    ]);
    assert.equal(w.upload.record.replies, undefined);
    assert.deepEqual(w.heard, []);
  });

  it('shows a name made safe for a terminal', async () => {
    const w = world([BOB]);
    await w.replies.received([
      { from: BOB, name: 'b\u001b[2Job', transferId: ID, outcome: 'received' },
    ]);
    assert.ok(!w.heard[0]!.reply.name.includes('\u001b'));
  });
});
