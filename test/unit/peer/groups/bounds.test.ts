/**
 * The client core's groups at their edges: every group limit exceeded, logs read in
 * pages, shares owed while a member's card is unknown, messages sealed again when a
 * member goes before they left, a fork in the log, and a restart in between.
 */
import assert from 'node:assert/strict';
import { prepareChange, signChange } from '../../../../src/crypto/group-log.js';
import { peekGroupMessageHeader } from '../../../../src/crypto/group-message.js';
import { randomBytes } from '../../../../src/crypto/random.js';
import {
  newSenderChain,
  sealGroupMessage,
  senderChainShare,
} from '../../../../src/crypto/sender-keys.js';
import { encodeSenderChainShare } from '../../../../src/crypto/sender-keys-codec.js';
import type { DamagedMessage } from '../../../../src/peer/events.js';
import { MAX_GROUP_LOG_PAGES } from '../../../../src/peer/groups/apply.js';
import { MAX_EARLY_SENDER_KEYS } from '../../../../src/peer/groups/chains.js';
import { heldCost, MAX_HELD_GROUP_BYTES } from '../../../../src/peer/groups/held.js';
import { MAX_EPOCHS_AHEAD } from '../../../../src/peer/groups/shares-in.js';
import { PREFIX } from '../../../../src/peer/store.js';
import { fromHex } from '../../../../src/util/bytes.js';
import { systemClock } from '../../../../src/util/clock.js';
import { encodeGroupPlain } from '../../../../src/wire/codec.js';
import type { FrameOf } from '../../../../src/wire/types.js';
import { collect, type Member, teamOfTwo } from '../../../helpers/group-hub.js';
import { person } from '../../../helpers/peer-fixtures.js';

const keysUnder = (m: Member, prefix: string) =>
  [...m.kv.data.keys()].filter((k) => k.startsWith(prefix));

async function unread(m: Member): Promise<string[]> {
  return (await m.history.takeUnread()).map((e) => `${e.peer.pseudonym}: ${e.text}`);
}

const pair = teamOfTwo;

/** A share of a fresh chain, as a 1:1 message from `from` would carry it. */
function shareFrom(from: Member, groupId: Uint8Array, epoch: number) {
  const chain = newSenderChain();
  const share = encodeSenderChainShare(senderChainShare(chain));
  return { chain, incoming: { from: from.who.id.signPk, groupId, epoch, share } };
}

describe('groups in the client core, at their edges', () => {
  it(`holds up to MAX_HELD_GROUP_BYTES (${MAX_HELD_GROUP_BYTES}) for keys not come, then stops the group there unacknowledged, and loses nothing`, async function () {
    // 64 MiB of sealed messages through the client: 16-28 s on a busy two-core machine.
    this.timeout(90_000);
    const { hub, alice, bob, gid } = await pair();
    const chain = newSenderChain();
    const share = encodeSenderChainShare(senderChainShare(chain));
    const text = 'x'.repeat(60_000);
    const frames: FrameOf<'group-deliver'>[] = [];
    let bytes = 0;
    for (let i = 0; bytes <= MAX_HELD_GROUP_BYTES; i++) {
      const messageId = randomBytes(16);
      const header = { groupId: fromHex(gid), epoch: 0, sender: alice.who.id.signPk, messageId };
      const plain = encodeGroupPlain({
        sentAtMs: systemClock.now() + i,
        senderName: 'alice',
        text: `${i} ${text}`,
        fileOffer: null,
      });
      const body = sealGroupMessage(chain, header, plain);
      bytes += heldCost({ body });
      frames.push({
        type: 'group-deliver',
        groupId: fromHex(gid),
        gseq: 10 + i,
        storedAtMs: 1,
        item: { kind: 'message', from: alice.who.id.signPk, msgId: messageId, body },
      });
    }
    const damaged: DamagedMessage[] = collect(bob, 'message:damaged');
    const shown = collect(bob, 'message:received');
    const acked = () =>
      Math.max(...hub.acks.filter((a) => a.to === bob.uid).map((a) => a.f.throughGseq));
    for (const f of frames) bob.groups.push(f);
    await hub.settle();
    const last = frames.at(-1)!.gseq;
    assert.equal(
      keysUnder(bob, PREFIX.heldGroup).length,
      frames.length - 1,
      'all but the last held',
    );
    assert.equal(acked(), last - 1, 'acknowledged through the last one held, not past');
    // Its sender's key comes: what was held opens; the rest comes again with the next session.
    await bob.groups.acceptShares([
      { from: alice.who.id.signPk, groupId: fromHex(gid), epoch: 0, share },
    ]);
    assert.equal((await unread(bob)).length, frames.length - 1);
    bob.groups.onReady(0);
    for (const f of frames.slice(-3)) bob.groups.push(f);
    await hub.settle();
    assert.equal((await unread(bob)).length, 1);
    assert.equal(acked(), last);
    assert.deepEqual(damaged, []);
    assert.equal(keysUnder(bob, PREFIX.heldGroup).length, 0);
    assert.deepEqual(
      shown.map((m) => Number(m.text.split(' ')[0])),
      frames.map((_, i) => i),
      'each once, in order',
    );
  });

  it(`keeps at most MAX_EARLY_SENDER_KEYS (${MAX_EARLY_SENDER_KEYS}) keys for groups not known yet`, async () => {
    const { alice, bob } = await pair();
    const { incoming } = shareFrom(alice, randomBytes(16), 0);
    const shares = Array.from({ length: MAX_EARLY_SENDER_KEYS + 5 }, () => ({
      ...incoming,
      groupId: randomBytes(16),
    }));
    await bob.groups.acceptShares(shares);
    assert.equal(keysUnder(bob, PREFIX.receiverChain).length, MAX_EARLY_SENDER_KEYS);
  });

  it(`takes keys up to MAX_EPOCHS_AHEAD (${MAX_EPOCHS_AHEAD}) epochs ahead, and none from a non-member`, async () => {
    const { hub, alice, bob, gid } = await pair();
    const carol = await hub.join(person('carol'));
    const groupId = fromHex(gid);
    await bob.groups.acceptShares([
      shareFrom(alice, groupId, MAX_EPOCHS_AHEAD).incoming,
      shareFrom(alice, groupId, MAX_EPOCHS_AHEAD + 1).incoming,
      shareFrom(carol, groupId, 0).incoming,
    ]);
    const kept = keysUnder(bob, `${PREFIX.receiverChain}${gid}!`);
    assert.equal(kept.length, 1);
    assert.ok(kept[0]?.includes(`!${String(MAX_EPOCHS_AHEAD).padStart(10, '0')}!`));
  });

  it('reads a long log in pages, and stops after MAX_GROUP_LOG_PAGES pages', async () => {
    const { hub, alice, gid } = await pair();
    for (let i = 0; i < MAX_GROUP_LOG_PAGES + 2; i++) await alice.groups.rename(gid, `team ${i}`);
    hub.pageSize = 40;
    const dave = await hub.join(person('dave'));
    await alice.groups.add(gid, 'dave');
    await hub.settle();
    assert.equal(dave.groups.info(gid).name, `team ${MAX_GROUP_LOG_PAGES + 1}`, 'read in pages');
    hub.pageSize = 1;
    const erin = await hub.join(person('erin'));
    const warnings = collect(erin, 'group:warning');
    await alice.groups.add(gid, 'erin');
    await hub.settle();
    assert.deepEqual(
      warnings.map((w) => w.code),
      ['E_GROUP_CHAIN_BROKEN'],
    );
    assert.deepEqual(erin.groups.list(), []);
  });

  it('owes a member added by someone else their share until their card can be learned', async () => {
    const { hub, alice, bob, gid } = await pair();
    await alice.groups.about(gid, 'promote', 'bob');
    await alice.groups.send(gid, 'first');
    await hub.deliverMail();
    const dave = await hub.join(person('dave'));
    hub.lookupsDown.add(alice.uid);
    await bob.groups.add(gid, 'dave');
    await hub.settle();
    assert.equal(keysUnder(alice, PREFIX.owedShare).length, 1);
    await hub.deliverMail();
    hub.lookupsDown.delete(alice.uid);
    alice.groups.onReady(0);
    await hub.settle();
    assert.equal(keysUnder(alice, PREFIX.owedShare).length, 0);
    await alice.groups.send(gid, 'hello dave');
    await hub.deliverMail();
    assert.deepEqual(await unread(dave), ['alice: hello dave']);
    assert.deepEqual(await unread(bob), ['alice: first', 'alice: hello dave']);
  });

  it('seals a queued message again when a member goes before it left, so only those left read it', async () => {
    const { hub, alice, bob, gid } = await pair();
    const carol = await hub.join(person('carol'));
    await alice.groups.add(gid, 'carol');
    await alice.groups.send(gid, 'hello both');
    await hub.deliverMail();
    await alice.groups.send(gid, 'written before carol went');
    const entry = () => alice.outbox.list().find((e) => e.content.kind === 'group-text');
    const before = entry()?.sealedGroup;
    assert.ok(before);
    assert.equal(peekGroupMessageHeader(before).epoch, 0);
    await alice.groups.about(gid, 'remove', 'carol');
    await hub.settle();
    const after = entry();
    assert.ok(after?.sealedGroup);
    assert.equal(peekGroupMessageHeader(after.sealedGroup).epoch, 1, 'sealed again, epoch 1');
    assert.equal(
      after.msgId,
      peekGroupMessageHeader(before).messageId.reduce(
        (s, b) => s + b.toString(16).padStart(2, '0'),
        '',
      ),
    );
    await hub.deliverMail();
    assert.deepEqual(await unread(bob), ['alice: hello both', 'alice: written before carol went']);
    assert.deepEqual(await unread(carol), ['alice: hello both']);
  });

  it('stops a group at an item whose log cannot be read now, acknowledging nothing past it, until the next session', async () => {
    const { hub, alice, gid } = await pair();
    const dave = await hub.join(person('dave'));
    hub.logsDown = true;
    await alice.groups.add(gid, 'dave');
    await alice.groups.send(gid, 'hi dave');
    await hub.deliverMail();
    assert.deepEqual(dave.groups.list(), []);
    assert.equal(hub.acks.filter((a) => a.to === dave.uid).length, 0, 'nothing acknowledged');
    hub.logsDown = false;
    dave.groups.onReady(0);
    for (const f of hub.sent.get(dave.uid) ?? []) dave.groups.push(f);
    await hub.settle();
    assert.equal(dave.groups.info(gid).members.length, 3);
    assert.deepEqual(await unread(dave), ['alice: hi dave']);
    const acked = hub.acks.filter((a) => a.to === dave.uid).map((a) => a.f.throughGseq);
    assert.equal(Math.max(...acked), hub.sent.get(dave.uid)?.at(-1)?.gseq);
  });

  it('applies my own change itself when the relay does not bring it back within the wait', async () => {
    const { hub, alice, bob, gid } = await pair();
    hub.tamper = (to, f) => (to === alice.uid && f.item.kind === 'change' ? null : f);
    const changed = collect(alice, 'group:changed');
    const info = await alice.groups.rename(gid, 'crew');
    assert.equal(info.name, 'crew');
    assert.deepEqual(
      changed.map((e) => e.notice.kind),
      ['renamed'],
    );
    hub.tamper = null;
    await hub.settle();
    assert.equal(bob.groups.info(gid).name, 'crew');
    // The stream's copy, when it comes after all, is the change already applied.
    const warnings = collect(alice, 'group:warning');
    for (const f of hub.sent.get(bob.uid) ?? []) alice.groups.push(f);
    await hub.settle();
    assert.deepEqual(warnings, []);
    assert.equal(alice.groups.info(gid).name, 'crew');
  });

  it('refuses a change that forks the log at a seq already applied', async () => {
    const { hub, alice, bob, gid } = await pair();
    await alice.groups.rename(gid, 'crew');
    const state = hub.relayState(gid);
    assert.ok(state);
    const base = { ...state, seq: state.seq - 1 };
    const fork = signChange(
      alice.who.id.signSk,
      prepareChange(base, alice.who.id.signPk, { op: 'rename', name: 'other' }),
    );
    const warnings = collect(bob, 'group:warning');
    bob.groups.push({
      type: 'group-deliver',
      groupId: fromHex(gid),
      gseq: 40,
      storedAtMs: 1,
      item: { kind: 'change', change: fork },
    });
    await hub.settle();
    assert.deepEqual(
      warnings.map((w) => w.code),
      ['E_GROUP_CHAIN_BROKEN'],
    );
    assert.equal(bob.groups.info(gid).name, 'crew');
  });

  it('keeps groups, chains and held messages across a restart', async () => {
    const { hub, alice, bob, gid } = await pair();
    await alice.groups.send(gid, 'one');
    await hub.deliverMail((kind) => kind === 'group-text');
    await hub.restart(bob);
    await hub.restart(alice);
    assert.equal(bob.groups.info('team').groupId, gid);
    await hub.deliverMail();
    await alice.groups.send(gid, 'two');
    await hub.deliverMail();
    assert.deepEqual(await unread(bob), ['alice: one', 'alice: two']);
    const shares = alice.outbox.list().filter((e) => e.content.kind === 'sender-key');
    assert.equal(shares.length, 0, 'the chain survived the restart: no second share');
  });
});
