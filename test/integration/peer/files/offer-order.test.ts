/**
 * Offers fetched in one batch keep the order they were offered in (a files trial: `natter
 * files` listed them by transfer id, as they all arrived at the same moment; then in the
 * relay's order, which pushes a group's offers apart from 1:1 mail).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nextEvent } from '../../../helpers/events.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';
import { testWorld } from '../../../helpers/world.js';
import { awayPair, fileTeam } from './helpers.js';

const NAMES = ['one.txt', 'two.txt', 'three.txt', 'four.txt', 'five.txt', 'six.txt'];

describe('offers fetched together (real relay)', function () {
  this.timeout(60_000);
  const world = testWorld();

  afterEach(async () => {
    await world.closeAll();
    await removeTempDirs();
  });

  it('lists offers fetched in one batch in the order they were offered, before and after a restart', async () => {
    const { alice, src, bobBack } = await awayPair(world);
    for (const name of NAMES) {
      await writeFile(join(src, name), name);
      const sent = await alice.sendFile({ to: 'bob' }, [join(src, name)]);
      assert.equal((await alice.waitForTransfer(sent.id)).state, 'done');
    }
    const again = await bobBack();
    const last = nextEvent(again, 'file:offer', (o) => o.name === NAMES.at(-1), 10_000);
    await again.connect();
    await last;
    assert.deepEqual(
      again.fileOffers().map((o) => o.name),
      NAMES,
    );
    await again.close();
    const third = await bobBack();
    assert.deepEqual(
      third.fileOffers().map((o) => o.name),
      NAMES,
      'after a restart too',
    );
  });

  it("lists a group's offers and 1:1 offers fetched together in the order they were offered, not the relay's", async () => {
    const { relay, alice, bob } = await fileTeam(world);
    const profile = (bob as never as { profile: never }).profile;
    await bob.close();
    const src = await makeTempDir('natter-src-');
    // To the group, to bob alone, to the group: the relay pushes 1:1 mail and the group's
    // stream each in its own order, so either way one of them comes out of turn.
    const sends = [
      { name: 'a-group.txt', to: { group: 'team' } },
      { name: 'b-bob.txt', to: { to: 'bob' } },
      { name: 'c-group.txt', to: { group: 'team' } },
    ];
    for (const s of sends) {
      await writeFile(join(src, s.name), s.name);
      const sent = await alice.sendFile(s.to, [join(src, s.name)]);
      assert.equal((await alice.waitForTransfer(sent.id)).state, 'done');
    }
    const again = await world.client('bob', relay, { profile });
    const names = sends.map((s) => s.name);
    const all = new Promise<void>((resolve) => {
      const seen = new Set<string>();
      again.on('file:offer', (o) => {
        seen.add(o.name);
        if (names.every((n) => seen.has(n))) resolve();
      });
    });
    await again.connect();
    await all;
    assert.deepEqual(
      again.fileOffers().map((o) => o.name),
      names,
    );
    const sentAt = again.fileOffers().map((o) => o.sentAtMs);
    assert.deepEqual(
      [...sentAt].sort((x, y) => x - y),
      sentAt,
      'sentAtMs is the order',
    );
  });
});
