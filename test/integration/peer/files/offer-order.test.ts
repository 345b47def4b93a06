/**
 * Offers fetched in one batch keep the order they were offered in (a files trial: `natter
 * files` listed them by transfer id, as they all arrived at the same moment).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nextEvent } from '../../../helpers/events.js';
import { removeTempDirs } from '../../../helpers/tmp.js';
import { testWorld } from '../../../helpers/world.js';
import { awayPair } from './helpers.js';

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
});
