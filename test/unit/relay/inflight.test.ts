/**
 * Sends in flight shared relay-wide (inflight.ts): each session with sends in flight may
 * have an equal share of maxRelayInflightSends, within MIN_INFLIGHT_SHARE and the
 * per-session limit, and the read gates of several sessions pause and resume by it.
 */
import assert from 'node:assert/strict';
import { InflightShares, MIN_INFLIGHT_SHARE } from '../../../src/relay/inflight.js';
import { DEFAULT_RELAY_LIMITS } from '../../../src/relay/limits.js';
import { ReadGate } from '../../../src/relay/read-gate.js';
import { ManualClock } from '../../../src/util/clock.js';
import { RecordingReader } from '../../helpers/gated-reader.js';

describe('sends in flight shared relay-wide', () => {
  it('gives each busy session an equal share, within the floor and the per-session limit', () => {
    const shares = new InflightShares({
      maxRelayInflightSends: 1000,
      maxInflightSendsPerSession: 256,
    });
    assert.equal(shares.limit, 256, 'nobody busy: the per-session limit');
    for (let i = 0; i < 3; i++) shares.started();
    assert.equal(shares.limit, 256, '1000 / 3 is over the per-session limit');
    shares.started();
    assert.equal(shares.limit, 250);
    for (let i = 0; i < 96; i++) shares.started();
    assert.equal(shares.sessions, 100);
    assert.equal(shares.limit, MIN_INFLIGHT_SHARE, '10 each would be under the floor');
    for (let i = 0; i < 95; i++) shares.finished();
    assert.equal(shares.limit, 200);
    const small = new InflightShares({ maxRelayInflightSends: 10, maxInflightSendsPerSession: 4 });
    for (let i = 0; i < 5; i++) small.started();
    assert.equal(small.limit, 4, 'the floor never lifts a session past its own limit');
  });

  it('pauses a session at its share, lowered as other sessions start sending, and resumes below half', () => {
    const limits = {
      ...DEFAULT_RELAY_LIMITS,
      maxRelayInflightSends: 64,
      maxInflightSendsPerSession: 48,
    };
    const shares = new InflightShares(limits);
    const clock = new ManualClock();
    const readers = [new RecordingReader(), new RecordingReader(), new RecordingReader()];
    const [a, b, c] = readers.map((r) => new ReadGate(r, limits, clock, shares)) as [
      ReadGate,
      ReadGate,
      ReadGate,
    ];
    // Alone, a may have 48 (its own limit) in flight: 47 keep it read.
    for (let i = 0; i < 47; i++) a.sendStarted();
    assert.deepEqual(readers[0]!.events, []);
    // b starts: the share is 32, so a's next send pauses it; b has one, and goes on.
    b.sendStarted();
    assert.equal(shares.sessions, 2);
    a.sendStarted();
    assert.deepEqual(readers[0]!.events, ['pause']);
    assert.deepEqual(readers[1]!.events, []);
    // c starts: a share of 21; b pauses at its 21st.
    c.sendStarted();
    for (let i = 0; i < 20; i++) b.sendStarted();
    assert.deepEqual(readers[1]!.events, ['pause']);
    // a resumes once under half its share: 48 in flight, 10 left when c and b are done.
    c.sendFinished();
    for (let i = 0; i < 21; i++) b.sendFinished();
    assert.equal(shares.sessions, 1, 'b and c have none in flight');
    for (let i = 0; i < 24; i++) a.sendFinished();
    assert.deepEqual(readers[0]!.events, ['pause'], '24 left: half of 48, not under it');
    a.sendFinished();
    assert.deepEqual(readers[0]!.events, ['pause', 'resume']);
    for (let i = 0; i < 23; i++) a.sendFinished();
    assert.equal(shares.sessions, 0, 'every send finished: nobody counted busy');
  });
});
