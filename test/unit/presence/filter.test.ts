import assert from 'node:assert/strict';
import { cardSignatureChecks } from '../../../src/crypto/card.js';
import { generateSigningKeyPair, verify, verifyCard } from '../../../src/crypto/index.js';
import { anonymousQuery, signPresence } from '../../../src/presence/datagram.js';
import { DatagramFilter, type FilterOptions } from '../../../src/presence/filter.js';
import { ManualClock } from '../../../src/util/clock.js';
import { encodePresence, encodeSignedDatagram } from '../../../src/wire/codec.js';
import { MAX_DATAGRAM_BYTES } from '../../../src/wire/limits.js';
import { datagramOf, makePeer, presence, T0 } from './fixtures.js';

const SRC = '10.77.1.9';
const PORT = 40001;

/** A filter whose verify calls are counted. */
function spiedFilter(options: FilterOptions = {}) {
  const clock = new ManualClock(T0);
  const calls = { verify: 0, card: 0 };
  const filter = new DatagramFilter({
    clock,
    verify: (pk, msg, sig) => {
      calls.verify++;
      return verify(pk, msg, sig);
    },
    verifyCard: (card) => {
      calls.card++;
      return verifyCard(card);
    },
    ...options,
  });
  return { clock, calls, filter };
}

function reasonOf(result: ReturnType<DatagramFilter['accept']>): string {
  return result.ok ? 'accepted' : result.reason;
}

describe('presence filter', () => {
  const alice = makePeer('alice');

  it('accepts a validly signed heartbeat and passes the source address through', () => {
    const { filter } = spiedFilter();
    const result = filter.accept(datagramOf(alice, presence(alice, 1)), SRC, PORT);
    assert.ok(result.ok);
    assert.equal(result.presence.kind, 'heartbeat');
    assert.equal(result.address, SRC);
    assert.equal(result.port, PORT);
    assert.equal(filter.stats().accepted, 1);
  });

  it('drops a datagram larger than MAX_DATAGRAM_BYTES before decoding or verifying it', () => {
    const { filter, calls } = spiedFilter();
    const result = filter.accept(new Uint8Array(MAX_DATAGRAM_BYTES + 1), SRC, PORT);
    assert.equal(reasonOf(result), 'oversize');
    assert.equal(calls.verify, 0);
    assert.equal(filter.stats().oversize, 1);
  });

  it('drops as malformed a signed heartbeat whose name hides an invisible character or stacked marks, before verifying it', () => {
    const { filter, calls } = spiedFilter();
    for (const name of [
      'alice\ufe0f',
      'bob\u034f',
      'alice\u{e0100}',
      'x\u115f',
      'x\u0300\u0301\u0302\u0303',
    ]) {
      const impostor = makePeer(name);
      const result = filter.accept(datagramOf(impostor, presence(impostor, 1)), SRC, PORT);
      assert.equal(reasonOf(result), 'malformed', JSON.stringify(name));
    }
    assert.equal(calls.verify, 0);
    assert.equal(filter.stats().malformed, 5);
    const nguyen = makePeer('Nguyễn');
    assert.ok(filter.accept(datagramOf(nguyen, presence(nguyen, 1)), SRC, PORT).ok);
  });

  it('drops garbage as malformed', () => {
    const { filter, calls } = spiedFilter();
    const garbage = new Uint8Array(300).map((_, i) => (i * 37 + 11) & 0xff);
    assert.equal(reasonOf(filter.accept(garbage, SRC, PORT)), 'malformed');
    assert.equal(reasonOf(filter.accept(new Uint8Array(0), SRC, PORT)), 'malformed');
    assert.equal(calls.verify, 0);
    assert.equal(filter.stats().malformed, 2);
  });

  it('drops a well-formed envelope around a body that does not decode as malformed', () => {
    const { filter } = spiedFilter();
    const bytes = encodeSignedDatagram({
      body: new Uint8Array([0x08, 0x09]), // kind = 9: not a presence kind
      signature: new Uint8Array(64),
    });
    assert.equal(reasonOf(filter.accept(bytes, SRC, PORT)), 'malformed');
  });

  it('drops a repeat of a datagram from the same source as a duplicate without verifying it again', () => {
    const { filter, calls } = spiedFilter();
    const bytes = datagramOf(alice, presence(alice, 1));
    assert.equal(reasonOf(filter.accept(bytes, SRC, PORT)), 'accepted');
    const before = calls.verify;
    assert.equal(reasonOf(filter.accept(bytes, SRC, PORT + 1)), 'duplicate');
    assert.equal(calls.verify, before);
    assert.equal(filter.stats().duplicate, 1);
  });

  it('keys duplicates with the source address: a replay that arrives first does not get the genuine copy dropped', () => {
    const { filter, calls } = spiedFilter();
    const relay = generateSigningKeyPair();
    const beacon = signPresence(
      {
        kind: 'relay',
        relayId: relay.publicKey,
        relayPort: 47474,
        relayName: 'office',
        seq: 9,
        timestampMs: T0,
      },
      relay.secretKey,
    );
    const replay = filter.accept(beacon, '10.77.1.66', PORT);
    const genuine = filter.accept(beacon, SRC, PORT);
    assert.ok(replay.ok && genuine.ok, 'both copies pass, each with its own source address');
    assert.deepEqual([replay.address, genuine.address], ['10.77.1.66', SRC]);
    assert.equal(calls.verify, 2);
    assert.equal(reasonOf(filter.accept(beacon, SRC, PORT)), 'duplicate');
  });

  it('drops a timestamp outside the window, in the past or the future, as stale', () => {
    const { filter } = spiedFilter({ timestampWindowMs: 60_000 });
    const old = datagramOf(alice, presence(alice, 1, { at: T0 - 60_001 }));
    const future = datagramOf(alice, presence(alice, 2, { at: T0 + 60_001 }));
    const edge = datagramOf(alice, presence(alice, 3, { at: T0 - 60_000 }));
    assert.equal(reasonOf(filter.accept(old, SRC, PORT)), 'stale');
    assert.equal(reasonOf(filter.accept(future, SRC, PORT)), 'stale');
    assert.equal(reasonOf(filter.accept(edge, SRC, PORT)), 'accepted');
    assert.equal(filter.stats().stale, 2);
  });

  it('drops a datagram with a tampered signature as forged', () => {
    const { filter } = spiedFilter();
    const body = encodePresence(presence(alice, 1));
    const good = signPresence(presence(alice, 1), alice.identity.signSk);
    const signature = good.slice(good.byteLength - 64);
    signature[0] = (signature[0] ?? 0) ^ 1;
    const bytes = encodeSignedDatagram({ body, signature });
    assert.equal(reasonOf(filter.accept(bytes, SRC, PORT)), 'forged');
    assert.equal(filter.stats().forged, 1);
  });

  it("drops a heartbeat carrying alice's card but signed by another key as forged", () => {
    const { filter } = spiedFilter();
    const mallory = makePeer('mallory');
    const bytes = signPresence(presence(alice, 1), mallory.identity.signSk);
    assert.equal(reasonOf(filter.accept(bytes, SRC, PORT)), 'forged');
  });

  it('drops a card whose box key is not signed by its user id as forged', () => {
    const { filter, calls } = spiedFilter();
    const other = makePeer('other');
    const tampered = { ...alice, card: { ...alice.card, boxPk: other.card.boxPk } };
    const bytes = signPresence(presence(tampered, 1), alice.identity.signSk);
    assert.equal(reasonOf(filter.accept(bytes, SRC, PORT)), 'forged');
    assert.equal(calls.card, 1);
  });

  it('drops a heartbeat whose card pseudonym was changed after the card was signed', () => {
    // The datagram itself is signed by alice's key over the re-labelled card: only the
    // card signature, which covers the name, tells that alice never called herself bob.
    const { filter, calls } = spiedFilter();
    const relabelled = { ...alice, card: { ...alice.card, pseudonym: 'bob' } };
    const bytes = signPresence(presence(relabelled, 1), alice.identity.signSk);
    assert.equal(reasonOf(filter.accept(bytes, SRC, PORT)), 'forged');
    assert.equal(calls.card, 1);
    assert.equal(filter.stats().forged, 1);
  });

  it('checks the card of every datagram (verifyCard remembers verified cards), for that name only', () => {
    const { filter, calls } = spiedFilter();
    const checks = cardSignatureChecks();
    for (let seq = 1; seq <= 3; seq++) {
      assert.ok(filter.accept(datagramOf(alice, presence(alice, seq)), SRC, PORT).ok);
    }
    assert.equal(calls.verify, 3);
    assert.equal(calls.card, 3);
    assert.ok(cardSignatureChecks() - checks <= 1, 'one signature check for one card');
    const relabelled = { ...alice, card: { ...alice.card, pseudonym: 'Alice' } };
    const bytes = signPresence(presence(relabelled, 4), alice.identity.signSk);
    assert.equal(reasonOf(filter.accept(bytes, SRC, PORT)), 'forged', 'not the cached card');
  });

  it('is not poisoned by a forgery sent ahead of the genuine datagram with the same body', () => {
    const { filter } = spiedFilter();
    const genuine = datagramOf(alice, presence(alice, 7));
    const body = encodePresence(presence(alice, 7));
    const forged = encodeSignedDatagram({ body, signature: new Uint8Array(64).fill(7) });
    assert.equal(reasonOf(filter.accept(forged, '10.77.1.66', PORT)), 'forged');
    assert.equal(reasonOf(filter.accept(genuine, SRC, PORT)), 'accepted');
  });

  it('drops a flood from one source by rate before any signature verification', () => {
    const { filter, calls } = spiedFilter({ ratePerSecond: 20, burst: 40 });
    const mallory = makePeer('mallory');
    const flood = 1000;
    for (let seq = 1; seq <= flood; seq++) {
      // Distinct bodies, so neither dedup nor anything else but the rate limit can stop them.
      const body = encodePresence(presence(mallory, seq));
      const bytes = encodeSignedDatagram({ body, signature: new Uint8Array(64).fill(1) });
      filter.accept(bytes, '10.77.1.66', 5555);
    }
    const stats = filter.stats();
    assert.equal(stats.rate, flood - 40);
    assert.equal(stats.forged, 40);
    assert.equal(calls.verify, 40);
    // Another source is unaffected.
    assert.ok(filter.accept(datagramOf(alice, presence(alice, 1)), SRC, PORT).ok);
  });

  it('refills a source at the sustained rate as time passes', () => {
    const { filter, clock } = spiedFilter({ ratePerSecond: 20, burst: 40 });
    const send = (seq: number) =>
      reasonOf(
        filter.accept(datagramOf(alice, presence(alice, seq, { at: clock.now() })), SRC, PORT),
      );
    let seq = 1;
    for (; seq <= 40; seq++) assert.equal(send(seq), 'accepted');
    assert.equal(send(seq++), 'rate');
    clock.advance(500);
    const after: string[] = [];
    for (let i = 0; i < 12; i++) after.push(send(seq++));
    assert.equal(after.filter((r) => r === 'accepted').length, 10);
  });

  it('forgets the least recently seen source when it tracks too many', () => {
    const { filter } = spiedFilter({ ratePerSecond: 1, burst: 1, maxSources: 2 });
    const bytes = (seq: number) => datagramOf(alice, presence(alice, seq));
    assert.equal(reasonOf(filter.accept(bytes(1), 'a', 1)), 'accepted');
    assert.equal(reasonOf(filter.accept(bytes(2), 'a', 1)), 'rate');
    filter.accept(bytes(3), 'b', 1);
    filter.accept(bytes(4), 'c', 1);
    // 'a' was evicted, so it starts with a full bucket again.
    assert.equal(reasonOf(filter.accept(bytes(5), 'a', 1)), 'accepted');
  });

  it('accepts an anonymous QUERY without a key to verify', () => {
    const { filter, calls } = spiedFilter();
    const bytes = anonymousQuery({
      kind: 'query',
      card: null,
      seq: 1,
      timestampMs: T0,
      queryNonce: new Uint8Array(16).fill(3),
    });
    const result = filter.accept(bytes, SRC, PORT);
    assert.ok(result.ok);
    assert.equal(result.presence.kind, 'query');
    assert.equal(calls.verify, 0);
  });

  it('verifies a relay beacon against its relay id', () => {
    const { filter } = spiedFilter();
    const relay = generateSigningKeyPair();
    const other = generateSigningKeyPair();
    const beacon = (seq: number) => ({
      kind: 'relay' as const,
      relayId: relay.publicKey,
      relayPort: 47474,
      relayName: 'office',
      seq,
      timestampMs: T0,
    });
    assert.equal(
      reasonOf(filter.accept(signPresence(beacon(1), relay.secretKey), SRC, PORT)),
      'accepted',
    );
    assert.equal(
      reasonOf(filter.accept(signPresence(beacon(2), other.secretKey), SRC, PORT)),
      'forged',
    );
  });
});
