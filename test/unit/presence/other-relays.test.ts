import assert from 'node:assert/strict';
import {
  MAX_OTHER_RELAYS_NAMED,
  OTHER_RELAY_WARN_INTERVAL_MS,
} from '../../../src/presence/constants.js';
import { OtherRelays } from '../../../src/presence/other-relays.js';

const HOUR = OTHER_RELAY_WARN_INTERVAL_MS;

describe('other relays a relay hears (pure)', () => {
  it('names another relay once, then again only after the interval', () => {
    const others = new OtherRelays();
    assert.equal(others.heard('aa', 0), 'name');
    assert.equal(others.heard('aa', 2_000), 'quiet');
    assert.equal(others.heard('aa', HOUR - 1), 'quiet');
    assert.equal(others.heard('aa', HOUR), 'name');
  });

  it('names each other relay on its own', () => {
    const others = new OtherRelays();
    assert.equal(others.heard('aa', 0), 'name');
    assert.equal(others.heard('bb', 1), 'name');
    assert.equal(others.heard('aa', 2), 'quiet');
  });

  it(`remembers at most ${MAX_OTHER_RELAYS_NAMED} relays, and a storm of fresh ids past that is one line an interval`, () => {
    const others = new OtherRelays();
    const notes: string[] = [];
    for (let i = 0; i < MAX_OTHER_RELAYS_NAMED * 10; i++) notes.push(others.heard(`id${i}`, i));
    assert.equal(notes.filter((n) => n === 'name').length, MAX_OTHER_RELAYS_NAMED);
    assert.equal(notes.filter((n) => n === 'too-many').length, 1);
    assert.equal(others.size, MAX_OTHER_RELAYS_NAMED);
    // The relays named before the storm stay quiet: none was evicted to be named again.
    assert.equal(others.heard('id0', MAX_OTHER_RELAYS_NAMED * 10), 'quiet');
    assert.equal(others.heard('fresh', HOUR - 1), 'quiet');
    assert.equal(others.heard('fresh', HOUR + MAX_OTHER_RELAYS_NAMED * 10), 'name');
    assert.ok(others.size <= MAX_OTHER_RELAYS_NAMED);
  });
});
