/**
 * A send whose link is lost before the relay answered its first FilePut (a QA trial: the
 * relay stopped 0.6 s into `send-file` of a large file, and the send failed E_OFFLINE and
 * was in neither `outbox` nor `transfers`): it is queued as any upload cut later is, waits
 * for the relay, and resumes; the recipient gets the offer once the relay holds the file.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { removeTempDirs } from '../../../helpers/tmp.js';
import { testWorld } from '../../../helpers/world.js';
import { type CutProxy, proxiedSender, sha256File, writePattern } from './helpers.js';

const MiB = 1024 * 1024;

describe('file transfer: the link lost at the first put', function () {
  this.timeout(60_000);
  const world = testWorld();
  const proxies: CutProxy[] = [];

  afterEach(async () => {
    await world.closeAll();
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await removeTempDirs();
  });

  it('queues the send, says it waits for the relay, then finishes and bob receives it', async () => {
    const { proxy, alice, bob, src } = await proxiedSender(world, proxies);
    const hash = await writePattern(join(src, 'big.bin'), 2 * MiB + 3, 5);
    // The first bytes alice writes after this are the FilePut: the link goes with them,
    // before the relay's answer comes back.
    proxy.when('up', proxy.up + 1, () => proxy.cut());
    const received = new Promise<string>((resolve) =>
      bob.on('file:received', (o) => resolve(o.savedAs ?? '')),
    );
    const sent = await alice.sendFile({ to: 'bob' }, [join(src, 'big.bin')]);
    assert.equal(sent.state, 'waiting');
    assert.ok(
      alice.transfers().some((t) => t.id === sent.id),
      'the send is listed while it waits',
    );
    const up = await alice.waitForTransfer(sent.id);
    assert.equal(up.state, 'done', JSON.stringify(up.error));
    assert.equal(await sha256File(await received), hash);
  });
});
