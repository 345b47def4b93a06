/**
 * Worker of the groups benchmark: seals group messages ahead of a phase, as the
 * real client does (sealGroupMessage under each sender's own chain, which moves on
 * with every message), and frames each as a GroupSend. Runs tsc's output in build/
 * (npm run bench builds it first), so the worker needs no TypeScript loader.
 *
 * Request {sender, userId, from, count}: messages `from` .. `from + count - 1` of
 * `sender`; the message id is [sender, u32 BE number, 11 random bytes], so a
 * receiver reads who sent it and which one it was from the id alone. Reply {sender,
 * from, count, stride, buf}: the framed GroupSends back to back, `stride` bytes each.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { randomBytes } from '../../build/crypto/random.js';
import { newSenderChain, sealGroupMessage } from '../../build/crypto/sender-keys.js';
import { encodeFrame } from '../../build/wire/codec.js';
import { frame } from '../../build/wire/framing.js';

const { groupId, plaintextBytes } = workerData;
/** sender index -> its chain (epoch 0: the group never loses a member here). */
const chains = new Map();

parentPort.on('message', ({ sender, userId, from, count }) => {
  let chain = chains.get(sender);
  if (!chain) {
    chain = newSenderChain();
    chains.set(sender, chain);
  }
  let out = null;
  let stride = 0;
  for (let i = 0; i < count; i++) {
    const msgId = randomBytes(16);
    msgId[0] = sender;
    new DataView(msgId.buffer, msgId.byteOffset).setUint32(1, from + i, false);
    const header = { groupId, epoch: 0, sender: userId, messageId: msgId };
    const body = sealGroupMessage(chain, header, randomBytes(plaintextBytes));
    const framed = frame(encodeFrame({ type: 'group-send', groupId, msgId, body }));
    if (out === null) {
      stride = framed.length;
      out = Buffer.from(new ArrayBuffer(stride * count));
    } else if (framed.length !== stride) {
      throw new Error(`bench: GroupSend of ${framed.length} bytes, expected ${stride}`);
    }
    out.set(framed, i * stride);
  }
  parentPort.postMessage({ sender, from, count, stride, buf: out.buffer }, [out.buffer]);
});
