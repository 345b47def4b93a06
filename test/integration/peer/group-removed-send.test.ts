/**
 * A message a removed member sent before her client heard of the removal: the relay
 * refuses it, and her history says why in those words (the sixteenth sitting's groups
 * trial read `[failed: unknown-recipient]` there while the command said E_NOT_GROUP_MEMBER).
 */
import assert from 'node:assert/strict';
import { nextEvent } from '../../helpers/events.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { testWorld } from '../../helpers/world.js';

describe('a removed member’s message the relay refused (integration, loopback)', function () {
  this.timeout(30_000);
  const world = testWorld();

  afterEach(async () => {
    await world.closeAll();
    await removeTempDirs();
  });

  it('fails it in history as not a member any more', async () => {
    const relay = await world.relayOn();
    const alice = await world.client('alice', relay);
    const carol = await world.client('carol', relay);
    await Promise.all([alice.connect(), carol.connect()]);
    const joined = nextEvent(carol, 'group:changed');
    const info = await alice.createGroup('team', ['carol']);
    await joined;
    // The removal does not reach carol (yet): her client still counts her in.
    world.forge((f) => (f.type === 'group-deliver' && f.item.kind === 'change' ? null : f));
    await alice.removeFromGroup('team', 'carol');
    const failed = nextEvent(carol, 'message:status', (e) => e.state === 'failed');
    const sent = await carol.sendToGroup('team', 'still here?');
    assert.equal((await failed).reason, 'not-a-member');
    const [entry] = await carol.history(info.conversation);
    assert.equal(entry?.msgId, sent.msgId);
    assert.equal(entry?.state, 'failed');
    assert.equal(entry?.reason, 'not-a-member');
  });
});
