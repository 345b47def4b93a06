/**
 * FileDone owed after the fact: every ended transfer whose FileDone never went out is told
 * once, with its outcome, and only the records the link took are marked and stored.
 */
import assert from 'node:assert/strict';
import { randomBytes } from '../../../../src/crypto/random.js';
import { tellOutcomes } from '../../../../src/peer/files/outcomes.js';
import type { IncomingRecord, OutgoingRecord } from '../../../../src/peer/files/records.js';
import { INCOMING_PREFIX, OUTGOING_PREFIX } from '../../../../src/peer/files/records.js';
import { toHex } from '../../../../src/util/bytes.js';
import type { Frame } from '../../../../src/wire/types.js';

function upload(state: OutgoingRecord['state'], doneSent?: boolean) {
  const transferId = randomBytes(16);
  const record = {
    offer: { transferId: toHex(transferId) },
    state,
    ...(doneSent === undefined ? {} : { doneSent }),
  } as OutgoingRecord;
  return { record, transferId };
}

function download(state: IncomingRecord['state'], doneSent?: boolean) {
  const transferId = randomBytes(16);
  const record = {
    offer: { transferId: toHex(transferId) },
    state,
    ...(doneSent === undefined ? {} : { doneSent }),
  } as IncomingRecord;
  return { record, transferId };
}

/** A link that takes frames while `open` holds, recording them. */
function link(open = true) {
  const sent: Frame[] = [];
  return {
    sent,
    send: (f: Frame) => {
      if (open) sent.push(f);
      return open;
    },
  };
}

describe('files: FileDone owed for transfers that ended', () => {
  it('tells cancelled and failed uploads as cancelled, received and declined downloads as such', () => {
    const ups = [upload('cancelled'), upload('failed'), upload('running'), upload('done')];
    const downs = [download('received'), download('declined'), download('offered')];
    const l = link();
    const ops = tellOutcomes(ups, downs, l);
    const told = l.sent.map((f) =>
      f.type === 'file-done' ? [toHex(f.transferId), f.outcome] : [],
    );
    assert.deepEqual(told, [
      [ups[0]!.record.offer.transferId, 'cancelled'],
      [ups[1]!.record.offer.transferId, 'cancelled'],
      [downs[0]!.record.offer.transferId, 'received'],
      [downs[1]!.record.offer.transferId, 'declined'],
    ]);
    assert.deepEqual(
      ups.map((u) => u.record.doneSent),
      [true, true, undefined, undefined],
    );
    assert.deepEqual(
      downs.map((d) => d.record.doneSent),
      [true, true, undefined],
    );
    assert.deepEqual(
      ops.map((op) => op.key),
      [
        `${OUTGOING_PREFIX}${ups[0]!.record.offer.transferId}`,
        `${OUTGOING_PREFIX}${ups[1]!.record.offer.transferId}`,
        `${INCOMING_PREFIX}${downs[0]!.record.offer.transferId}`,
        `${INCOMING_PREFIX}${downs[1]!.record.offer.transferId}`,
      ],
    );
  });

  it('tells nothing twice: a transfer whose FileDone went out is skipped', () => {
    const l = link();
    const ops = tellOutcomes([upload('cancelled', true)], [download('received', true)], l);
    assert.deepEqual(l.sent, []);
    assert.deepEqual(ops, []);
  });

  it('leaves a transfer the link did not take to be told next time, and stores nothing for it', () => {
    const u = upload('failed');
    const d = download('declined');
    const ops = tellOutcomes([u], [d], link(false));
    assert.equal(u.record.doneSent, false);
    assert.equal(d.record.doneSent, false);
    assert.deepEqual(ops, []);
    const l = link();
    assert.equal(tellOutcomes([u], [d], l).length, 2);
    assert.equal(l.sent.length, 2);
  });
});
