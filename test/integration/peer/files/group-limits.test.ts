/**
 * A group's file and the members' size limits (docs/files.md "Through the relay"): a member
 * over their limit is left out of it, everybody else gets it, and the sender is told who
 * will not, once. A real relay and real clients on loopback.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nextEvent } from '../../../helpers/events.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';
import { testWorld } from '../../../helpers/world.js';
import { waitFor } from '../../presence/helpers.js';
import { fileTeam, writePattern } from './helpers.js';

describe("a group's file and its members' size limits", function () {
  this.timeout(60_000);
  const world = testWorld();

  afterEach(async () => {
    await world.closeAll();
    await removeTempDirs();
  });

  it('leaves out a member over their limit, gives it to the others, and tells the sender who, once', async () => {
    const { alice, bob, carol } = await fileTeam(world);
    await bob.setFileSettings({ downloadDir: await makeTempDir('natter-dl-') });
    await carol.setFileSettings({ maxIncomingBytes: 1000 });
    // The FilePolicy goes out with the change; give the relay a moment to apply it.
    await sleep(200);
    const src = await makeTempDir('natter-src-');
    await writePattern(join(src, 'slides.pdf'), 5000, 5);
    const offers = [bob, carol].map((c) =>
      nextEvent(c, 'file:offer', (o) => o.name === 'slides.pdf', 10_000),
    );
    const heard: string[] = [];
    alice.on('file:reply', (r) => heard.push(`${r.reply.name} ${r.reply.outcome}`));
    const sent = await alice.sendFile({ group: 'team' }, [join(src, 'slides.pdf')]);
    assert.deepEqual(sent.leftOut, ['carol']);
    const [atBob, atCarol] = await Promise.all(offers);
    // Carol's own client declines it over her limit, as ever.
    assert.equal(atCarol!.state, 'declined');
    await bob.acceptFile(atBob!.id);
    assert.equal((await bob.waitForTransfer(atBob!.id)).state, 'done');
    await waitFor(() => heard.length >= 1, 10_000, "bob's answer");
    // Carol's decline is on its way too: it must not be said a second time.
    await sleep(1000);
    assert.deepEqual(heard, ['bob received']);
    const up = alice.transfers().find((t) => t.id === sent.id);
    assert.deepEqual(up?.leftOut, ['carol']);
    assert.deepEqual(up?.replies, [{ name: 'bob', outcome: 'received' }]);
    // Nor later, to a UI that takes the answers it was not shown.
    const untold = await alice.takeFileReplies();
    assert.deepEqual(
      untold.map((r) => r.reply.name),
      ['bob'],
    );
  });

  it('refuses a group file that no member accepts: E_FILE_TOO_LARGE', async () => {
    const { alice, bob, carol } = await fileTeam(world);
    await bob.setFileSettings({ maxIncomingBytes: 1000 });
    await carol.setFileSettings({ maxIncomingBytes: 1000 });
    await sleep(200);
    const src = await makeTempDir('natter-src-');
    await writePattern(join(src, 'big.bin'), 5000, 6);
    await assert.rejects(alice.sendFile({ group: 'team' }, [join(src, 'big.bin')]), {
      code: 'E_FILE_TOO_LARGE',
    });
    assert.deepEqual(alice.transfers(), []);
  });

  it('lists a group file under the group name it has now, after a rename', async () => {
    const { alice, bob } = await fileTeam(world);
    const src = await makeTempDir('natter-src-');
    await writePattern(join(src, 'notes.txt'), 3000, 7);
    const offered = nextEvent(bob, 'file:offer', (o) => o.name === 'notes.txt', 10_000);
    const sent = await alice.sendFile({ group: 'team' }, [join(src, 'notes.txt')]);
    const offer = await offered;
    assert.equal(offer.group, 'team');
    await alice.renameGroup('team', 'crew');
    await waitFor(
      () => bob.fileOffers().find((o) => o.id === offer.id)?.group === 'crew',
      10_000,
      "bob's list under the new name",
    );
    assert.equal(alice.transfers().find((t) => t.id === sent.id)?.peer, '#crew');
  });
});
