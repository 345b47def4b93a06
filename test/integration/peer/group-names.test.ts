/**
 * A member's group change that reaches a client as it logs out (the sixteenth sitting's
 * groups trial: bob's `group remove`, run while alice added carol, printed `alice added
 * unknown (wnsk-eth2-twjg)`): it is not said, nor kept, nameless; the next session
 * brings it again and names carol.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GroupNotice, NatterClient } from '../../../src/peer/index.js';
import { isGroupEvent } from '../../../src/peer/index.js';
import { nextEvent } from '../../helpers/events.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { testWorld } from '../../helpers/world.js';

const said = (n: GroupNotice) =>
  'member' in n && 'by' in n ? `${n.by} ${n.kind} ${n.member}` : n.kind;

async function changesIn(c: NatterClient): Promise<string[]> {
  const { conversation } = await c.group('team');
  return (await c.timeline(conversation, 100)).filter(isGroupEvent).map((e) => said(e.notice));
}

describe('names in group changes that race a logout (integration, loopback)', function () {
  this.timeout(30_000);
  const world = testWorld();

  afterEach(async () => {
    await world.closeAll();
    await removeTempDirs();
  });

  it('names carol, added and removed while bob logged out, when bob comes back', async () => {
    const relay = await world.relayOn();
    const alice = await world.client('alice', relay);
    const bob = await world.client('bob', relay);
    const carol = await world.client('carol', relay);
    await Promise.all([alice, bob, carol].map((c) => c.connect()));
    const joined = nextEvent(bob, 'group:changed');
    await alice.createGroup('team', ['bob']);
    await joined;
    assert.equal(await alice.findUser('carol'), 'known');
    // Bob's question for carol's card is never answered: he is logging out meanwhile.
    const answer = world.forge((f) =>
      f.type === 'lookup-result' && f.card?.pseudonym === 'carol' ? null : f,
    );
    const told: string[] = [];
    bob.on('group:changed', (e) => told.push(said(e.notice)));
    await alice.addToGroup('team', 'carol');
    await alice.removeFromGroup('team', 'carol');
    await sleep(300);
    await bob.logout();
    assert.ok(!told.some((t) => t.includes('unknown')), told.join('; '));

    const again = await world.client('bob', relay, { profile: bob.profile });
    answer();
    await again.connect();
    await again.waitForInbox({ timeoutMs: 5_000 });
    for (let i = 0; i < 50 && !(await changesIn(again)).includes('alice removed carol'); i++)
      await sleep(50);
    assert.deepEqual((await changesIn(again)).slice(-2), [
      'alice added carol',
      'alice removed carol',
    ]);
  });
});
