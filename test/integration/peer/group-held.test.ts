/**
 * A member away while a sender's messages pile up in the group, more of them than the
 * client holds sealed while it waits for that sender's key (the trial: 1,200 lines sent
 * with `natter send --group lab --each-line`, 200 of them reported as forged and gone).
 * The key comes in 1:1 mail, the messages in the group's stream; whichever comes first,
 * every message must arrive once, in order, and none is reported as damaged. Over the
 * bound, a relay that serves GroupResend sends the rest in the same session
 * (group-held-resend.test.ts); one from before sends it at the next.
 */
import assert from 'node:assert/strict';
import { heldCost } from '../../../src/peer/groups/held.js';
import type { NatterClient } from '../../../src/peer/index.js';
import { RELAY_FEATURE_GROUP_RESEND } from '../../../src/wire/limits.js';
import { forgeRelayFrames } from '../../helpers/forging-relay.js';
import { labBacklog } from '../../helpers/group-backlog.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { testWorld } from '../../helpers/world.js';

describe('a group backlog larger than what waits for its key (integration, loopback)', function () {
  this.timeout(120_000);
  const world = testWorld();
  let undo = () => {};

  afterEach(async () => {
    undo();
    undo = () => {};
    await world.closeAll();
    await removeTempDirs();
  });

  /** The relay's Challenge without RELAY_FEATURE_GROUP_RESEND, as a relay from before sends it. */
  function relayFromBefore(): void {
    undo = forgeRelayFrames((f) =>
      f.type === 'challenge' ? { ...f, features: f.features & ~RELAY_FEATURE_GROUP_RESEND } : f,
    );
  }

  /** quinn makes #lab with rupert and sybil, sybil away; rupert sends `n` lines. */
  async function backlog(n: number) {
    const relay = await world.relayOn();
    const { sybilProfile, lines } = await labBacklog(world, { near: relay, far: relay }, n);
    return { relay, sybilProfile, lines };
  }

  /** As `natter inbox` does, until one brings nothing new: the texts each run took. */
  async function inboxRuns(
    open: () => Promise<NatterClient>,
  ): Promise<{ texts: string[]; damaged: string[]; perRun: number[] }> {
    const texts: string[] = [];
    const damaged: string[] = [];
    const perRun: number[] = [];
    while (perRun.length < 5) {
      const c = await open();
      c.on('message:damaged', (d) => damaged.push(`${d.reason} ${d.seq}`));
      await c.connect();
      await c.waitForInbox();
      const got = (await c.takeUnread()).map((m) => m.text);
      damaged.push(...(await c.takeDamaged()).map((d) => `taken ${d.reason} ${d.seq}`));
      await c.close();
      perRun.push(got.length);
      if (got.length === 0) break;
      texts.push(...got);
    }
    return { texts, damaged, perRun };
  }

  it('keeps every one of 1,200 messages whose key comes after them, in order, none damaged', async () => {
    const { relay, sybilProfile, lines } = await backlog(1200);
    const { texts, damaged } = await inboxRuns(() =>
      world.client('sybil', relay, { profile: sybilProfile }),
    );
    assert.deepEqual(damaged, []);
    assert.deepEqual(texts, lines);
  });

  it('loses none over the bound: with a relay from before GroupResend, the first run takes what could wait for the key, the next the rest', async () => {
    const { relay, sybilProfile, lines } = await backlog(60);
    relayFromBefore();
    // Room for about 20 of these messages while rupert's key has not come.
    const maxHeldGroupBytes = 20 * (heldCost({ body: new Uint8Array(150) }) + 20);
    const { texts, damaged, perRun } = await inboxRuns(() =>
      world.client('sybil', relay, { profile: sybilProfile, maxHeldGroupBytes }),
    );
    assert.deepEqual(damaged, []);
    assert.deepEqual(texts, lines);
    assert.equal(perRun.length, 3, `the bound was reached: ${perRun.join(', ')} a run`);
    assert.ok(perRun[0]! > 0 && perRun[0]! < 60, `first run ${perRun[0]}`);
  });

  it('takes all of them in one run over the bound when the relay sends the rest again (GroupResend)', async () => {
    const { relay, sybilProfile, lines } = await backlog(60);
    const maxHeldGroupBytes = 20 * (heldCost({ body: new Uint8Array(150) }) + 20);
    const { texts, damaged, perRun } = await inboxRuns(() =>
      world.client('sybil', relay, { profile: sybilProfile, maxHeldGroupBytes }),
    );
    assert.deepEqual(damaged, []);
    assert.deepEqual(texts, lines);
    assert.deepEqual(perRun, [60, 0]);
  });

  it('tells the user the group stopped at the bound, once, and how many wait for the key', async () => {
    const { relay, sybilProfile } = await backlog(60);
    relayFromBefore();
    const maxHeldGroupBytes = 20 * (heldCost({ body: new Uint8Array(150) }) + 20);
    const c = await world.client('sybil', relay, { profile: sybilProfile, maxHeldGroupBytes });
    const live: string[] = [];
    c.on('conversation:notice', (n) => live.push(`${n.kind} ${n.group?.name}`));
    await c.connect();
    await c.waitForInbox();
    const kept = await c.takeNotices();
    await c.close();
    assert.deepEqual(live, ['held lab']);
    assert.equal(kept.length, 1);
    assert.equal(kept[0]?.kind, 'held');
    assert.ok(kept[0]!.missing > 0 && kept[0]!.missing < 60, `${kept[0]?.missing} waiting`);
    assert.equal(kept[0]?.from.pseudonym, 'rupert');
    assert.equal(kept[0]?.resumes, false, 'the rest comes at the next connection');
  });
});
