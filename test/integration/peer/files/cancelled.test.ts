/**
 * An offer its sender cancelled is told to its recipients (files/cancels.ts): a files trial's
 * `natter files` said `offered` for a file the sender had cancelled, until an accept met
 * E_FILE_UNKNOWN.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatterClient, OfferInfo } from '../../../../src/peer/index.js';
import { nextEvent } from '../../../helpers/events.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';
import { testWorld } from '../../../helpers/world.js';
import { awayPair, filePair, fileTeam } from './helpers.js';

/** `client`'s offer `id` once its state is no longer 'offered' (polled: the write is async). */
async function settled(client: NatterClient, id: string, timeoutMs = 10_000): Promise<OfferInfo> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const o = client.fileOffers().find((x) => x.id === id);
    if (o !== undefined && o.state !== 'offered') return o;
    if (Date.now() > until) throw new Error(`offer ${id} is still ${o?.state ?? 'not here'}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function assertCancelled(o: OfferInfo | undefined): void {
  assert.equal(o?.state, 'failed');
  assert.equal(o?.error?.code, 'E_FILE_CANCELLED');
  assert.match(o?.error?.message ?? '', /the sender cancelled it/);
}

describe('an offer its sender cancelled (real relay)', function () {
  this.timeout(60_000);
  const world = testWorld();

  afterEach(async () => {
    await world.closeAll();
    await removeTempDirs();
  });

  it('is said at once to a recipient who is connected, as cancelled by the sender', async () => {
    const { alice, bob } = await filePair(world);
    const src = await makeTempDir('natter-src-');
    await writeFile(join(src, 'oops.txt'), 'oops');
    const offered = nextEvent(bob, 'file:offer', (o) => o.name === 'oops.txt', 10_000);
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'oops.txt')]);
    await alice.waitForTransfer(sent.id);
    assert.equal((await offered).state, 'offered');
    const finished = nextEvent(bob, 'transfer:finished', (t) => t.id === sent.id, 10_000);
    await alice.cancelTransfer(sent.id);
    const t = await finished;
    assert.equal(t.error?.code, 'E_FILE_CANCELLED');
    assertCancelled(await settled(bob, sent.id));
  });

  it('refuses an accept of it at once, E_FILE_CANCELLED, without asking the relay (which answered E_FILE_UNKNOWN)', async () => {
    const { alice, bob } = await filePair(world);
    const src = await makeTempDir('natter-src-');
    await writeFile(join(src, 'gone.txt'), 'gone');
    const offered = nextEvent(bob, 'file:offer', (o) => o.name === 'gone.txt', 10_000);
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'gone.txt')]);
    await alice.waitForTransfer(sent.id);
    await offered;
    await alice.cancelTransfer(sent.id);
    await settled(bob, sent.id);
    await assert.rejects(bob.acceptFile(sent.id), {
      code: 'E_FILE_CANCELLED',
      message: /^accept: gone\.txt: the sender cancelled it$/,
    });
    assert.deepEqual(bob.transfers(), [], 'no download was begun');
    assertCancelled(bob.fileOffers().find((o) => o.id === sent.id));
  });

  it('reaches a recipient who was away, with the offer, and stays so after a restart', async () => {
    const { alice, src, bobBack } = await awayPair(world);
    await writeFile(join(src, 'late.txt'), 'late');
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'late.txt')]);
    await alice.waitForTransfer(sent.id);
    await alice.cancelTransfer(sent.id);
    assert.equal(await alice.flush(10_000), true, "alice's outbox empties");
    const again = await bobBack();
    await again.connect();
    assertCancelled(await settled(again, sent.id));
    await again.close();
    const third = await bobBack();
    assertCancelled(third.fileOffers().find((o) => o.id === sent.id));
    // Not connected: the profile alone says so (no E_RELAY_NO_FILES for want of a relay).
    await assert.rejects(third.acceptFile(sent.id), { code: 'E_FILE_CANCELLED' });
  });

  it("reaches each member of a group's offer, whichever comes first, the offer or its cancel", async () => {
    const { relay, alice, bob, carol } = await fileTeam(world);
    const bobProfile = (bob as never as { profile: never }).profile;
    await bob.close();
    const src = await makeTempDir('natter-src-');
    await writeFile(join(src, 'team.txt'), 'team');
    const offered = nextEvent(carol, 'file:offer', (o) => o.name === 'team.txt', 10_000);
    const sent = await alice.sendFile({ group: 'team' }, [join(src, 'team.txt')]);
    await alice.waitForTransfer(sent.id);
    await offered;
    await alice.cancelTransfer(sent.id);
    assert.equal(await alice.flush(10_000), true, "alice's outbox empties");
    assertCancelled(await settled(carol, sent.id));
    const again = await world.client('bob', relay, { profile: bobProfile });
    await again.connect();
    assertCancelled(await settled(again, sent.id));
  });
});
