/**
 * Issue 10, "cards and presence", against a relay that lies (the real relay of this
 * process, made to rewrite what it sends: test/helpers/forging-relay.ts). A card is
 * signed over user id, pseudonym and box key, so a card re-labelled with another
 * name is refused in a lookup answer and as a delivery's sender; a status comes
 * with its user's signature and a growing seq, so a status the relay made up, or an
 * older one it replays, is dropped and counted, and the genuine one stays listed.
 */
import assert from 'node:assert/strict';
import type { NatterClient, OnlinePeer } from '../../../src/peer/index.js';
import type { RosterEntry } from '../../../src/wire/types.js';
import { nextEvent } from '../../helpers/events.js';
import { forgeRelayFrames } from '../../helpers/forging-relay.js';
import { cardOf } from '../../helpers/raw-client.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { testWorld } from '../../helpers/world.js';
import { waitFor } from '../presence/helpers.js';

const find = (c: NatterClient, name: string): OnlinePeer | undefined =>
  c.online().find((p) => p.pseudonym === name);
const shown = (c: NatterClient, name: string) => {
  const p = find(c, name);
  return p === undefined ? undefined : [p.status, p.statusText];
};
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe('cards and statuses through a relay that lies (integration, loopback)', function () {
  this.timeout(15_000);
  const world = testWorld();
  let undo = () => {};

  afterEach(async () => {
    undo();
    undo = () => {};
    await world.closeAll();
    await removeTempDirs();
  });

  it("refuses a lookup answer carrying another user's card re-labelled: nothing pinned, nothing sealed to it", async () => {
    const relay = await world.relayOn();
    const mallory = await world.client('mallory', relay);
    await mallory.connect();
    const alice = await world.client('alice', relay);
    await alice.connect();
    const impostor = { ...cardOf(mallory.profile.identity, 'mallory'), pseudonym: 'carol' };
    let answered = 0;
    undo = forgeRelayFrames((f) => {
      if (f.type !== 'lookup-result' || f.card !== null) return f;
      answered++;
      return { ...f, card: impostor, online: true };
    });
    let leaked = 0;
    mallory.on('message:received', () => leaked++);

    const msgId = await alice.send('carol', 'the secret plan');
    await waitFor(() => answered > 0, 5000, 'the forged lookup answer');
    await alice.flush(300);
    assert.equal(alice.contact('carol'), undefined, 'nothing pinned for carol');
    assert.equal((await alice.status(msgId))?.state, 'queued', 'not sealed to anyone');
    assert.equal(relay.relay.stats().storedMessages, 0, 'nothing sent');
    assert.equal(leaked, 0);
  });

  it('reports a delivery whose sender card the relay re-labelled as damaged (bad-card), not as a message', async () => {
    const relay = await world.relayOn();
    const alice = await world.client('alice', relay);
    const bob = await world.client('bob', relay);
    await bob.connect();
    await alice.connect();
    undo = forgeRelayFrames((f) =>
      f.type === 'deliver' ? { ...f, from: { ...f.from, pseudonym: 'admin' } } : f,
    );
    let received = 0;
    bob.on('message:received', () => received++);
    const damaged = nextEvent(bob, 'message:damaged', () => true, 5000);
    await alice.send('bob', 'hello');
    assert.equal((await damaged).reason, 'bad-card');
    assert.equal(received, 0);
    assert.equal(bob.contact('admin'), undefined);
  });

  it("drops statuses the relay rewrote (the user's signature fails), counts them, and keeps showing the genuine one", async () => {
    const relay = await world.relayOn();
    const alice = await world.client('alice', relay);
    const bob = await world.client('bob', relay);
    await alice.connect();
    await bob.connect();
    await bob.setStatus('away', 'lunch');
    await waitFor(() => shown(alice, 'bob')?.[0] === 'away', 5000, 'the genuine status');

    undo = forgeRelayFrames((f) =>
      f.type === 'roster-update'
        ? {
            ...f,
            entries: f.entries.map((e) =>
              e.card.pseudonym === 'bob'
                ? { ...e, status: 'busy', statusText: 'resigned today' }
                : e,
            ),
          }
        : f,
    );
    await bob.setStatus('online', 'back');
    await waitFor(() => alice.stats().forgedStatuses >= 1, 5000, 'the forged status dropped');
    assert.deepEqual(shown(alice, 'bob'), ['away', 'lunch'], 'the last status bob signed');
    assert.equal(alice.stats().staleStatuses, 0);

    undo();
    await bob.setStatus('busy', 'in a meeting');
    await waitFor(() => shown(alice, 'bob')?.[0] === 'busy', 5000, 'the next genuine status');
    assert.deepEqual(shown(alice, 'bob'), ['busy', 'in a meeting']);
  });

  it('drops an older signed status the relay replays, and counts it', async () => {
    const relay = await world.relayOn();
    const alice = await world.client('alice', relay);
    const bob = await world.client('bob', relay);
    await alice.connect();
    await bob.connect();
    let recorded: RosterEntry | undefined;
    let replay = false;
    undo = forgeRelayFrames((f) => {
      if (f.type !== 'roster-update') return f;
      const entries = f.entries.map((e) => {
        if (e.card.pseudonym !== 'bob' || e.signed === null) return e;
        if (e.statusText === 'in a meeting') recorded ??= e;
        return replay && recorded !== undefined ? recorded : e;
      });
      return { ...f, entries };
    });
    await bob.setStatus('busy', 'in a meeting');
    await waitFor(() => shown(alice, 'bob')?.[0] === 'busy', 5000, 'busy');
    await bob.setStatus('away', 'lunch');
    await waitFor(() => shown(alice, 'bob')?.[0] === 'away', 5000, 'away');

    replay = true;
    await bob.setStatus('online', 'back');
    await waitFor(() => alice.stats().staleStatuses >= 1, 5000, 'the replay dropped');
    await turns(3);
    assert.deepEqual(shown(alice, 'bob'), ['away', 'lunch']);
    assert.equal(alice.stats().forgedStatuses, 0, 'a genuine signature, only older');
  });
});
