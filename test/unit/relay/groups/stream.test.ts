/**
 * The durable group streams (src/relay/groups/stream.ts) on the in-memory store:
 * items stored once whatever the number of members, deleted once every member
 * has acknowledged them, rebuilt whole at open, and a refused change undone.
 */
import assert from 'node:assert/strict';
import { generateIdentity, type Identity } from '../../../../src/crypto/keys.js';
import { GroupRegistry } from '../../../../src/relay/groups/registry.js';
import { GroupStreams } from '../../../../src/relay/groups/stream.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from '../../../../src/relay/limits.js';
import { SEQ_RESTART_GAP } from '../../../../src/relay/mail-keys.js';
import { MemoryKv, RelayStore } from '../../../../src/relay/store/index.js';
import { toHex } from '../../../../src/util/bytes.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { silentLogger } from '../../../../src/util/logger.js';
import { decodeFrame } from '../../../../src/wire/codec.js';
import { FrameDecoder } from '../../../../src/wire/framing.js';
import { MAX_FRAME_BYTES } from '../../../../src/wire/limits.js';
import type { GroupChange } from '../../../../src/wire/types.js';
import { TestGroup } from '../../../helpers/groups.js';

const hex = (id: Identity) => toHex(id.signPk);
const tick = () => new Promise((r) => setImmediate(r));
const settle = async () => {
  for (let i = 0; i < 5; i++) await tick();
};

const people = Array.from({ length: 20 }, () => generateIdentity());
const [alice, bob, carol] = people as [Identity, Identity, Identity];

async function open(
  kv = new MemoryKv(),
  limits: Partial<RelayLimits> = {},
  clock = new ManualClock(),
) {
  const free = { bytes: null as number | null };
  const store = new RelayStore(kv, {
    dataDir: '/nonexistent',
    minFreeDiskBytes: 100,
    clock,
    log: silentLogger,
    freeBytes: async () => free.bytes,
  });
  const registered = new Set(people.map(hex));
  const registry = new GroupRegistry({
    maxGroupsPerUser: 10,
    maxGroupsAddedByOne: 10,
    isRegistered: (u) => registered.has(u),
  });
  const streams = new GroupStreams(store, registry, {
    limits: { ...DEFAULT_RELAY_LIMITS, ...limits },
    clock,
    log: silentLogger,
  });
  await streams.open();

  async function change(c: GroupChange, by = c.author) {
    const checked = registry.check(c, toHex(by));
    if (!checked.ok) throw new Error(`refused: ${checked.code}`);
    const appended = streams.appendChange(checked, c);
    if (appended.code !== 'queued') throw new Error(`refused: ${appended.code}`);
    return { appended, refusal: await appended.durable };
  }

  async function send(group: TestGroup, sender: Identity, text = 'hi') {
    const f = group.send(sender, text);
    const appended = streams.appendMessage(
      registry.get(group.gidHex)!,
      sender.signPk,
      f.msgId,
      f.body,
    );
    if (appended.code !== 'queued') return appended.code;
    return (await appended.durable)?.code ?? appended.item.gseq;
  }

  const keys = async (kind: string) =>
    (await kv.range({ gt: 'g1!', lt: 'g1!~', limit: 1e6 })).filter(
      ([k]) => k.split('!')[2] === kind,
    );

  return { kv, store, registry, streams, change, send, keys, free, clock };
}

describe('relay group streams', () => {
  it('stores each item once, whatever the number of members', async () => {
    const r = await open();
    const group = TestGroup.create(
      alice,
      'big',
      people.slice(1).map((p) => p.signPk),
    );
    await r.change(group.create);
    for (let i = 0; i < 10; i++) await r.send(group, people[i % 5]!);
    assert.equal((await r.keys('i')).length, 11, 'the create and ten messages, once each');
    assert.equal((await r.keys('c')).length, 0, 'no per-member record before an ack');
    assert.equal(r.streams.pending(group.gidHex), 11);
  });

  it('deletes an item once every member has acknowledged it, with one cursor put per member', async () => {
    const r = await open();
    const group = TestGroup.create(alice, 'team', [bob.signPk, carol.signPk]);
    await r.change(group.create);
    let last = 0;
    for (let i = 0; i < 5; i++) last = (await r.send(group, alice)) as number;
    for (const id of [alice, bob])
      for (let g = 1; g <= last; g++) r.streams.ack(group.gidHex, hex(id), g);
    await settle();
    assert.equal((await r.keys('i')).length, 6, 'carol has acknowledged nothing');
    assert.equal((await r.keys('c')).length, 2);
    r.streams.ack(group.gidHex, hex(carol), last - 2);
    await settle();
    assert.equal((await r.keys('i')).length, 2);
    assert.equal(r.streams.pending(group.gidHex), 2);
  });

  it('owes a removed member its removal item and nothing after it', async () => {
    const r = await open();
    const group = TestGroup.create(alice, 'team', [bob.signPk, carol.signPk]);
    await r.change(group.create);
    await r.send(group, bob);
    const removal = (await r.change(group.change(alice, { op: 'remove', target: carol.signPk })))
      .appended.item.gseq;
    await r.send(group, bob, 'after');
    const { items, done } = await r.streams.read(group.gidHex, hex(carol), 0, 100);
    assert.equal(done, true);
    assert.deepEqual(
      items.map((i) => i.gseq),
      [1, 2, removal],
    );
    assert.deepEqual(r.streams.trackedGroupsOf(hex(carol)), [group.gidHex]);
    r.streams.ack(group.gidHex, hex(carol), removal);
    await settle();
    assert.deepEqual(r.streams.trackedGroupsOf(hex(carol)), []);
  });

  it('starts an added member at its add item', async () => {
    const r = await open();
    const group = TestGroup.create(alice, 'team', [bob.signPk]);
    await r.change(group.create);
    await r.send(group, bob, 'before');
    const add = (await r.change(group.change(alice, { op: 'add', target: carol.signPk }))).appended;
    await r.send(group, bob, 'after');
    assert.equal(r.streams.cursorOf(group.gidHex, hex(carol)), add.item.gseq - 1);
    const { items } = await r.streams.read(group.gidHex, hex(carol), add.item.gseq - 1, 100);
    const frames = items.map((i) =>
      decodeFrame(new FrameDecoder(MAX_FRAME_BYTES).push(i.framed)[0]!),
    );
    assert.deepEqual(
      frames.map((f) => (f.type === 'group-deliver' ? f.item.kind : f.type)),
      ['change', 'message'],
    );
  });

  it('rebuilds logs, items and cursors at open, and never reuses a gseq', async () => {
    const first = await open();
    const group = TestGroup.create(alice, 'team', [bob.signPk, carol.signPk]);
    await first.change(group.create);
    await first.send(group, bob);
    await first.change(group.change(alice, { op: 'remove', target: carol.signPk }));
    const last = (await first.send(group, bob)) as number;
    first.streams.ack(group.gidHex, hex(bob), last);
    await first.streams.close();
    await first.store.close();
    await first.kv.open();

    const again = await open(first.kv);
    const state = again.registry.get(group.gidHex)?.state;
    assert.equal(state?.epoch, 1);
    assert.equal(state?.members.length, 2);
    assert.equal(again.streams.cursorOf(group.gidHex, hex(bob)), last);
    assert.equal(again.streams.cursorOf(group.gidHex, hex(alice)), 0);
    assert.equal(again.streams.pending(group.gidHex), 4);
    assert.deepEqual(again.streams.trackedGroupsOf(hex(carol)), [group.gidHex]);
    const next = (await again.send(group, alice)) as number;
    assert.ok(next > last + SEQ_RESTART_GAP - 1, `gseq ${next} moved past the restart gap`);
    const log = await again.streams.readLog(group.gidHex, 0, 10);
    assert.equal(log.changes.length, 2);
  });

  it('refuses a message beyond maxPendingGroupMessages with recipient-quota', async () => {
    const r = await open(undefined, { maxPendingGroupMessages: 3 });
    const group = TestGroup.create(alice, 'team', [bob.signPk]);
    await r.change(group.create);
    assert.equal(typeof (await r.send(group, alice)), 'number');
    assert.equal(typeof (await r.send(group, alice)), 'number');
    assert.equal(await r.send(group, alice), 'recipient-quota');
    // A change still goes through: removing the member who holds everything is the cure.
    await r.change(group.change(alice, { op: 'remove', target: bob.signPk }));
  });

  it('refuses a message that would take the group past maxPendingGroupBytes', async () => {
    const r = await open(undefined, { maxPendingGroupBytes: 2000 });
    const group = TestGroup.create(alice, 'team', [bob.signPk]);
    await r.change(group.create);
    assert.equal(typeof (await r.send(group, alice, 'x'.repeat(600))), 'number');
    assert.equal(await r.send(group, alice, 'x'.repeat(1500)), 'recipient-quota');
  });

  it('drops items older than the mail TTL, and owes a departed member nothing once its items are gone', async () => {
    const clock = new ManualClock();
    const r = await open(undefined, { mailTtlMs: 1000 }, clock);
    const group = TestGroup.create(alice, 'team', [bob.signPk, carol.signPk]);
    await r.change(group.create);
    await r.send(group, alice);
    await r.change(group.change(alice, { op: 'remove', target: carol.signPk }));
    clock.advance(2000);
    assert.equal(r.streams.sweep(), 3);
    await settle();
    assert.equal((await r.keys('i')).length, 0);
    assert.deepEqual(r.streams.trackedGroupsOf(hex(carol)), []);
  });

  it('undoes a change whose write failed: the group is what the store holds', async () => {
    const r = await open();
    const group = TestGroup.create(alice, 'team', [bob.signPk]);
    await r.change(group.create);
    r.kv.failWrites = 1;
    const add = group.sign(alice, { op: 'add', target: carol.signPk });
    const { refusal } = await r.change(add);
    assert.equal(refusal?.code, 'internal');
    await r.store.whenOpen();
    await settle();
    assert.equal(r.registry.get(group.gidHex)?.state.members.length, 2);
    assert.equal(r.registry.groupsOf(hex(carol)).size, 0);
    // The same change goes through once the store is back.
    assert.equal((await r.change(add)).refusal, null);
  });

  it('undoes a change refused for a full disk without closing the store', async () => {
    const r = await open();
    const group = TestGroup.create(alice, 'team', [bob.signPk]);
    await r.change(group.create);
    r.free.bytes = 0;
    const { refusal } = await r.change(group.sign(alice, { op: 'add', target: carol.signPk }));
    assert.equal(refusal?.code, 'disk-full');
    await settle();
    assert.equal(r.streams.available(group.gidHex), true);
    assert.equal(r.registry.get(group.gidHex)?.state.members.length, 2);
    assert.equal(r.streams.pending(group.gidHex), 1);
  });
});
