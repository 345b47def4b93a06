/**
 * `who --watch` across a handover (who-watch.ts): when the running client it watched
 * through quits, what its own watch hears is printed as the difference from what was
 * listed, so a script sees no one leave and come back, and no one listed twice.
 */
import assert from 'node:assert/strict';
import type { CliContext } from '../../../src/cli/context.js';
import type { ControlClient } from '../../../src/cli/control-client.js';
import { type Change, NOT_HEARD, WatchStream, watchThrough } from '../../../src/cli/who-watch.js';
import type { OnlinePeer } from '../../../src/peer/index.js';
import { NatterError } from '../../../src/util/errors.js';

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

/**
 * A running client's control connection as watchThrough uses it: the answer to 'watch' (its
 * list), then the lines pushed with push(); end() closes it.
 */
function fakeControl(peers: OnlinePeer[], answer: { complete?: boolean } = {}) {
  const lines: (Record<string, unknown> | null)[] = [];
  let waiting: ((line: Record<string, unknown> | null) => void) | null = null;
  const push = (line: Record<string, unknown> | null) => {
    if (waiting === null) lines.push(line);
    else {
      const w = waiting;
      waiting = null;
      w(line);
    }
  };
  const control = {
    request: async () => ({ ok: true, peers, ...answer }),
    next: () =>
      lines.length > 0
        ? Promise.resolve(lines.shift() ?? null)
        : new Promise((resolve) => {
            waiting = resolve;
          }),
    close: () => push(null),
  };
  return {
    control: control as unknown as ControlClient,
    push: (line: Record<string, unknown>) => push(line),
    end: () => push(null),
  };
}

const neverStopped = { stopped: () => new Promise<string>(() => undefined) } as CliContext;

/** A stream that listed `names` (what it printed then cleared), now handing over. */
function handedOver(names: string[]) {
  const printed: Change[] = [];
  const stream = new WatchStream((c) => printed.push(c));
  for (const name of names) stream.change({ kind: 'peer', type: 'join', peer: peer(name) });
  printed.length = 0;
  stream.handover();
  return { printed, stream };
}

describe('cli who --watch: a change made while the profile changed holders', () => {
  it('is printed as soon as the new holder lists everyone from where they were, not at the timeout', async () => {
    const { printed, stream } = handedOver(['bob', 'carol']);

    // carol went away before the watch attached: the holder lists her away, and says no more.
    const held = fakeControl([peer('bob'), peer('carol', { status: 'away', statusText: 'x' })]);
    const through = watchThrough(neverStopped, held.control, stream);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(said(printed), ['update carol away'], 'what the holder sees, at once');
    assert.equal(stream.handingOver, false);
    held.push({ event: 'roster:change', type: 'leave', peer: peer('bob'), reason: 'bye' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      said(printed),
      ['update carol away', 'leave bob online (bye)'],
      'live after it',
    );
    held.end();
    assert.equal(await through, 'gone');
  });

  it('waits while the new holder has heard someone only on the LAN, and says nothing then of them', async () => {
    const { printed, stream } = handedOver(['carol']);

    const held = fakeControl([peer('carol', { source: 'lan', status: 'away' })]);
    const through = watchThrough(neverStopped, held.control, stream);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(said(printed), [], 'the holder is still connecting to its relay');
    held.push({ event: 'roster:change', type: 'update', peer: peer('carol', { status: 'away' }) });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(said(printed), ['update carol away']);
    held.end();
    assert.equal(await through, 'gone');
  });

  it('prints a leave made before it attached at once when the holder says its list is whole', async () => {
    const { printed, stream } = handedOver(['bob', 'carol']);

    // carol left before the watch attached: the new holder never heard her, and lists bob.
    const held = fakeControl([peer('bob')], { complete: true });
    const through = watchThrough(neverStopped, held.control, stream);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      said(printed),
      [`leave carol online (${NOT_HEARD})`],
      'at once, not at the timeout',
    );
    assert.equal(stream.handingOver, false);
    held.end();
    assert.equal(await through, 'gone');

    // A holder that does not say so (an older natter, or one still connecting) is waited for.
    stream.change({ kind: 'peer', type: 'join', peer: peer('carol') });
    printed.length = 0;
    stream.handover();
    const older = fakeControl([peer('bob')]);
    const waited = watchThrough(neverStopped, older.control, stream);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(said(printed), []);
    assert.equal(stream.handingOver, true);
    older.end();
    assert.equal(await waited, 'gone');
  });

  it('takes a holder that hangs up before answering for one gone, not an error', async () => {
    const stream = new WatchStream(() => undefined);
    const going = {
      request: async () => {
        throw new NatterError('E_CONTROL', 'control: the running client closed the connection');
      },
      closed: true,
      close: () => undefined,
    } as unknown as ControlClient;
    assert.equal(await watchThrough(neverStopped, going, stream), 'gone');
  });
});
