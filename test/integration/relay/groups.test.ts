/**
 * Groups through a real relay on loopback (issue 11, docs/groups.md "Relay"),
 * with raw protocol clients: signed changes, sealed group messages stored once,
 * members offline and back, removal, refusals with their codes, limits, restart.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateIdentity, type Identity } from '../../../src/crypto/keys.js';
import { LevelKv } from '../../../src/relay/store/index.js';
import { toHex } from '../../../src/util/bytes.js';
import type { Frame, FrameOf, GroupChange } from '../../../src/wire/types.js';
import { changeRequest, TestGroup } from '../../helpers/groups.js';
import { RawClient } from '../../helpers/raw-client.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';

type Deliver = FrameOf<'group-deliver'>;

interface User {
  id: Identity;
  name: string;
  client: RawClient;
}

describe('relay groups (integration, loopback)', () => {
  let relay: TestRelay;
  const clients: RawClient[] = [];
  let requestId = 1;

  async function start(limits = {}, dataDir?: string) {
    relay = await startTestRelay({ limits, ...(dataDir ? { dataDir } : {}) });
  }

  async function user(
    name: string,
    id = generateIdentity(),
    mode: 'register' | 'login' = 'register',
  ): Promise<User> {
    const { client } = await RawClient.login(relay.port, id, name, mode);
    clients.push(client);
    return { id, name, client };
  }

  async function users(...names: string[]): Promise<User[]> {
    return Promise.all(names.map((n) => user(n)));
  }

  async function back(u: User): Promise<User> {
    return user(u.name, u.id, 'login');
  }

  async function change(u: User, c: GroupChange): Promise<FrameOf<'group-change-result'>> {
    const id = requestId++;
    u.client.send(changeRequest(c, id));
    const f = await u.client.next((x) => x.type === 'group-change-result' && x.requestId === id);
    return f as FrameOf<'group-change-result'>;
  }

  async function applied(u: User, group: TestGroup, c: GroupChange): Promise<number> {
    const result = await change(u, c);
    assert.equal(result.code, '', `refused: ${result.code} ${result.reason}`);
    if (group.log[group.log.length - 1] !== c && c.op !== 'create') group.apply(c);
    return result.gseq;
  }

  async function send(u: User, f: FrameOf<'group-send'>): Promise<FrameOf<'send-ack'>> {
    u.client.send(f);
    const ack = await u.client.next(
      (x) => x.type === 'send-ack' && Buffer.from(x.msgId).equals(Buffer.from(f.msgId)),
    );
    return ack as FrameOf<'send-ack'>;
  }

  /** The next `n` group items `u` receives for `group`, in arrival order. */
  async function items(u: User, group: TestGroup, n: number): Promise<Deliver[]> {
    const out: Deliver[] = [];
    for (let i = 0; i < n; i++) {
      const f = await u.client.next(
        (x) => x.type === 'group-deliver' && toHex(x.groupId) === group.gidHex,
      );
      out.push(f as Deliver);
    }
    return out;
  }

  const isMsg = (f: Deliver, msgId: Uint8Array) =>
    f.item.kind === 'message' && Buffer.from(f.item.msgId).equals(Buffer.from(msgId));

  function ack(u: User, group: TestGroup, through: number) {
    u.client.send({ type: 'group-ack', groupId: group.groupId, throughGseq: through });
  }

  /** No group item for `u` within a short wait. */
  async function nothingFor(u: User, ms = 150) {
    await new Promise((r) => setTimeout(r, ms));
    assert.equal(u.client.frames.filter((f: Frame) => f.type === 'group-deliver').length, 0);
  }

  async function countKeys(dir: string, kind: 'i' | 'c' | 'l') {
    const kv = await LevelKv.open(dir);
    try {
      const all = await kv.range({ gt: 'g1!', lt: 'g1!~', limit: 1_000_000 });
      return all.filter(([k]) => k.split('!')[2] === kind).length;
    } finally {
      await kv.close();
    }
  }

  beforeEach(() => start());

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await relay.close();
  });

  after(removeTempDirs);

  it('carries a three-member group both ways, every member seeing one gseq order', async () => {
    const [alice, bob, carol] = await users('alice', 'bob', 'carol');
    const group = TestGroup.create(alice!.id, 'team', [bob!.id.signPk, carol!.id.signPk]);
    assert.equal(await applied(alice!, group, group.create), 1);
    for (const u of [alice!, bob!, carol!]) {
      const [create] = await items(u, group, 1);
      assert.equal(create?.gseq, 1);
      assert.equal(create?.item.kind, 'change');
    }
    const sends = [
      group.send(alice!.id, 'hi all'),
      group.send(bob!.id, 'hi'),
      group.send(carol!.id, 'yo'),
    ];
    const acks = await Promise.all(sends.map((f, i) => send([alice!, bob!, carol!][i]!, f)));
    assert.deepEqual(
      acks.map((a) => a.code),
      ['stored', 'stored', 'stored'],
    );
    const seen = await Promise.all([alice!, bob!, carol!].map((u) => items(u, group, 3)));
    for (const got of seen) {
      assert.deepEqual(
        got.map((f) => f.gseq),
        seen[0]!.map((f) => f.gseq),
      );
      for (const f of sends) assert.ok(got.some((d) => isMsg(d, f.msgId)));
    }
    const bobFrom = seen[0]!.find((d) => isMsg(d, sends[1]!.msgId));
    assert.ok(
      bobFrom?.item.kind === 'message' &&
        Buffer.from(bobFrom.item.from).equals(Buffer.from(bob!.id.signPk)),
    );
  });

  it('lets an offline member catch up in gseq order after reconnecting, then live', async () => {
    const [alice, bob, carol] = await users('alice', 'bob', 'carol');
    const group = TestGroup.create(alice!.id, 'team', [bob!.id.signPk, carol!.id.signPk]);
    await applied(alice!, group, group.create);
    const [create] = await items(carol!, group, 1);
    ack(carol!, group, create!.gseq);
    await new Promise((r) => setTimeout(r, 50));
    carol!.client.close();
    const sent: FrameOf<'group-send'>[] = [];
    for (let i = 0; i < 20; i++) {
      const f = group.send(i % 2 ? alice!.id : bob!.id, `m${i}`);
      sent.push(f);
      assert.equal((await send(i % 2 ? alice! : bob!, f)).code, 'stored');
    }
    const again = await back(carol!);
    const caught = await items(again, group, 20);
    const gseqs = caught.map((f) => f.gseq);
    assert.deepEqual(
      gseqs,
      [...gseqs].sort((a, b) => a - b),
    );
    assert.ok(gseqs[0]! > create!.gseq, 'nothing acknowledged comes again');
    assert.deepEqual(
      caught.map((f) => (f.item.kind === 'message' ? toHex(f.item.msgId) : '')),
      sent.map((f) => toHex(f.msgId)),
    );
    const live = group.send(alice!.id, 'live');
    await send(alice!, live);
    const [next] = await items(again, group, 1);
    assert.ok(isMsg(next!, live.msgId));
    assert.ok(next!.gseq > gseqs[gseqs.length - 1]!);
  });

  it('stores each item once, not once per member, and deletes it once every member acknowledged it', async () => {
    const members = await users('m0', 'm1', 'm2', 'm3', 'm4', 'm5');
    const [admin, ...rest] = members as [User, ...User[]];
    const group = TestGroup.create(
      admin.id,
      'team',
      rest.map((u) => u.id.signPk),
    );
    await applied(admin, group, group.create);
    for (let i = 0; i < 10; i++) await send(admin, group.send(admin.id, `m${i}`));
    assert.equal(relay.relay.stats().storedGroupItems, 11);
    const dir = relay.dataDir;
    for (const c of clients.splice(0)) c.close();
    await relay.close();
    assert.equal(await countKeys(dir, 'i'), 11, 'the create and ten messages, once each');
    assert.equal(await countKeys(dir, 'c'), 0, 'no per-member records without acks');

    await start({}, dir);
    const again = await Promise.all(members.map(back));
    for (const u of again) {
      const got = await items(u, group, 11);
      ack(u, group, got[got.length - 1]!.gseq);
    }
    for (let i = 0; i < 100 && relay.relay.stats().storedGroupItems > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(relay.relay.stats().storedGroupItems, 0);
    for (const c of clients.splice(0)) c.close();
    await relay.close();
    assert.equal(await countKeys(dir, 'i'), 0);
    assert.equal(await countKeys(dir, 'c'), members.length, 'one cursor per member');
    await start({}, dir);
  });

  it('sends a removed member its removal and nothing after it, and refuses its sends', async () => {
    const [alice, bob, carol] = await users('alice', 'bob', 'carol');
    const group = TestGroup.create(alice!.id, 'team', [bob!.id.signPk, carol!.id.signPk]);
    await applied(alice!, group, group.create);
    await items(carol!, group, 1);
    const removal = await applied(
      alice!,
      group,
      group.change(alice!.id, { op: 'remove', target: carol!.id.signPk }),
    );
    const [removed] = await items(carol!, group, 1);
    assert.equal(removed?.gseq, removal);
    assert.ok(removed?.item.kind === 'change' && removed.item.change.op === 'remove');
    assert.equal((await send(bob!, group.send(bob!.id, 'after'))).code, 'stored');
    await items(bob!, group, 2);
    await nothingFor(carol!);
    const refused = await send(carol!, group.send(carol!.id, 'still here?'));
    assert.equal(refused.code, 'unknown-recipient');
    const log = await (async () => {
      carol!.client.send({
        type: 'group-log-request',
        requestId: 99,
        groupId: group.groupId,
        fromSeq: 0,
      });
      return (await carol!.client.next(
        (f) => f.type === 'group-log-result',
      )) as FrameOf<'group-log-result'>;
    })();
    assert.equal(log.found, false);
  });

  it('refuses a send from a non-member, and one sealed for an old epoch', async () => {
    const [alice, bob, carol, dave] = await users('alice', 'bob', 'carol', 'dave');
    const group = TestGroup.create(alice!.id, 'team', [bob!.id.signPk, carol!.id.signPk]);
    await applied(alice!, group, group.create);
    const outsider = await send(dave!, group.send(dave!.id, 'let me in'));
    assert.equal(outsider.code, 'unknown-recipient');
    const old = group.send(bob!.id, 'sealed before the removal');
    await applied(
      alice!,
      group,
      group.change(alice!.id, { op: 'remove', target: carol!.id.signPk }),
    );
    const stale = await send(bob!, old);
    assert.equal(stale.code, 'stale-epoch');
    assert.match(stale.reason, /epoch/);
    assert.equal((await send(bob!, group.send(bob!.id, 'resealed'))).code, 'stored');
  });

  it('closes a connection whose group message names another sender (E_BAD_VALUE)', async () => {
    const [alice, bob] = await users('alice', 'bob');
    const group = TestGroup.create(alice!.id, 'team', [bob!.id.signPk]);
    await applied(alice!, group, group.create);
    bob!.client.send(group.send(alice!.id, 'pretending to be alice'));
    const f = await bob!.client.next((x) => x.type === 'error');
    assert.equal(f.type === 'error' && f.code, 'E_BAD_VALUE');
  });

  it('refuses forged, non-admin, forked and foreign changes with their codes', async () => {
    const [alice, bob, carol] = await users('alice', 'bob', 'carol');
    const stranger = generateIdentity();
    const group = TestGroup.create(alice!.id, 'team', [bob!.id.signPk]);
    assert.equal((await change(bob!, group.create)).code, 'E_GROUP_NOT_AUTHOR');
    await applied(alice!, group, group.create);
    const byMember = group.sign(bob!.id, { op: 'add', target: carol!.id.signPk });
    assert.equal((await change(bob!, byMember)).code, 'E_GROUP_NOT_ADMIN');
    const forged = {
      ...group.sign(alice!.id, { op: 'add', target: carol!.id.signPk }),
      target: bob!.id.signPk,
    };
    assert.equal((await change(alice!, forged)).code, 'E_GROUP_BAD_SIGNATURE');
    const left = group.sign(alice!.id, { op: 'rename', name: 'left' });
    const right = group.sign(alice!.id, { op: 'rename', name: 'right' });
    await applied(alice!, group, left);
    assert.equal((await change(alice!, right)).code, 'E_GROUP_CHAIN_BROKEN');
    const ghost = group.sign(alice!.id, { op: 'add', target: stranger.signPk });
    assert.equal((await change(alice!, ghost)).code, 'E_UNKNOWN_USER');
    const rename = group.sign(carol!.id, { op: 'rename', name: 'mine' });
    assert.equal((await change(carol!, rename)).code, 'E_NOT_GROUP_MEMBER');
    const other = TestGroup.create(alice!.id, 'other');
    const unknown = other.sign(alice!.id, { op: 'rename', name: 'x' });
    assert.equal((await change(alice!, unknown)).code, 'E_GROUP_UNKNOWN');
    // The members saw only the create and the one rename that was applied.
    const got = await items(bob!, group, 2);
    assert.deepEqual(
      got.map((f) => f.item.kind === 'change' && f.item.change.op),
      ['create', 'rename'],
    );
    await nothingFor(bob!);
  });

  it('refuses a 257th member (E_GROUP_TOO_MANY_MEMBERS), and a create listing 257 at decode', async () => {
    const ids = Array.from({ length: 257 }, () => generateIdentity());
    for (let i = 0; i < ids.length; i += 32) {
      await Promise.all(
        ids.slice(i, i + 32).map(async (id, j) => {
          const { client } = await RawClient.login(relay.port, id, `u${i + j}`);
          client.close();
        }),
      );
    }
    const admin = await user('u0', ids[0], 'login');
    const group = TestGroup.create(
      ids[0]!,
      'crowd',
      ids.slice(1, 256).map((id) => id.signPk),
    );
    await applied(admin, group, group.create);
    assert.equal(group.state.members.length, 256);
    const over = group.sign(ids[0]!, { op: 'add', target: ids[256]!.signPk });
    assert.equal((await change(admin, over)).code, 'E_GROUP_TOO_MANY_MEMBERS');

    const huge = TestGroup.create(
      ids[0]!,
      'huge',
      ids.slice(1, 256).map((id) => id.signPk),
    );
    const create = huge.create;
    assert.ok(create.op === 'create');
    const extra = { userId: ids[256]!.signPk, role: 'member' as const };
    const tooMany: GroupChange = { ...create, members: [...create.members, extra] };
    admin.client.send(changeRequest(tooMany));
    const f = await admin.client.next((x) => x.type === 'error');
    assert.equal(f.type === 'error' && f.code, 'E_TOO_MANY');
  });

  it('refuses a group beyond maxGroupsPerUser (E_GROUP_TOO_MANY_GROUPS)', async () => {
    await relay.close();
    await start({ maxGroupsPerUser: 2 });
    const [alice, bob] = await users('alice', 'bob');
    for (const name of ['one', 'two']) {
      const g = TestGroup.create(alice!.id, name, [bob!.id.signPk]);
      await applied(alice!, g, g.create);
    }
    const third = TestGroup.create(bob!.id, 'three', [alice!.id.signPk]);
    assert.equal((await change(bob!, third.create)).code, 'E_GROUP_TOO_MANY_GROUPS');
  });

  it('refuses one adder past maxGroupsAddedByOne (E_GROUP_TOO_MANY_FROM_ONE), also after a restart; another adder still adds', async () => {
    await relay.close();
    await start({ maxGroupsAddedByOne: 2 });
    const [alice, bob, carol] = await users('alice', 'bob', 'carol');
    const mine = ['one', 'two'].map((name) => TestGroup.create(alice!.id, name, [bob!.id.signPk]));
    for (const g of mine) await applied(alice!, g, g.create);
    const third = TestGroup.create(alice!.id, 'three', [bob!.id.signPk]);
    const refused = await change(alice!, third.create);
    assert.equal(refused.code, 'E_GROUP_TOO_MANY_FROM_ONE');
    assert.ok(refused.reason.includes(toHex(bob!.id.signPk).slice(0, 16)), refused.reason);
    const carols = TestGroup.create(carol!.id, 'carols', [bob!.id.signPk]);
    await applied(carol!, carols, carols.create);
    // Rebuilt from the stored logs, the relay counts alike.
    const dir = relay.dataDir;
    for (const c of clients.splice(0)) c.close();
    await relay.close();
    await start({ maxGroupsAddedByOne: 2 }, dir);
    const [alice2, bob2] = [await back(alice!), await back(bob!)];
    const again = TestGroup.create(alice2.id, 'three', [bob2.id.signPk]);
    assert.equal((await change(alice2, again.create)).code, 'E_GROUP_TOO_MANY_FROM_ONE');
    // Bob leaves one of alice's: she may put him in one again.
    await applied(
      bob2,
      mine[0]!,
      mine[0]!.change(bob2.id, { op: 'leave', target: bob2.id.signPk }),
    );
    await applied(alice2, again, again.create);
  });

  it('refuses a message beyond maxPendingGroupMessages with recipient-quota', async () => {
    await relay.close();
    await start({ maxPendingGroupMessages: 4 });
    const [alice, bob] = await users('alice', 'bob');
    const group = TestGroup.create(alice!.id, 'team', [bob!.id.signPk]);
    await applied(alice!, group, group.create);
    bob!.client.close();
    const codes: string[] = [];
    for (let i = 0; i < 4; i++)
      codes.push((await send(alice!, group.send(alice!.id, `m${i}`))).code);
    assert.deepEqual(codes, ['stored', 'stored', 'stored', 'recipient-quota']);
  });

  it('keeps logs, items and cursors across a restart on the same data directory', async () => {
    const [alice, bob, carol] = await users('alice', 'bob', 'carol');
    const group = TestGroup.create(alice!.id, 'team', [bob!.id.signPk, carol!.id.signPk]);
    await applied(alice!, group, group.create);
    await applied(alice!, group, group.change(alice!.id, { op: 'rename', name: 'renamed' }));
    for (let i = 0; i < 4; i++) await send(alice!, group.send(alice!.id, `m${i}`));
    const bobs = await items(bob!, group, 6);
    ack(bob!, group, bobs[3]!.gseq);
    await new Promise((r) => setTimeout(r, 50));
    const dir = relay.dataDir;
    for (const c of clients.splice(0)) c.close();
    await relay.close();

    await start({}, dir);
    assert.equal(relay.relay.stats().groups, 1);
    const bob2 = await back(bob!);
    const again = await items(bob2, group, 2);
    assert.deepEqual(
      again.map((f) => f.gseq),
      bobs.slice(4).map((f) => f.gseq),
    );
    bob2.client.send({
      type: 'group-log-request',
      requestId: 7,
      groupId: group.groupId,
      fromSeq: 0,
    });
    const log = (await bob2.client.next(
      (f) => f.type === 'group-log-result',
    )) as FrameOf<'group-log-result'>;
    assert.equal(log.found, true);
    assert.deepEqual(
      log.changes.map((c) => c.op),
      ['create', 'rename'],
    );
    const alice2 = await back(alice!);
    await items(alice2, group, 6);
    const next = group.send(alice!.id, 'after the restart');
    assert.equal((await send(alice2, next)).code, 'stored');
    const [live] = await items(bob2, group, 1);
    assert.ok(isMsg(live!, next.msgId));
    assert.ok(live!.gseq > bobs[5]!.gseq);
    // A change chained on the stored log is still accepted.
    await applied(
      alice2,
      group,
      group.change(alice!.id, { op: 'remove', target: carol!.id.signPk }),
    );
  });

  it("delivers to every session of a member, the sender's own included, sharing one cursor", async () => {
    const [alice, bob] = await users('alice', 'bob');
    const alice2 = await back(alice!);
    const group = TestGroup.create(alice!.id, 'team', [bob!.id.signPk]);
    await applied(alice!, group, group.create);
    const f = group.send(alice!.id, 'to all my sessions');
    await send(alice!, f);
    for (const u of [alice!, alice2, bob!]) {
      const got = await items(u, group, 2);
      assert.ok(isMsg(got[1]!, f.msgId));
    }
    // One session's ack counts for the user: the other session's next login starts after it.
    ack(alice2, group, 2);
    ack(bob!, group, 2);
    for (let i = 0; i < 100 && relay.relay.stats().storedGroupItems > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(relay.relay.stats().storedGroupItems, 0);
  });

  it('gives a member removed and added again nothing from the time it was away', async () => {
    const [alice, bob, carol] = await users('alice', 'bob', 'carol');
    const group = TestGroup.create(alice!.id, 'team', [bob!.id.signPk, carol!.id.signPk]);
    await applied(alice!, group, group.create);
    await applied(
      alice!,
      group,
      group.change(alice!.id, { op: 'remove', target: carol!.id.signPk }),
    );
    const away = group.send(bob!.id, 'while carol is away');
    await send(bob!, away);
    const readd = await applied(
      alice!,
      group,
      group.change(alice!.id, { op: 'add', target: carol!.id.signPk }),
    );
    const back1 = group.send(bob!.id, 'welcome back');
    await send(bob!, back1);
    const got = await items(carol!, group, 4);
    assert.deepEqual(
      got.map((d) => (d.item.kind === 'change' ? d.item.change.op : 'message')),
      ['create', 'remove', 'add', 'message'],
    );
    assert.equal(got[2]!.gseq, readd);
    assert.ok(isMsg(got[3]!, back1.msgId));
    await nothingFor(carol!);
  });

  it('stops pushing to a member that does not read, and delivers everything in order when it does', async () => {
    await relay.close();
    await start({ maxSessionBufferedBytes: 16 * 1024 });
    const [alice, bob] = await users('alice', 'bob');
    const group = TestGroup.create(alice!.id, 'team', [bob!.id.signPk]);
    await applied(alice!, group, group.create);
    await items(bob!, group, 1);
    bob!.client.socket.pause();
    const big = 'x'.repeat(16 * 1024);
    const sent: FrameOf<'group-send'>[] = [];
    for (let i = 0; i < 300; i++) sent.push(group.send(alice!.id, `${i} ${big}`));
    await Promise.all(sent.map((f) => send(alice!, f)));
    assert.ok(relay.relay.stats().maxBufferedBytes < 1024 * 1024, 'pushes stopped at the cap');
    bob!.client.socket.resume();
    const got = await items(bob!, group, 300);
    assert.deepEqual(
      got.map((d) => (d.item.kind === 'message' ? toHex(d.item.msgId) : '')),
      sent.map((f) => toHex(f.msgId)),
    );
  });

  it('keeps no plaintext of group messages in its data directory', async () => {
    const [alice, bob] = await users('alice', 'bob');
    const group = TestGroup.create(alice!.id, 'team', [bob!.id.signPk]);
    await applied(alice!, group, group.create);
    bob!.client.close();
    const secret = 'the-group-password-is-swordfish';
    for (let i = 0; i < 5; i++) await send(alice!, group.send(alice!.id, `${secret} ${i}`));
    const dir = relay.dataDir;
    await relay.close();
    const files = await readdir(dir, { recursive: true });
    for (const f of files) {
      const bytes = await readFile(join(dir, f)).catch(() => Buffer.alloc(0));
      assert.equal(bytes.includes(secret), false, `plaintext found in ${f}`);
    }
    await start({}, dir);
  });
});
