/**
 * JetStream calls through a NATS node that just died, or a stream whose leader
 * is being elected again, fail for a few seconds (a timeout, no responders, a
 * connection being re-established). A relay of a cluster rides through that
 * instead of refusing mail: each call is tried again until it succeeds, fails
 * for a reason another try cannot fix, or CLUSTER_RETRY_BUDGET_MS has passed.
 * Publishes carry a message id, so a publish that was stored but whose ack was
 * lost is not stored twice when tried again (JetStream's duplicate window).
 */
import type { Clock } from '../../util/clock.js';

/**
 * How long a call is tried before its caller is told it failed: longer than a
 * JetStream leader election after a node dies (a few seconds here), and well
 * inside a client's wait for an ack (a message refused with `internal` is kept
 * and sent again by the client anyway).
 */
export const CLUSTER_RETRY_BUDGET_MS = 15_000;
const RETRY_PAUSE_MS = 200;

/** JetStream API errors that another try cannot change (nats-server's errors.json). */
const FINAL_API_CODES = new Set([
  10077, // maximum messages per subject exceeded (the recipient quota)
  10047, // insufficient resources (storage full)
  10054, // message size exceeds the maximum (too large: no try makes it smaller)
  10039, // maximum bytes exceeded
]);

export function isFinal(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // natter's own coded errors (a corrupt key, say) are answers, not hiccups.
  if (typeof code === 'string' && code.startsWith('E_')) return true;
  return typeof code === 'number' && FINAL_API_CODES.has(code);
}

export async function retrying<T>(
  clock: Clock,
  call: () => Promise<T>,
  budgetMs = CLUSTER_RETRY_BUDGET_MS,
): Promise<T> {
  const deadline = clock.now() + budgetMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (isFinal(err) || clock.now() + RETRY_PAUSE_MS > deadline) throw err;
      await new Promise<void>((r) => {
        const t = clock.setTimeout(r, RETRY_PAUSE_MS);
        (t as { unref?: () => void }).unref?.();
      });
    }
  }
}
