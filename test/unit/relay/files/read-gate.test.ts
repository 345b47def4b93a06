import assert from 'node:assert/strict';
import { InflightShares } from '../../../../src/relay/inflight.js';
import { DEFAULT_RELAY_LIMITS } from '../../../../src/relay/limits.js';
import { type GatedReader, ReadGate } from '../../../../src/relay/read-gate.js';
import { ManualClock } from '../../../../src/util/clock.js';

class Reader implements GatedReader {
  bufferedBytes = 0;
  softBudget = 1 << 20;
  fileUploadBytes = 0;
  closing = false;
  events: string[] = [];
  pauseReading(): void {
    this.events.push('pause');
  }
  resumeReading(): void {
    this.events.push('resume');
  }
  fail(code: string): void {
    this.events.push(code);
  }
}

describe('read gate and file uploads (fileUploadPendingBytes)', () => {
  it('stops reading once chunk bytes waiting for disk reach the limit and resumes below half', () => {
    const r = new Reader();
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
