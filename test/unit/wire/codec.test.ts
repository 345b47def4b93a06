import assert from 'node:assert/strict';
import * as codec from '../../../src/wire/codec.js';

// The codec's tests live next to its families, in test/unit/wire/codec/.
describe('wire/codec: the public entry', () => {
  it('exports exactly the encoders and decoders of each schema family, nothing generated', () => {
    assert.deepEqual(Object.keys(codec).sort(), [
      'chunkFrame',
      'decodeFileOfferRecord',
      'decodeFrame',
      'decodeGroupChangeRecord',
      'decodeGroupPlain',
      'decodeInner',
      'decodePresence',
      'decodeSignedDatagram',
      'encodeDeliver',
      'encodeDeliverFrom',
      'encodeDeliverOfSend',
      'encodeFileOfferRecord',
      'encodeFrame',
      'encodeFrameReference',
      'encodeGroupChangeRecord',
      'encodeGroupPlain',
      'encodeInner',
      'encodePresence',
      'encodeSignedDatagram',
      // A Send's recipient in hex, read in the frame the fast decoder kept (codec/hot.ts).
      'sendRecipientHex',
    ]);
  });
});
