/** Identities, cards and in-memory peer modules for unit tests (no disk, no sockets). */
import { BoxKeyring } from '../../src/crypto/box.js';
import { signCard } from '../../src/crypto/card.js';
import { generateIdentity, type Identity } from '../../src/crypto/keys.js';
import { randomBytes } from '../../src/crypto/random.js';
import { Contacts } from '../../src/peer/contacts.js';
import { sealInner } from '../../src/peer/conversations/envelope.js';
import { type PeerEventMap, PeerEvents } from '../../src/peer/events.js';
import { History } from '../../src/peer/messaging/history.js';
import { Outbox } from '../../src/peer/messaging/outbox.js';
import { MemoryKv, PeerStore } from '../../src/peer/store.js';
import { MSG_ID_BYTES } from '../../src/wire/limits.js';
import type { Card, FrameOf, Inner } from '../../src/wire/types.js';

export interface Person {
  name: string;
  id: Identity;
  card: Card;
  keyring: BoxKeyring;
}

export function person(name: string, id: Identity = generateIdentity()): Person {
  return {
    name,
    id,
    card: signCard(id, name),
    keyring: new BoxKeyring(id.boxSk),
  };
}

export function textInner(from: Person, to: Person, body = 'hi', over: Partial<Inner> = {}): Inner {
  return {
    sender: from.id.signPk,
    recipient: to.id.signPk,
    msgId: randomBytes(MSG_ID_BYTES),
    counter: 1,
    sentAtMs: 1_700_000_000_000,
    senderName: from.name,
    content: { kind: 'text', body },
    ...over,
  };
}

/** What the relay would deliver: `inner` sealed by `sealer` for `boxFor`, routed as from `fromCard`. */
export function deliverOf(
  inner: Inner,
  sealer: Person,
  boxFor: Person,
  options: { fromCard?: Card; msgId?: Uint8Array; seq?: number } = {},
): FrameOf<'deliver'> {
  const sealed = sealInner(sealer.keyring, boxFor.card.boxPk, inner);
  return {
    type: 'deliver',
    seq: options.seq ?? 1,
    from: options.fromCard ?? sealer.card,
    msgId: options.msgId ?? inner.msgId,
    nonce: sealed.nonce,
    ciphertext: sealed.ciphertext,
    storedAtMs: 1_700_000_000_100,
  };
}

/** Records every event emitted, by name. */
export function recordEvents(events: PeerEvents): {
  [K in keyof PeerEventMap]?: PeerEventMap[K][];
} {
  const seen: { [K in keyof PeerEventMap]?: PeerEventMap[K][] } = {};
  const names: (keyof PeerEventMap)[] = [
    'connection:state',
    'message:received',
    'message:status',
    'message:rejected',
    'message:held',
    'message:released',
    'contact:new',
    'contact:key-changed',
    'contact:trusted',
    'contact:renamed',
    'error',
  ];
  for (const name of names) {
    events.on(name, (e) => {
      const list = (seen[name] ?? []) as unknown[];
      list.push(e);
      (seen as Record<string, unknown[]>)[name] = list;
    });
  }
  return seen;
}

/** A store over MemoryKv plus the modules that live on it. */
export async function memoryPeer(me: Person) {
  const kv = new MemoryKv();
  const store = new PeerStore(kv);
  const events = new PeerEvents();
  const log = recordEvents(events);
  return {
    kv,
    store,
    events,
    log,
    contacts: await Contacts.load(store, events, me.id.signPk),
    history: await History.load(store),
    outbox: await Outbox.load(store),
  };
}
