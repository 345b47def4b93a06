import assert from 'node:assert/strict';
import {
  DiskRoom,
  FILE_DISK_SAMPLE_BYTES,
  FILE_DISK_SAMPLE_MS,
} from '../../../../src/relay/files/disk-room.js';
import type { StoreRefusal } from '../../../../src/relay/store/index.js';
import { ManualClock } from '../../../../src/util/clock.js';

const MIB = 1024 * 1024;
const WATERMARK = 100 * MIB;

function source(free: number | null) {
  const s = {
    free: free as number | null,
    reads: 0,
    refused: null as StoreRefusal | null,
    minFreeDiskBytes: WATERMARK,
    refusal: () => s.refused,
    freeSpace: async () => {
      s.reads++;
      return s.free;
    },
  };
  return s;
}

describe('relay file disk room (free space read at put and then spent, not per batch)', () => {
  it('reads the disk at put, then serves batches from that reading until it is spent or a second old', async () => {
    const clock = new ManualClock();
    const disk = source(WATERMARK + 1024 * MIB);
    const room = new DiskRoom(disk, clock);
    assert.equal(await room.admit(512 * MIB), null);
    assert.equal(disk.reads, 1);
    for (let i = 0; i < 16; i++) assert.equal(await room.take(2 * MIB), null);
    assert.equal(disk.reads, 1, 'no reading per batch');
    // Another program fills the disk: seen within FILE_DISK_SAMPLE_MS.
    disk.free = WATERMARK + MIB;
    clock.advance(FILE_DISK_SAMPLE_MS);
    assert.deepEqual((await room.take(2 * MIB))?.code, 'disk-full');
    assert.equal(disk.reads, 2);
  });

  it('reads again after FILE_DISK_SAMPLE_BYTES, and before a batch the reading cannot cover', async () => {
    const clock = new ManualClock();
    const disk = source(WATERMARK + 10 * FILE_DISK_SAMPLE_BYTES);
    const room = new DiskRoom(disk, clock);
    await room.admit(0);
    for (let spent = 0; spent + 4 * MIB <= FILE_DISK_SAMPLE_BYTES; spent += 4 * MIB) {
      assert.equal(await room.take(4 * MIB), null);
    }
    assert.equal(disk.reads, 1);
    assert.equal(await room.take(4 * MIB), null);
    assert.equal(disk.reads, 2, 'the reading was spent');
    // Close to the watermark: the next batch reads the disk, and is refused if it does not fit.
    disk.free = WATERMARK + 6 * MIB;
    await room.admit(0);
    assert.equal(await room.take(4 * MIB), null);
    disk.free = WATERMARK + 2 * MIB; // the batch is on disk
    const reads = disk.reads;
    assert.equal((await room.take(4 * MIB))?.code, 'disk-full');
    assert.equal(disk.reads, reads + 1, 'read again rather than refused on an old reading');
  });

  it('reads every time while free space is unknown, and passes on the store refusal', async () => {
    const clock = new ManualClock();
    const disk = source(null);
    const room = new DiskRoom(disk, clock);
    assert.equal(await room.admit(MIB), null);
    assert.equal(await room.take(MIB), null);
    assert.equal(await room.take(MIB), null);
    assert.equal(disk.reads, 3);
    disk.refused = { code: 'internal', reason: 'recovering' };
    assert.equal((await room.take(MIB))?.code, 'internal');
    assert.equal((await room.admit(MIB))?.code, 'internal');
  });
});
