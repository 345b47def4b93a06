/**
 * The hub's group pushes (hub.ts): an item pushed early to every session of every
 * member needs no second pass once durable, unless a session became ready meanwhile
 * (it may have read the store before the item was in it) or one did not take it.
 */
import assert from 'node:assert/strict';
import type { GroupItemOut } from '../../../src/relay/groups/stream.js';
import { Hub, type Recipient } from '../../../src/relay/hub.js';

class Member {
  readonly card = null;
  readonly status = 'online' as never;
  readonly statusText = '';
  readonly signedStatus = null;
  readonly ready = true;
  readonly quiet = true;
  early = 0;
  durable = 0;
  constructor(
    readonly userHex: string,
    private readonly takes = true,
  ) {}
  offer(): void {}
  offerEarly(): boolean {
    return false;
  }
  offerGroup(): void {
    this.durable++;
  }
  offerGroupEarly(): boolean {
    this.early++;
    return this.takes;
  }
  send(): void {}
  sendFramed(): void {}
  sendRoster(): void {}
}

const item = { gidHex: 'aa', gseq: 1 } as unknown as GroupItemOut;

function hubOf(...members: Member[]): Hub<Recipient> {
  const hub = new Hub<Recipient>(4);
  for (const m of members) hub.addReady(m as unknown as Recipient);
  return hub;
}

describe('relay/hub: group items pushed early and durable', () => {
  it('makes no durable pass when every session took the early push', () => {
    const a = new Member('a');
    const b = new Member('b');
    const hub = hubOf(a, b);
    const reached = hub.deliverGroupEarly(item, 0, ['a', 'b', 'offline']);
    hub.deliverGroup(item, ['a', 'b', 'offline'], reached);
    assert.deepEqual([a.early, b.early, a.durable, b.durable], [1, 1, 0, 0]);
  });

  it('offers the durable item to every session when one did not take the early push', () => {
    const a = new Member('a');
    const b = new Member('b', false);
    const hub = hubOf(a, b);
    const reached = hub.deliverGroupEarly(item, 0, ['a', 'b']);
    hub.deliverGroup(item, ['a', 'b'], reached);
    assert.deepEqual([a.durable, b.durable], [1, 1]);
  });

  it('offers the durable item to every session when a session became ready in between', () => {
    const a = new Member('a');
    const hub = hubOf(a);
    const reached = hub.deliverGroupEarly(item, 0, ['a', 'c']);
    const c = new Member('c');
    hub.addReady(c as unknown as Recipient);
    hub.deliverGroup(item, ['a', 'c'], reached);
    assert.deepEqual([a.durable, c.durable], [1, 1]);
  });

  it('offers to every session without a mark (changes; a cluster)', () => {
    const a = new Member('a');
    const hub = hubOf(a);
    hub.deliverGroup(item, ['a']);
    assert.equal(a.durable, 1);
  });
});
