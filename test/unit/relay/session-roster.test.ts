/**
 * Roster frames against a session's output budgets (Session.sendRoster): a newcomer's roster
 * and the updates after it are the relay's own frames and shared, so neither the hard cap
 * nor the relay-wide budget counts them, but the soft budget does, and a client that does
 * not read them is closed after slowConsumerTimeoutMs.
 */
import assert from 'node:assert/strict';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { SLOW_CONSUMER_HARD_FACTOR } from '../../../src/relay/limits.js';
import { OUTBOUND_PIECE_BYTES } from '../../../src/relay/outbound.js';
import { decodeFrame, encodeFrame } from '../../../src/wire/codec.js';
import { FrameDecoder, frame } from '../../../src/wire/framing.js';
import { MAX_FRAME_BYTES } from '../../../src/wire/limits.js';
import type { Frame } from '../../../src/wire/types.js';
import { memorySession } from '../../helpers/memory-session.js';
import { cardOf } from '../../helpers/raw-client.js';

const SOFT = 16 * 1024;
const HARD = SOFT * SLOW_CONSUMER_HARD_FACTOR;
const TIMEOUT_MS = 1000;
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

/** A ready session; its client reads (and decodes) only once `read()` is called. */
function setup(relayBudget?: number) {
  const { session, clientSide, clock, ctx } = memorySession({
    limits: { maxSessionQueuedBytes: SOFT, slowConsumerTimeoutMs: TIMEOUT_MS },
    backpressure: true,
    ...(relayBudget === undefined ? {} : { relayBudget }),
  });
  const frames: Frame[] = [];
  const decoder = new FrameDecoder(MAX_FRAME_BYTES);
  const read = () =>
    clientSide.on('data', (chunk: Buffer) => {
      for (const bytes of decoder.push(chunk)) frames.push(decodeFrame(bytes));
    });
  session.becomeReady(cardOf(generateIdentity(), 'newcomer'), false);
  return { session, frames, read, clock, budget: ctx.budget };
}

const card = cardOf(generateIdentity(), 'someone');

/** One roster frame's body: 64 users with long status texts, about 15 KB. */
const rosterBody = (first: boolean) =>
  encodeFrame({
    type: 'roster-update',
    full: first,
    entries: Array.from({ length: 64 }, () => ({
      card,
      online: true,
      status: 'away' as const,
      statusText: 'x'.repeat(80),
      signed: null,
    })),
  });

/** A roster of `count` such frames, framed, as the relay keeps it. */
const roster = (count: number): Buffer[] =>
  Array.from({ length: count }, (_, c) => frame(rosterBody(c === 0)));

const rosterFrames = (frames: Frame[]) => frames.filter((f) => f.type === 'roster-update');
const errors = (frames: Frame[]) => frames.flatMap((f) => (f.type === 'error' ? [f.code] : []));

describe('relay session: a newcomer roster past the output budgets', () => {
  it('sends a roster several times the hard cap whole, and keeps the session', async () => {
    const { session, frames, read } = setup();
    read();
    const frames20 = roster(20);
    const bytes = frames20.reduce((n, f) => n + f.length, 0);
    assert.ok(bytes > 3 * HARD, `${bytes} bytes of roster against a hard cap of ${HARD}`);
    session.sendRoster(frames20);
    await settle();
    assert.equal(session.isClosing(), false);
    assert.equal(rosterFrames(frames).length, 20, 'every frame, in order');
    assert.equal((rosterFrames(frames)[0] as { full: boolean }).full, true);
    assert.deepEqual(errors(frames), []);
  });

  it('still closes a session whose own output passes the hard cap (the same bytes, not a roster)', async () => {
    const { session, frames, read } = setup();
    for (const f of roster(20)) session.sendFramed(f);
    read();
    await settle();
    assert.equal(session.isClosing(), true);
    assert.deepEqual(errors(frames), ['E_SLOW_CONSUMER']);
  });

  it('counts the roster against the hard cap of nothing queued after it', async () => {
    const { session, frames, read } = setup();
    session.sendRoster(roster(20));
    // Replies after the roster, about 15 KB each: four are within the hard cap on their own.
    const reply = rosterBody(false);
    for (let i = 0; i < 4; i++) session.sendEncoded(reply);
    assert.ok(4 * reply.length < HARD && 5 * reply.length > HARD, `${reply.length}`);
    assert.equal(session.isClosing(), false, 'the roster does not use up the hard cap');
    session.sendEncoded(reply);
    assert.equal(session.isClosing(), true, 'its own bytes past the cap still close it');
    read();
    await settle();
    assert.deepEqual(errors(frames), ['E_SLOW_CONSUMER']);
  });

  it('leaves the roster out of the relay-wide budget, and counts what follows it', async () => {
    // Room for the replies below, not for one newcomer's roster.
    const { session, frames, read, budget } = setup(2 * HARD);
    session.sendRoster(roster(20));
    const reply = rosterBody(false);
    session.sendEncoded(reply);
    session.account();
    assert.equal(budget.totalBytes, reply.length + 2, 'the reply alone is counted');
    await settle();
    assert.equal(session.isClosing(), false, 'not shed for the roster');
    // Once written, the piece under way is the connection's own copy in the stream.
    const piece = OUTBOUND_PIECE_BYTES + reply.length + 2;
    assert.ok(budget.totalBytes <= reply.length + 2 + piece, `${budget.totalBytes}`);
    read();
    await settle();
    assert.deepEqual(errors(frames), []);
    assert.equal(rosterFrames(frames).length, 21);
    assert.equal(budget.totalBytes, 0);
  });

  it('leaves roster updates between other frames out of the hard cap and the relay-wide budget', async () => {
    const { session, frames, read, budget } = setup(2 * HARD);
    const reply = new Uint8Array(encodeFrame({ type: 'pong', nonce: 1 }));
    // A client that reads nothing for a while, told of many changes between its replies.
    for (const framed of roster(20)) {
      session.sendRoster([framed]);
      session.sendEncoded(reply);
    }
    session.account();
    assert.equal(session.isClosing(), false);
    assert.equal(budget.totalBytes, 20 * (reply.length + 1), 'the replies alone are counted');
    read();
    await settle();
    assert.deepEqual(errors(frames), []);
    assert.equal(rosterFrames(frames).length, 20);
    assert.equal(frames.filter((f) => f.type === 'pong').length, 20);
  });

  it('does not count a roster update in the stream, not yet taken, against the relay-wide budget', async () => {
    // Right after an update goes out to every session, each one's copy sits in its stream
    // until the kernel takes it: counted there, thousands of sessions made it a spike.
    const { session, frames, read, budget } = setup(HARD);
    session.sendRoster(roster(2));
    await settle();
    session.account();
    assert.equal(budget.totalBytes, 0, 'nothing of its own');
    read();
    await settle();
    assert.equal(rosterFrames(frames).length, 2);
  });

  it('closes a newcomer that does not read its roster once slowConsumerTimeoutMs has passed', async () => {
    const { session, frames, read, clock } = setup();
    session.sendRoster(roster(20));
    await settle();
    clock.advance(TIMEOUT_MS - 1);
    await settle();
    assert.equal(session.isClosing(), false, 'not before its time');
    clock.advance(1);
    await settle();
    assert.equal(session.isClosing(), true);
    read();
    await settle();
    assert.deepEqual(errors(frames), ['E_SLOW_CONSUMER']);
  });
});
