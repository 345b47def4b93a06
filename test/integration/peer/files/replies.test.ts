/**
 * A recipient's answer reaches the file's sender (docs/files.md, "Answers"): received or
 * declined, as an end-to-end message, kept with the upload and announced; waiting on the
 * relay while the sender is away. A real relay and real clients on loopback.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { NatterClient } from '../../../../src/peer/client.js';
import { nextEvent } from '../../../helpers/events.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';
import { testWorld } from '../../../helpers/world.js';
import { waitFor } from '../../presence/helpers.js';
import { filePair, fileTeam, writePattern } from './helpers.js';

describe("a file's recipients answer its sender", function () {
  this.timeout(60_000);
  const world = testWorld();

  afterEach(async () => {
    await world.closeAll();
    await removeTempDirs();
  });

  const pair = () => filePair(world);

  async function offer(alice: NatterClient, bob: NatterClient, name: string) {
    const src = await makeTempDir('natter-src-');
    await writePattern(join(src, name), 200_000, 3);
    const offered = nextEvent(bob, 'file:offer', (o) => o.name === name, 10_000);
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, name)]);
    return { sent, offered: await offered };
  }

  it('tells the sender the file was received, once', async () => {
    const { alice, bob } = await pair();
    const { sent, offered } = await offer(alice, bob, 'report.pdf');
    const replied = nextEvent(alice, 'file:reply', (r) => r.transfer.id === sent.id, 10_000);
    await bob.acceptFile(offered.id);
    assert.equal((await bob.waitForTransfer(offered.id)).state, 'done');
    const r = await replied;
    assert.deepEqual(r.reply, { name: 'bob', outcome: 'received' });
    assert.equal(r.conversation, '@bob');
    assert.deepEqual(r.transfer.replies, [{ name: 'bob', outcome: 'received' }]);
    const up = alice.transfers().find((t) => t.id === sent.id);
    assert.deepEqual(up?.replies, [{ name: 'bob', outcome: 'received' }]);
    // Not a message anyone reads: nothing in either history but the offer.
    const history = await alice.conversation('bob');
    assert.deepEqual(
      history.map((e) => e.direction),
      ['out'],
    );
  });

  it('tells the sender the file was declined', async () => {
    const { alice, bob } = await pair();
    const { sent, offered } = await offer(alice, bob, 'spam.bin');
    const replied = nextEvent(alice, 'file:reply', (r) => r.transfer.id === sent.id, 10_000);
    await bob.declineFile(offered.id);
    assert.deepEqual((await replied).reply, { name: 'bob', outcome: 'declined' });
  });

  it('keeps the answer on the relay while the sender is away, and keeps it in the profile', async () => {
    const { relay, alice, bob } = await pair();
    const { sent, offered } = await offer(alice, bob, 'later.bin');
    await alice.waitForTransfer(sent.id);
    const profile = (alice as NatterClient & { profile: never }).profile;
    await alice.close();
    await bob.declineFile(offered.id);
    const again = await world.client('alice', relay, { profile });
    const replied = nextEvent(again, 'file:reply', (r) => r.transfer.id === sent.id, 10_000);
    await again.connect();
    assert.deepEqual((await replied).reply, { name: 'bob', outcome: 'declined' });
    await again.close();
    const third = await world.client('alice', relay, { profile });
    const up = third.transfers().find((t) => t.id === sent.id);
    assert.deepEqual(up?.replies, [{ name: 'bob', outcome: 'declined' }]);
  });

  it("takes each group member's answer, told in the group's conversation", async () => {
    const { alice, bob, carol, group } = await fileTeam(world);
    await bob.setFileSettings({ downloadDir: await makeTempDir('natter-dl-') });
    const src = await makeTempDir('natter-src-');
    await writePattern(join(src, 'slides.pdf'), 100_000, 5);
    const offers = [bob, carol].map((c) =>
      nextEvent(c, 'file:offer', (o) => o.name === 'slides.pdf', 10_000),
    );
    const sent = await alice.sendFile({ group: 'team' }, [join(src, 'slides.pdf')]);
    const heard: string[] = [];
    alice.on('file:reply', (r) => {
      assert.equal(r.conversation, group.conversation);
      heard.push(`${r.reply.name} ${r.reply.outcome}`);
    });
    const [atBob, atCarol] = await Promise.all(offers);
    await bob.acceptFile(atBob!.id);
    await carol.declineFile(atCarol!.id);
    await bob.waitForTransfer(atBob!.id);
    await waitFor(() => heard.length === 2, 10_000, 'both answers');
    assert.deepEqual(heard.sort(), ['bob received', 'carol declined']);
    const up = alice.transfers().find((t) => t.id === sent.id);
    assert.equal(up?.replies.length, 2);
  });
});
