import type { EarlyPush, EnqueueResult, MailStore, Refusal } from '../../src/relay/mail-store.js';

/** What `store.enqueue` returns when it took the record (a Mailbox: with its mail at once). */
type QueuedOf<S extends MailStore> = Extract<ReturnType<S['enqueue']>, { code: 'queued' }>;

/** `store.enqueue` with its outcome as a promise (`durable`), for tests. */
export function enqueueDurable<S extends MailStore>(
  store: S,
  senderId: Uint8Array,
  recipientHex: string,
  build: (seq: number, storedAtMs: number) => Uint8Array,
  msgId?: Uint8Array,
  early?: EarlyPush,
): (QueuedOf<S> & { durable: Promise<EnqueueResult> }) | Refusal {
  let settle!: (result: EnqueueResult) => void;
  const durable = new Promise<EnqueueResult>((resolve) => {
    settle = resolve;
  });
  const queued = store.enqueue(senderId, recipientHex, build, msgId, early, settle);
  if (queued.code !== 'queued') return queued as Refusal;
  return { ...(queued as QueuedOf<S>), durable };
}
