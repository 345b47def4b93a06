/**
 * A Session's file transfers over an in-memory stream: with a disk slower than the
 * client, the chunk bytes the relay holds stay within fileUploadPendingBytes (plus the
 * chunk that crossed it); with a downloader that does not read, what the relay holds for
 * it stays within the session's output budget plus one read batch. Neither grows with
 * the file, and every chunk still arrives.
 */
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { generateIdentity } from '../../../../src/crypto/keys.js';
import { ByteBudget } from '../../../../src/relay/budget.js';
import type { RelayContext } from '../../../../src/relay/context.js';
import { Delivery, type DeliveryLink } from '../../../../src/relay/delivery.js';
import { RelayFiles } from '../../../../src/relay/files/service.js';
import { InflightShares } from '../../../../src/relay/inflight.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from '../../../../src/relay/limits.js';
import type { MailStore } from '../../../../src/relay/mail-store.js';
import { Session } from '../../../../src/relay/session.js';
import { MemoryKv, RelayStore } from '../../../../src/relay/store/index.js';
import { toHex } from '../../../../src/util/bytes.js';
import { ManualClock } from '../../../../src/util/clock.js';
import type { Logger } from '../../../../src/util/logger.js';
import { silentLogger } from '../../../../src/util/logger.js';
import { decodeFrame, encodeFrame } from '../../../../src/wire/codec.js';
import { FrameDecoder, frame as framed } from '../../../../src/wire/framing.js';
import { MAX_FRAME_BYTES } from '../../../../src/wire/limits.js';
import type { Frame } from '../../../../src/wire/types.js';
import { backpressuredPair, duplexPair } from '../../../helpers/duplex.js';
import { chunkFrame, getFrame, makeFile, putFrame } from '../../../helpers/file-frames.js';
import { cardOf } from '../../../helpers/raw-client.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';

const CHUNK = 4096;
const STRIDE = CHUNK + 16;

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !test(); i++) await wait(5);
  assert.ok(test(), `timed out waiting until ${what}`);
}

async function setup(overrides: Partial<RelayLimits>, pair: [Duplex, Duplex] = duplexPair()) {
  const dir = await makeTempDir('natter-session-files-');
  const clock = new ManualClock();
  const limits = { ...DEFAULT_RELAY_LIMITS, minFreeDiskBytes: 0, ...overrides };
  const store = new RelayStore(new MemoryKv(), {
    dataDir: dir,
    minFreeDiskBytes: 0,
    clock,
    log: silentLogger,
  });
  const files = new RelayFiles({
    store,
    dataDir: dir,
    limits,
    clock,
    log: silentLogger,
    isRegistered: () => true,
    groupMembers: () => undefined,
  });
  await files.open();
  const ctx = {
    limits,
    clock,
    log: silentLogger,
    mailbox: {
      deliveryFor: (link: DeliveryLink, l: RelayLimits, log: Logger) =>
        new Delivery(
          link,
          { read: async () => ({ mails: [], done: true }) } as unknown as MailStore,
          l,
          log,
          clock,
        ),
    },
    groups: { streams: { trackedGroupsOf: () => [] } },
    hub: { remove() {} },
    budget: new ByteBudget(Number.MAX_SAFE_INTEGER),
    inflight: new InflightShares(limits),
    files,
  } as unknown as RelayContext;
  const [relaySide, clientSide] = pair;
  const session = new Session(relaySide, ctx, 'test', new Uint8Array(32));
  const identity = generateIdentity();
  session.becomeReady(cardOf(identity, 'alice'), false);
  const received: Frame[] = [];
  const decoder = new FrameDecoder(MAX_FRAME_BYTES);
  const onData = (chunk: Buffer) => {
    for (const bytes of decoder.push(chunk)) received.push(decodeFrame(bytes));
  };
  const send = (f: Frame) => clientSide.write(framed(encodeFrame(f)));
  const teardown = async () => {
    session.close();
    await files.close();
  };
  return { files, session, limits, clientSide, onData, received, send, teardown, identity };
}

describe('relay session file transfers (in memory)', () => {
  after(removeTempDirs);

  it('holds at most fileUploadPendingBytes (+1 chunk) of chunks for a slow disk, and stores all of them', async () => {
    const s = await setup({ fileUploadPendingBytes: 3 * STRIDE });
    s.clientSide.on('data', s.onData);
    // A disk that takes 5 ms a batch: the client is much faster.
    const write = s.files.blobs.write.bind(s.files.blobs);
    s.files.blobs.write = async (...args) => {
      await wait(5);
      return write(...args);
    };
    let most = 0;
    const heldChanged = s.session.heldChanged.bind(s.session);
    s.session.heldChanged = () => {
      most = Math.max(most, s.session.files.uploadBytes);
      heldChanged();
    };
    const file = makeFile(60 * CHUNK, CHUNK);
    s.send(putFrame(file, { to: [generateIdentity().signPk] }));
    await until(() => s.received.some((f) => f.type === 'file-put-result'), 'the put is answered');
    // Everything at once, as a client with a large window would.
    for (let i = 0; i < file.chunks.length; i++) s.send(chunkFrame(file, i));
    await until(
      () => s.received.some((f) => f.type === 'file-chunk-ack' && f.through === 60),
      'every chunk is acked',
    );
    assert.ok(s.received.every((f) => f.type !== 'file-chunk-ack' || f.code === ''));
    assert.ok(most > 0 && most <= s.limits.fileUploadPendingBytes + STRIDE, `held ${most}`);
    assert.equal(s.session.files.uploadBytes, 0);
    await s.teardown();
  });

  it('holds a downloader that does not read to fileSendBufferedBytes plus one read batch', async () => {
    const s = await setup(
      {
        fileDownloadWindowChunks: 1000,
        fileSendBufferedBytes: 8 * STRIDE,
        fileReadBatchChunks: 2,
      },
      backpressuredPair(4 * STRIDE),
    );
    // Stored by another user for alice, complete.
    const file = makeFile(100 * CHUNK, CHUNK);
    const uploader = toHex(generateIdentity().signPk);
    const put = await s.files.put(uploader, putFrame(file, { to: [s.identity.signPk] }));
    assert.equal(put.code, '');
    if (put.code !== '') return;
    const owner = { acked() {}, released() {} };
    for (let i = 0; i < 100; i++) {
      s.files
        .writer(put.transfer)
        .submit({ index: i, data: file.chunks[i]!, epoch: put.epoch, owner });
    }
    await s.files.writer(put.transfer).drain();
    const reads: number[] = [];
    const readInto = s.files.blobs.readInto.bind(s.files.blobs);
    s.files.blobs.readInto = (n, offset, targets) => {
      reads.push(targets.reduce((sum, t) => sum + t.byteLength, 0));
      return readInto(n, offset, targets);
    };
    // The client asks, then does not read.
    s.send(getFrame(file, 0));
    let most = 0;
    for (let i = 0; i < 40; i++) {
      await wait(5);
      most = Math.max(most, s.session.bufferedBytes + s.session.files.heldBytes);
    }
    const bound = s.limits.fileSendBufferedBytes + 2 * STRIDE + 1024;
    assert.ok(most > 0 && most <= bound, `held ${most}, bound ${bound}`);
    // Reading again releases the stream: every chunk arrives once, in order.
    s.clientSide.on('data', s.onData);
    const chunks = () => s.received.filter((f) => f.type === 'file-chunk');
    await until(() => chunks().length === 100, 'every chunk arrived');
    assert.deepEqual(
      chunks().map((f) => (f.type === 'file-chunk' ? f.index : -1)),
      [...Array(100).keys()],
    );
    // No read fetches more than fileReadBatchChunks chunks.
    assert.ok(Math.max(...reads) <= 2 * STRIDE && reads.includes(2 * STRIDE), `reads ${reads}`);
    await s.teardown();
  });
});
