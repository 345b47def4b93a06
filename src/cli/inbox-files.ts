/**
 * What `natter inbox` says of files auto-accepted while it runs (config auto-accept): where
 * each was saved, on stderr (a files trial found one saved and not a word of where). Small
 * ones are waited for a moment before the command exits; one still downloading then is
 * said with the way to finish it (it goes on the next time natter connects on this profile).
 * An offer its sender cancelled is said as it is told (files/cancels.ts), downloading or not.
 */
import type { NatterClient, OfferInfo } from '../peer/index.js';
import type { CliContext } from './context.js';
import { describeFile, failureWords, savedWords } from './file-format.js';
import { sanitize } from './format.js';

/** What an offer its sender cancelled means for its recipient. */
export const CANCELLED_WORDS = 'it can no longer be fetched';

/** How long `inbox` waits, before it exits, for downloads auto-accepted while it ran. */
export const AUTO_ACCEPT_WAIT_MS = 2_000;

type FilesClient = Pick<NatterClient, 'on' | 'waitForTransfer'>;

/** Listens for auto-accepted offers, received and cancelled files; `settle()` before exiting. */
export function tellAutoAccepted(
  ctx: CliContext,
  client: FilesClient,
): { settle(waitMs?: number): Promise<void> } {
  const running = new Map<string, OfferInfo>();
  client.on('file:offer', (o) => {
    if (o.state === 'accepted') running.set(o.id, o);
  });
  client.on('file:received', (o) => {
    running.delete(o.id);
    ctx.err(`natter: received ${describeFile(o)} from ${sanitize(o.from)}${savedWords(o)}`);
  });
  client.on('transfer:finished', (t) => {
    if (t.direction !== 'download' || t.error?.code !== 'E_FILE_CANCELLED') return;
    running.delete(t.id);
    ctx.err(
      `natter: ${sanitize(t.from ?? t.peer)} cancelled ${describeFile(t)}: ${CANCELLED_WORDS}`,
    );
  });
  return {
    async settle(waitMs = AUTO_ACCEPT_WAIT_MS) {
      if (running.size === 0) return;
      const ends = [...running.keys()].map((id) =>
        client.waitForTransfer(id).then(
          (t) => {
            running.delete(id);
            if (t.state !== 'done' && t.error !== null)
              ctx.err(`natter: ${describeFile(t)}: ${failureWords(t.error)} (${t.error.code})`);
          },
          () => undefined,
        ),
      );
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise((r) => {
        timer = setTimeout(r, waitMs);
      });
      await Promise.race([Promise.all(ends), late]);
      clearTimeout(timer);
      for (const o of running.values())
        ctx.err(
          `natter: ${describeFile(o)} from ${sanitize(o.from)} is still downloading (auto-accept); it goes on the next time natter connects, or now with natter accept ${o.shortId}`,
        );
    },
  };
}
