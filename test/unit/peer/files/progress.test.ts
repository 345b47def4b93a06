import assert from 'node:assert/strict';
import {
  PROGRESS_INTERVAL_MS,
  ProgressMeter,
  RATE_WINDOW_MS,
} from '../../../../src/peer/files/progress.js';

describe('files: progress, rate and ETA', () => {
  it('measures the rate over a sliding window and the ETA from it', () => {
    const m = new ProgressMeter();
    const t0 = 1_000_000;
    for (let s = 0; s <= 10; s++) m.record(t0 + s * 1000, s * 1_000_000);
    // 1 MB/s steadily: the window keeps only its last few seconds.
    assert.equal(Math.round(m.rate(t0 + 10_000)), 1_000_000);
    assert.equal(m.etaMs(t0 + 10_000, 5_000_000), 5_000);
  });

  it('follows a change of speed within the window, and reads 0 when idle', () => {
    const m = new ProgressMeter();
    const t0 = 0;
    let bytes = 0;
    for (let s = 0; s <= 10; s++) {
      bytes += s <= 5 ? 1_000_000 : 4_000_000;
      m.record(t0 + s * 1000, bytes);
    }
    assert.equal(Math.round(m.rate(t0 + 10_000)), 4_000_000);
    assert.equal(m.rate(t0 + 10_000 + RATE_WINDOW_MS + 1), 0);
    assert.equal(m.etaMs(t0 + 10_000 + RATE_WINDOW_MS + 1, 100), null);
  });

  it('measures afresh after a pause longer than the window, not across it', () => {
    const m = new ProgressMeter();
    for (let s = 0; s <= 4; s++) m.record(s * 1000, s * 1_000_000);
    // The relay away for a minute, then the same pace again.
    const back = 4000 + 60_000;
    for (let s = 0; s <= 3; s++) m.record(back + s * 1000, 4_000_000 + s * 1_000_000);
    assert.equal(Math.round(m.rate(back + 3000)), 1_000_000);
    assert.equal(m.etaMs(back + 3000, 2_000_000), 2_000);
  });

  it('lets a progress event out at most every PROGRESS_INTERVAL_MS', () => {
    const m = new ProgressMeter();
    let emitted = 0;
    for (let t = 0; t < 1000; t += 10) if (m.shouldEmit(t)) emitted++;
    assert.equal(emitted, Math.ceil(1000 / PROGRESS_INTERVAL_MS));
  });
});
