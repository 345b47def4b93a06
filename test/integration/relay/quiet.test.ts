/**
 * Quiet sessions (Login.quiet, issue 13; Register.quiet, the seventeenth sitting): a one-shot command's session gets its
 * mail and the whole roster like any other, but the relay never announces it, so
 * others do not see its user come online and leave again; a lookup does not call
 * it online. A visible session of the same user is announced as before, and a
 * quiet one leaving does not take it offline. Real relay on loopback, raw clients.
 */
import assert from 'node:assert/strict';
import { generateIdentity } from '../../../src/crypto/keys.js';
import type { Frame, FrameOf } from '../../../src/wire/types.js';
import { RawClient } from '../../helpers/raw-client.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';

/** Long enough for a roster change to arrive (the relay flushes them each turn). */
const QUIET_MS = 300;

const mentions = (name: string, online?: boolean) => (f: Frame) =>
  f.type === 'roster-update' &&
  f.entries.some((e) => e.card.pseudonym === name && (online === undefined || e.online === online));

describe('quiet sessions at the relay (integration, loopback)', () => {
  let relay: TestRelay;
  const clients: RawClient[] = [];
  const bobId = generateIdentity();

  async function login(
    name: string,
    id = generateIdentity(),
    mode: 'register' | 'login' = 'register',
    quiet = false,
  ) {
    const { client, ready } = await RawClient.login(relay.port, id, name, mode, { quiet });
    clients.push(client);
    return { client, ready };
  }

  async function lookupOnline(client: RawClient, pseudonym: string): Promise<boolean> {
    const requestId = Math.floor(Math.random() * 1e9);
    client.send({ type: 'lookup', requestId, by: { pseudonym } });
    const r = await client.next((f) => f.type === 'lookup-result' && f.requestId === requestId);
    return (r as FrameOf<'lookup-result'>).online;
  }

  beforeEach(async () => {
    relay = await startTestRelay();
    // bob registers once (a Register is announced), then leaves.
    const first = await login('bob', bobId);
    first.client.close();
    await first.client.closed;
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await relay.close();
    await removeTempDirs();
  });

  it('is not announced, coming or going, but sees the roster and is told about others', async () => {
    const alice = await login('alice');
    await alice.client.next((f) => f.type === 'roster-update' && f.full);
    const bob = await login('bob', bobId, 'login', true);
    const full = await bob.client.next((f) => f.type === 'roster-update' && f.full);
    assert.ok(mentions('alice', true)(full), 'the quiet session gets the roster');
    await assert.rejects(alice.client.next(mentions('bob'), QUIET_MS), /timed out/);
    assert.equal(await lookupOnline(alice.client, 'bob'), false);
    const carol = await login('carol');
    const carolsRoster = await carol.client.next((f) => f.type === 'roster-update' && f.full);
    assert.ok(!mentions('bob')(carolsRoster), 'nor in a newcomer roster');
    await bob.client.next(mentions('carol', true));
    bob.client.close();
    await bob.client.closed;
    await assert.rejects(alice.client.next(mentions('bob'), QUIET_MS), /timed out/);
  });

  it('a quiet Register (natter init) is not announced, coming or going', async () => {
    const alice = await login('alice');
    await alice.client.next((f) => f.type === 'roster-update' && f.full);
    const lena = await login('lena', generateIdentity(), 'register', true);
    await assert.rejects(alice.client.next(mentions('lena'), QUIET_MS), /timed out/);
    lena.client.close();
    await lena.client.closed;
    await assert.rejects(alice.client.next(mentions('lena'), QUIET_MS), /timed out/);
    alice.client.send({ type: 'lookup', requestId: 7, by: { pseudonym: 'lena' } });
    const r = await alice.client.next((f) => f.type === 'lookup-result' && f.requestId === 7);
    assert.ok(r.type === 'lookup-result' && r.card !== null, 'registered all the same');
  });

  it('leaves a visible session of the same user online when it goes', async () => {
    const alice = await login('alice');
    const visible = await login('bob', bobId, 'login');
    await alice.client.next(mentions('bob', true));
    const quiet = await login('bob', bobId, 'login', true);
    assert.equal(await lookupOnline(alice.client, 'bob'), true);
    quiet.client.close();
    await quiet.client.closed;
    await assert.rejects(alice.client.next(mentions('bob', false), QUIET_MS), /timed out/);
    visible.client.close();
    await alice.client.next(mentions('bob', false));
  });

  it('gets mail like any session', async () => {
    const alice = await login('alice');
    const bob = await login('bob', bobId, 'login', true);
    const to = bobId.signPk;
    alice.client.send({
      type: 'send',
      to,
      msgId: new Uint8Array(16).fill(7),
      nonce: new Uint8Array(24),
      ciphertext: new Uint8Array(40).fill(1),
    });
    const d = await bob.client.next((f) => f.type === 'deliver');
    assert.equal(d.type === 'deliver' && d.msgId[0], 7);
  });
});
