/**
 * `who --watch` across a handover (who-watch.ts): when the running client it watched
 * through quits, what its own watch hears is printed as the difference from what was
 * listed, so a script sees no one leave and come back, and no one listed twice.
 */
import assert from 'node:assert/strict';
import { type Change, NOT_HEARD, WatchStream } from '../../../src/cli/who-watch.js';
import type { OnlinePeer } from '../../../src/peer/index.js';

const peer = (name: string, over: Partial<OnlinePeer> = {}): OnlinePeer => ({
  pseudonym: name,
  userId: `id-${name}`,
  fingerprint: 'abcd-efgh-ijkl-mnop',
  status: 'online',
  statusText: '',
  source: 'both',
  address: '127.0.0.1',
  keyChanged: false,
  verified: false,
  ...over,
});

const said = (printed: Change[]) =>
  printed.map((c) =>
    c.kind === 'conflict'
      ? `! ${c.pseudonym}`
      : `${c.type} ${c.peer.pseudonym} ${c.peer.status}${c.reason ? ` (${c.reason})` : ''}`,
  );

describe('cli who --watch: the stream across a handover', () => {
  it('prints as it comes while watching through the running client', () => {
    const printed: Change[] = [];
    const stream = new WatchStream((c) => printed.push(c));
    stream.change({ kind: 'peer', type: 'join', peer: peer('bob') });
    stream.change({ kind: 'peer', type: 'update', peer: peer('bob', { status: 'away' }) });
    stream.change({ kind: 'peer', type: 'leave', peer: peer('bob'), reason: 'bye' });
    assert.deepEqual(said(printed), [
      'join bob online',
      'update bob away',
      'leave bob online (bye)',
    ]);
  });

  it('after a handover, prints only what differs from what was listed, once the own watch has heard', () => {
    const printed: Change[] = [];
    const stream = new WatchStream((c) => printed.push(c));
    for (const name of ['bob', 'carol', 'dave', 'erin'])
      stream.change({ kind: 'peer', type: 'join', peer: peer(name) });
    printed.length = 0;

    stream.handover();
    // The own watch hears, from nothing: joins, and the LAN before the relay.
    stream.change({ kind: 'peer', type: 'join', peer: peer('bob', { source: 'lan' }) });
    stream.change({ kind: 'peer', type: 'update', peer: peer('bob') });
    stream.change({ kind: 'peer', type: 'join', peer: peer('carol', { status: 'busy' }) });
    stream.change({ kind: 'peer', type: 'join', peer: peer('dave') });
    stream.change({ kind: 'peer', type: 'leave', peer: peer('dave'), reason: 'bye' });
    stream.change({ kind: 'peer', type: 'join', peer: peer('frank') });
    stream.change({
      kind: 'conflict',
      pseudonym: 'mallory',
      claimedFingerprint: 'x',
      pinnedFingerprint: 'y',
    });
    assert.deepEqual(said(printed), ['! mallory'], 'a conflict is said at once; nothing else yet');

    stream.settle();
    assert.deepEqual(said(printed), [
      '! mallory',
      'update carol busy',
      'leave dave online (bye)',
      `leave erin online (${NOT_HEARD})`,
      'join frank online',
    ]);
    printed.length = 0;
    stream.change({ kind: 'peer', type: 'leave', peer: peer('bob'), reason: 'bye' });
    stream.settle();
    assert.deepEqual(said(printed), ['leave bob online (bye)'], 'live again after it');
  });
});

describe('cli who --watch: the stream re-attached through a new holder', () => {
  it('is caught up once everyone listed is heard again as listed, and a new handover starts from nothing', () => {
    const printed: Change[] = [];
    const stream = new WatchStream((c) => printed.push(c));
    for (const name of ['bob', 'carol'])
      stream.change({ kind: 'peer', type: 'join', peer: peer(name) });
    printed.length = 0;
    assert.equal(stream.caughtUp(), false, 'not handing over');

    stream.handover();
    assert.equal(stream.handingOver, true);
    stream.change({ kind: 'peer', type: 'join', peer: peer('bob') });
    stream.change({ kind: 'peer', type: 'join', peer: peer('carol', { source: 'lan' }) });
    assert.equal(stream.caughtUp(), false, 'carol is not yet heard as listed');
    // The holder steps aside before it heard the relay: what it heard is dropped.
    stream.handover();
    stream.change({ kind: 'peer', type: 'join', peer: peer('carol') });
    assert.equal(stream.caughtUp(), false, 'bob was heard by the holder before, not this one');
    stream.change({ kind: 'peer', type: 'join', peer: peer('bob') });
    assert.equal(stream.caughtUp(), true);
    stream.settle();
    assert.deepEqual(said(printed), [], 'no one left or came back');
    assert.equal(stream.handingOver, false);
  });
});
