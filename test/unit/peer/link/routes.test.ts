import assert from 'node:assert/strict';
import {
  type LinkTarget,
  type RouteTable,
  route,
  routes,
} from '../../../../src/peer/link/routes.js';
import { routes as relayRoutes } from '../../../../src/relay/dispatch.js';
import { isNatterError } from '../../../../src/util/errors.js';
import type { Frame, FrameType } from '../../../../src/wire/types.js';

/** A LinkTarget that records which method each frame reached. */
function recorder() {
  const calls: string[] = [];
  const note = (name: string) => (f: Frame) => {
    calls.push(`${name}:${f.type}`);
  };
  const target: LinkTarget = {
    challenge: async (f) => note('challenge')(f),
    ready: note('ready'),
    ping: note('ping'),
    relayError: note('relayError'),
    goodbye: note('goodbye'),
    reply: note('reply'),
    owner: {
      deliver: note('owner'),
      'send-ack': note('owner'),
      'roster-update': note('owner'),
      'group-deliver': note('owner'),
      'group-resend-result': note('owner'),
      'file-chunk': note('owner'),
      'file-chunk-ack': note('owner'),
      'store-status': note('owner'),
    },
  };
  return { calls, target };
}

describe('link routes: a table over what the relay sends', () => {
  it("routes every kind the relay may send: with the relay's table, every kind has a receiver", () => {
    const both: string[] = [];
    for (const kind of Object.keys(routes) as FrameType[]) {
      const fromRelay = routes[kind] !== null;
      const fromClient = relayRoutes[kind] !== null;
      assert.ok(fromRelay || fromClient, `${kind} is accepted by one side at least`);
      if (fromRelay && fromClient) both.push(kind);
    }
    assert.deepEqual(
      both.sort(),
      ['error', 'file-chunk', 'file-chunk-ack', 'goodbye', 'ping', 'pong'],
      'only control frames and file chunks and their acks go both ways',
    );
    assert.deepEqual(Object.keys(routes).sort(), Object.keys(relayRoutes).sort());
  });

  it('does not compile without an entry for every frame kind', () => {
    const { ping: _left, ...missing } = routes;
    // @ts-expect-error a table without 'ping' is not a RouteTable
    const table: RouteTable = missing;
    assert.ok(table);
  });

  it('hands each kind to its handler in its phase', async () => {
    const { calls, target } = recorder();
    const card = {
      userId: new Uint8Array(32),
      pseudonym: 'a',
      boxPk: new Uint8Array(32),
      cardSig: new Uint8Array(64),
    };
    await route(target, 'hello', {
      type: 'challenge',
      version: 1,
      relayId: new Uint8Array(32),
      challenge: new Uint8Array(32),
      relaySig: new Uint8Array(64),
      relayName: 'r',
      features: 0,
    });
    await route(target, 'auth', { type: 'ready', card, pending: 0, serverTimeMs: 0 });
    await route(target, 'ready', { type: 'ping', nonce: 1 });
    await route(target, 'ready', { type: 'pong', nonce: 1 });
    await route(target, 'ready', {
      type: 'lookup-result',
      requestId: 1,
      card: null,
      online: false,
    });
    await route(target, 'ready', { type: 'roster-update', full: true, entries: [] });
    await route(target, 'ready', {
      type: 'group-deliver',
      groupId: new Uint8Array(16),
      gseq: 1,
      storedAtMs: 0,
      item: {
        kind: 'message',
        from: new Uint8Array(32),
        msgId: new Uint8Array(16),
        body: new Uint8Array(1),
      },
    });
    await route(target, 'ready', {
      type: 'group-change-result',
      requestId: 2,
      code: '',
      reason: '',
      gseq: 1,
    });
    await route(target, 'ready', {
      type: 'group-log-result',
      requestId: 3,
      found: false,
      changes: [],
      more: false,
    });
    await route(target, 'hello', { type: 'error', code: 'E_X', message: '' });
    await route(target, 'auth', { type: 'goodbye', reason: '' });
    assert.deepEqual(calls, [
      'challenge:challenge',
      'ready:ready',
      'ping:ping',
      'reply:lookup-result',
      'owner:roster-update',
      'owner:group-deliver',
      'reply:group-change-result',
      'reply:group-log-result',
      'relayError:error',
      'goodbye:goodbye',
    ]);
  });

  it('rejects with E_UNEXPECTED_FRAME a kind outside its phase, or one only clients send', () => {
    const { calls, target } = recorder();
    assert.throws(
      () => route(target, 'hello', { type: 'roster-update', full: true, entries: [] }),
      (e) => isNatterError(e, 'E_UNEXPECTED_FRAME'),
    );
    route(target, 'ready', { type: 'ping', nonce: 1 });
    assert.throws(
      () => route(target, 'auth', { type: 'ping', nonce: 1 }),
      (e) => isNatterError(e, 'E_UNEXPECTED_FRAME'),
    );
    assert.throws(
      () =>
        route(target, 'ready', {
          type: 'hello',
          version: 1,
          clientNonce: new Uint8Array(32),
          features: 0,
        }),
      (e) => isNatterError(e, 'E_UNEXPECTED_FRAME'),
    );
    assert.deepEqual(calls, ['ping:ping'], 'nothing out of place reached a handler');
  });
});
