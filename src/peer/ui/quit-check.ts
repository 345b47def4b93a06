/**
 * What quitting leaves unfinished, said before the chat asks `quit anyway?`: messages that
 * wait unsent (issue 13), and uploads not yet all on the relay (a trial's Ctrl-C during
 * `/send huge.bin` quit without a word). Both go on by themselves the next time natter runs
 * on this profile. Pure.
 */
import type { ChatCore } from './core.js';
import { fileLabel } from './file-words.js'; // sanitised

/** Asked at quit while something is unfinished. */
export const QUIT_QUESTION = 'quit anyway? (y/n)';

/** The notice shown before QUIT_QUESTION, or null when nothing is unfinished. */
export function unfinishedAtQuit(core: Pick<ChatCore, 'queued' | 'transfers'>): string | null {
  const said: string[] = [];
  const waiting = core.queued().length;
  if (waiting > 0) {
    said.push(
      `${waiting} message(s) not sent yet: they go out when natter next reaches the relay (natter outbox lists them)`,
    );
  }
  const uploads = core
    .transfers()
    .filter((t) => t.direction === 'upload' && (t.state === 'running' || t.state === 'waiting'));
  if (uploads.length > 0) {
    const first = uploads[0]!;
    const done = first.size > 0 ? Math.floor((first.doneBytes / first.size) * 100) : 0;
    const what =
      uploads.length === 1
        ? `the upload of ${fileLabel(first)} is not finished (${done}%): it resumes`
        : `${uploads.length} uploads are not finished: they resume`;
    said.push(
      `${what} the next time natter runs on this profile (natter outbox and natter transfers show them)`,
    );
  }
  return said.length === 0 ? null : said.join('; ');
}
