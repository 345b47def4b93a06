/**
 * A group stopped at the held bound resumes in the same session (GroupResend,
 * docs/decisions.md "A stopped group resumes within the session"): sybil comes back to a
 * backlog of rupert's messages larger than she holds while his key has not come; her
 * stream of the group stops. When the key comes, the held messages open and the rest
 * arrive without a new session, each once and in order. Over a standalone relay, and
 * over a cluster's relays (sybil on one, rupert on the other) where nats-server is here.
 */
import assert from 'node:assert/strict';
import { Groups } from '../../../src/peer/groups/groups.js';
import { heldCost } from '../../../src/peer/groups/held.js';
import { nextEvent } from '../../helpers/events.js';
import { labBacklog } from '../../helpers/group-backlog.js';
import { type NatsNode, natsServerPath, startNats } from '../../helpers/nats.js';
import type { TestProfile } from '../../helpers/profile.js';
import type { TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { testWorld } from '../../helpers/world.js';
import { waitFor } from '../presence/helpers.js';

/** Room for about 20 of the messages below while rupert's key has not come. */
const MAX_HELD = 20 * (heldCost({ body: new Uint8Array(150) }) + 20);
const LINES = 60;

/**
 * Holds every sender-key share a client takes from its 1:1 mail until `open()`: the key
 * "comes" when the test says, after the group's stream stopped. Only sybil is connected
 * then, so only her shares wait.
 */
function holdKeys() {
  const original = Groups.prototype.acceptShares;
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let waiting = 0;
  Groups.prototype.acceptShares = async function (this: Groups, shares) {
    waiting++;
    await gate;
    return original.call(this, shares);
  };
  return {
    get waiting() {
      return waiting;
    },
    open,
    undo: () => {
      Groups.prototype.acceptShares = original;
      open();
    },
  };
}

type World = ReturnType<typeof testWorld>;

/** `relays`: where rupert sends and where sybil reads (the same relay, or two of a cluster). */
function scenario(relays: (world: World) => Promise<{ near: TestRelay; far: TestRelay }>) {
  const world = testWorld();
  let keys: ReturnType<typeof holdKeys> | null = null;

  afterEach(async () => {
    keys?.undo();
    keys = null;
    await world.closeAll();
    await removeTempDirs();
  });

  /** #lab of quinn, rupert and sybil; sybil away while rupert sends LINES lines; then only she is connected. */
  async function backlog(): Promise<{
    far: TestRelay;
    lines: string[];
    sybilProfile: TestProfile;
  }> {
    const at = await relays(world);
    const { quinn, rupert, sybilProfile, lines } = await labBacklog(world, at, LINES);
    await Promise.all([quinn.close(), rupert.close()]);
    return { far: at.far, lines, sybilProfile };
  }

  it('takes the messages after the stop in the same session once the key came, in order, once each', async () => {
    const { far, lines, sybilProfile } = await backlog();
    keys = holdKeys();
    const sybil = await world.client('sybil', far, {
      profile: sybilProfile,
      maxHeldGroupBytes: MAX_HELD,
    });
    const texts: string[] = [];
    const damaged: string[] = [];
    let sessions = 0;
    sybil.on('message:received', (m) => texts.push(m.text));
    sybil.on('message:damaged', (d) => damaged.push(d.reason));
    sybil.on('connection:state', (s) => {
      if (s.state === 'ready') sessions++;
    });
    const stopped = nextEvent(sybil, 'conversation:notice', (n) => n.kind === 'held', 30_000);
    await sybil.connect();
    const notice = await stopped;
    assert.equal(notice.resumes, true, 'the relay sends the rest again: the notice says so');
    assert.ok(notice.missing > 0 && notice.missing < LINES, `${notice.missing} waiting`);
    await waitFor(() => keys!.waiting > 0, 10_000, "rupert's key arrived (held back)");
    assert.deepEqual(texts, [], 'nothing opens before the key');

    keys.open();
    await waitFor(() => texts.length >= LINES, 30_000, `all ${LINES} lines (${texts.length})`);
    await sybil.waitForInbox({ idleMs: 300 });
    assert.deepEqual(texts, lines);
    assert.deepEqual(damaged, []);
    assert.equal(sessions, 1, 'one session: nothing came from reconnecting');
  });
}

describe('a group stopped at the held bound resumes in the session (integration, loopback)', function () {
  this.timeout(120_000);
  scenario(async (world) => {
    const relay = await world.relayOn();
    return { near: relay, far: relay };
  });
});

(natsServerPath ? describe : describe.skip)(
  'a group stopped at the held bound resumes in the session, over a cluster (integration)',
  function () {
    this.timeout(120_000);
    let nats: NatsNode | null = null;
    scenario(async (world) => {
      nats = await startNats();
      const cluster = { servers: [nats.url] };
      return { near: await world.relayOn({ cluster }), far: await world.relayOn({ cluster }) };
    });
    // After the scenario's own (its clients and relays first).
    afterEach(async () => {
      await nats?.stop();
      nats = null;
    });
  },
);
