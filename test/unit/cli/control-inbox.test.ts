/**
 * `natter inbox` through the running client (src/cli/control-inbox.ts): a message a
 * take read as unread, whose received event fires only after that take, is not
 * handed out again by the next take (a new-user trial saw `inbox --follow` beside a
 * chat print 3 messages of 300 twice).
 */
import assert from 'node:assert/strict';
import type { ControlSession } from '../../../src/cli/control.js';
import { inboxRead, inboxTake, inboxWait, watchStore } from '../../../src/cli/control-inbox.js';
import type { ControlTarget } from '../../../src/cli/control-ops.js';
import type { ReceivedMessage } from '../../../src/peer/index.js';

function fakeTarget() {
  const listeners = new Map<string, ((e: unknown) => void)[]>();
  let unread: (ReceivedMessage & { unreadMark: string })[] = [];
  const target = {
    me: { pseudonym: 'bob' },
    on: (event: string, fn: (e: unknown) => void) => {
      listeners.set(event, [...(listeners.get(event) ?? []), fn]);
      return () => undefined;
    },
    unread: async () => unread,
    markRead: async (marks: { unreadMark: string }[]) => {
      unread = unread.filter((m) => !marks.some((k) => k.unreadMark === m.unreadMark));
    },
    takeGroupUpdates: async () => [],
    takeDamaged: async () => [],
    takeNotices: async () => [],
  } as unknown as ControlTarget;
  return {
    target,
    stored(m: ReceivedMessage) {
      unread.push({ ...m, unreadMark: `mark-${m.msgId}` });
    },
    emit(event: string, e: unknown) {
      for (const fn of listeners.get(event) ?? []) fn(e);
    },
  };
}

const session: ControlSession = { write: () => undefined, onClose: () => undefined };

const message = (msgId: string, text: string) =>
  ({ msgId, text, receivedAtMs: 1, sentAtMs: 1 }) as unknown as ReceivedMessage;

describe('control inbox: takes through the running client', () => {
  it('hands out a message once when its event fires after the take that read it as unread', async () => {
    const { target, stored, emit } = fakeTarget();
    await inboxTake(target, session);
    const m = message('m1', 'hello');
    // Durable (unread) before its event: the take between them reads it.
    stored(m);
    const first = await inboxTake(target, session);
    assert.deepEqual(
      first.items.map((i) => ('message' in i ? i.message.msgId : 'update')),
      ['m1'],
    );
    await inboxRead(
      target,
      first.items.flatMap((i) => ('message' in i && i.unreadMark ? [i.unreadMark] : [])),
      false,
    );
    emit('message:received', m);
    const second = await inboxTake(target, session);
    assert.deepEqual(second.items, [], 'not again');
    // A later message still comes, live.
    const n = message('m2', 'again');
    emit('message:received', n);
    const third = await inboxTake(target, session);
    assert.deepEqual(
      third.items.map((i) => ('message' in i ? i.message.msgId : 'update')),
      ['m2'],
    );
  });

  it('says with each take what the running client last heard of the relay’s mail store, heard before the connection opened', async () => {
    const { target, emit } = fakeTarget();
    watchStore(target);
    assert.deepEqual((await inboxTake(target, session)).store, { reachable: true });
    // Heard while no command was connected: a connection opened later still gets it.
    emit('relay:store', { reachable: false, code: 'E_STORE_UNAVAILABLE' });
    const later: ControlSession = { write: () => undefined, onClose: () => undefined };
    const down = await inboxTake(target, later);
    assert.deepEqual(down.store, { reachable: false, code: 'E_STORE_UNAVAILABLE' });
    // A follower waiting is woken by the change.
    const woken = inboxWait(later, down.mark);
    emit('relay:store', { reachable: true });
    assert.deepEqual(await woken, { mark: down.mark + 1 });
    assert.deepEqual((await inboxTake(target, later)).store, { reachable: true });
  });
});
