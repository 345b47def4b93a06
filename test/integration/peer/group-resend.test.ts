/**
 * A group message the relay stored but whose SendAck never reached the sender (the
 * relay died, or the link dropped, between its synced write and the ack): the sender
 * sends it again after reconnecting, the relay stores it a second time (at least
 * once, docs/protocol.md), and every member gets the same sealed message twice. The
 * second copy is a known copy, dropped silently like a 1:1 duplicate: not shown
 * again and not reported as damaged or forged.
 */
import assert from 'node:assert/strict';
import type { NatterClient } from '../../../src/peer/index.js';
import { nextEvent } from '../../helpers/events.js';
import { forgeRelayFrames } from '../../helpers/forging-relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { testWorld } from '../../helpers/world.js';
import { waitFor } from '../presence/helpers.js';

describe('a group message sent again after a lost SendAck (integration, loopback)', function () {
  this.timeout(30_000);
  const world = testWorld();
  let undo = () => {};

  afterEach(async () => {
    undo();
    undo = () => {};
    await world.closeAll();
    await removeTempDirs();
  });

  const texts = (c: NatterClient) => {
    const got: string[] = [];
    c.on('message:received', (m) => got.push(m.text));
    return got;
  };

  it('shows it once and reports nothing damaged, online or catching up later', async () => {
    const relay = await world.relayOn();
    const alice = await world.client('alice', relay);
    const bob = await world.client('bob', relay);
    const carol = await world.client('carol', relay);
    await Promise.all([alice.connect(), bob.connect(), carol.connect()]);
    const joined = nextEvent(carol, 'group:changed');
    await alice.createGroup('team', ['bob', 'carol']);
    await joined;
    // carol is away: she catches up from the relay's store later.
    const carolProfile = carol.profile;
    await carol.close();
    const atBob = texts(bob);

    // The relay stores the message but its SendAck is lost.
    let acksDropped = 0;
    undo = forgeRelayFrames((f) => {
      if (f.type !== 'send-ack') return f;
      acksDropped++;
      return null;
    });
    const sent = await alice.sendToGroup('team', 'only once');
    await waitFor(() => atBob.length === 1 && acksDropped > 0, 10_000, 'stored, ack lost');
    assert.equal((await alice.status(sent.msgId))?.state, 'queued');
    undo();
    undo = () => {};

    // The relay restarts (same data, same port); alice reconnects and sends it again.
    await relay.close();
    await world.relayOn({ dataDir: relay.dataDir, port: relay.port });
    assert.ok(await alice.flush(10_000), 'alice sent it again');
    assert.equal((await alice.status(sent.msgId))?.state, 'stored');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(atBob, ['only once']);
    const bobDamaged = await bob.takeDamaged();

    const back = await world.client('carol', relay, { profile: carolProfile });
    const atCarol = texts(back);
    await back.connect();
    await back.waitForInbox();
    assert.deepEqual(atCarol, ['only once']);
    assert.deepEqual(await back.takeDamaged(), [], 'carol: nothing damaged');
    assert.deepEqual(bobDamaged, [], 'bob: nothing damaged');
  });

  it('shows it once when the sender re-sealed it under a new epoch before sending it again', async () => {
    const relay = await world.relayOn();
    const alice = await world.client('alice', relay);
    const bob = await world.client('bob', relay);
    const carol = await world.client('carol', relay);
    await Promise.all([alice.connect(), bob.connect(), carol.connect()]);
    const joined = nextEvent(bob, 'group:changed');
    await alice.createGroup('team', ['bob', 'carol']);
    await joined;
    const atBob = texts(bob);
    let acksDropped = 0;
    undo = forgeRelayFrames((f) => {
      if (f.type !== 'send-ack') return f;
      acksDropped++;
      return null;
    });
    const sent = await alice.sendToGroup('team', 'only once');
    await waitFor(() => atBob.length === 1 && acksDropped > 0, 10_000, 'stored, ack lost');
    undo();
    undo = () => {};
    // A member leaves: epoch 1. alice re-seals her queued message under it and sends it again.
    await alice.removeFromGroup('team', 'carol');
    await relay.close();
    await world.relayOn({ dataDir: relay.dataDir, port: relay.port });
    assert.ok(await alice.flush(10_000), 'alice sent it again');
    assert.equal((await alice.status(sent.msgId))?.state, 'stored');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(atBob, ['only once']);
    assert.deepEqual(await bob.takeDamaged(), []);
  });

  it('sends a message sealed before a removal it had not heard of again under the new epoch, quietly', async () => {
    const relay = await world.relayOn();
    const alice = await world.client('alice', relay);
    const bob = await world.client('bob', relay);
    const carol = await world.client('carol', relay);
    const dave = await world.client('dave', relay);
    await Promise.all([alice.connect(), bob.connect(), carol.connect(), dave.connect()]);
    const joined = nextEvent(carol, 'group:changed');
    await alice.createGroup('team', ['bob', 'carol', 'dave']);
    await joined;
    const carolProfile = carol.profile;
    await carol.close();
    // dave goes while carol is away; she writes before she hears of it.
    await alice.removeFromGroup('team', 'dave');
    const back = await world.client('carol', relay, { profile: carolProfile });
    const refused: unknown[] = [];
    back.on('message:refused', (e) => refused.push(e));
    const atBob = texts(bob);
    const sent = await back.sendToGroup('team', 'written before I knew');
    await back.connect();
    assert.ok(await back.flush(10_000), 'carol sent it');
    assert.equal((await back.status(sent.msgId))?.state, 'stored');
    assert.deepEqual(refused, [], 'nothing refused for the user');
    await waitFor(() => atBob.length === 1, 10_000, 'bob got it');
    assert.deepEqual(atBob, ['written before I knew']);
    assert.deepEqual(await bob.takeDamaged(), []);
  });
});
