/**
 * RosterSpans against a byte-by-byte model: whatever mix of roster frames, other frames and
 * hand-offs, it counts exactly the roster bytes not handed on yet.
 */
import assert from 'node:assert/strict';
import { RosterSpans } from '../../../src/relay/roster-spans.js';

describe('relay/roster-spans: the roster bytes in a connection output', () => {
  it('counts the roster bytes not yet handed on, spans and hand-offs in any order', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 50; round++) {
      const spans = new RosterSpans();
      const isRoster: boolean[] = [];
      let handed = 0;
      for (let step = 0; step < 200; step++) {
        const op = rand(3);
        if (op === 0) {
          const n = 1 + rand(50);
          spans.add(isRoster.length, isRoster.length + n);
          for (let i = 0; i < n; i++) isRoster.push(true);
        } else if (op === 1) {
          const n = 1 + rand(50);
          for (let i = 0; i < n; i++) isRoster.push(false);
        } else {
          handed = Math.min(isRoster.length, handed + rand(120));
        }
        const want = isRoster.slice(handed).filter(Boolean).length;
        assert.equal(spans.queued(handed), want, `round ${round}, step ${step}`);
      }
    }
  });

  it('is empty again once everything was handed on, and after clear', () => {
    const spans = new RosterSpans();
    spans.add(0, 10);
    spans.add(10, 30);
    spans.add(40, 50);
    assert.equal(spans.queued(5), 35);
    assert.equal(spans.queued(45), 5);
    assert.equal(spans.queued(50), 0);
    spans.add(60, 70);
    spans.clear();
    assert.equal(spans.queued(60), 0);
  });
});
