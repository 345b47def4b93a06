import assert from 'node:assert/strict';
import { InflightShares } from '../../../../src/relay/inflight.js';
import { DEFAULT_RELAY_LIMITS } from '../../../../src/relay/limits.js';
import { ReadGate } from '../../../../src/relay/read-gate.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { RecordingReader } from '../../../helpers/gated-reader.js';

describe('read gate and file uploads (fileUploadPendingBytes)', () => {
  it('stops reading once chunk bytes waiting for disk reach the limit and resumes below half', () => {
    const r = new RecordingReader();
    const limits = { ...DEFAULT_RELAY_LIMITS, fileUploadPendingBytes: 1000 };
    const gate = new ReadGate(r, limits, new ManualClock(), new InflightShares(limits));
    r.fileUploadBytes = 999;
    gate.update();
    assert.deepEqual(r.events, []);
    r.fileUploadBytes = 1000;
    gate.update();
    assert.deepEqual(r.events, ['pause']);
    r.fileUploadBytes = 500;
    gate.update();
    assert.deepEqual(r.events, ['pause'], 'still at half');
    r.fileUploadBytes = 499;
    gate.update();
    assert.deepEqual(r.events, ['pause', 'resume']);
    assert.ok(!gate.paused);
  });
});
