/**
 * /accept [ID] (issue 12): downloads an offered file or folder; without an ID, the
 * newest offer still waiting in the open conversation. The status bar shows the
 * download, and a line says where it was saved (file-events.ts).
 */
import { fileLabel } from '../file-words.js';
import { pickOffer } from './offer-ref.js';
import type { SlashCommand } from './types.js';

export const accept: SlashCommand<'accept'> = {
  name: 'accept',
  usage: '/accept [ID]',
  summary: 'download a file offered to you (no ID: the newest here)',
  parse: ({ first, more }) =>
    more > 0 ? null : first === '' ? { kind: 'accept' } : checkRef('accept', first),
  async run(cmd, host) {
    const offer = pickOffer(host, 'accept', cmd.ref);
    if (offer === null) return;
    const t = await host.core.acceptFile(offer.ref);
    host.state.files.progress(t);
    host.notice(`downloading ${offer.info ? fileLabel(offer.info) : t.shortId}…`);
  },
};

/** An ID as typed: hex digits, at least 4 (the core's minimum). */
export function checkRef<K extends 'accept' | 'decline' | 'cancel'>(
  kind: K,
  ref: string,
): { kind: K; ref: string } | null {
  return /^[0-9a-f]{4,64}$/i.test(ref) ? { kind, ref: ref.toLowerCase() } : null;
}
