/**
 * /send PATH... (issue 12): offers files or folders in the open conversation, a person
 * or a group, and uploads them; the status bar shows the upload, and a line in the
 * conversation says when it is on the relay (file-events.ts). Paths as a shell takes them: `~`, a
 * backslash before a space, '…' and "…" (path-completion.ts splitWords); Tab completes them from the local file system.
 */
import { fileLabel, leftOutWords } from '../file-words.js';
import { splitWords } from '../path-completion.js';
import { labelOf } from '../state.js';
import { sanitize } from '../text.js';
import type { SlashCommand } from './types.js';

export const send: SlashCommand<'send'> = {
  name: 'send',
  aliases: ['file'],
  usage: '/send PATH...',
  summary: 'send files or folders here (Tab completes paths)',
  completes: 'path',
  parse: ({ text }) => {
    // An unclosed quote is a usage error: guessing where the path ends could send another file.
    const { words: paths, open } = splitWords(text);
    return paths.length === 0 || open || paths.includes('') ? null : { kind: 'send', paths };
  },
  async run(cmd, host) {
    const conv = host.state.active();
    if (conv === undefined || host.state.panel !== null) {
      const why =
        conv === undefined ? 'no conversation open: /msg NAME first' : 'Esc closes the panel first';
      host.notice(why, 'error');
      return;
    }
    if (conv.kind === 'group' && host.state.groups.get(conv.id)?.myRole === null) {
      host.notice(`not sent: you are no longer a member of ${sanitize(labelOf(conv))}`, 'error');
      return;
    }
    const target = conv.kind === 'group' ? { group: conv.id } : { to: conv.name };
    host.notice('offering…');
    const t = await host.core.sendFile(
      target,
      cmd.paths.map((p) => host.expandPath(p)),
    );
    host.state.files.sent(t, conv.id);
    // The core keeps the offer in the conversation's history ("sent a file: ...").
    const offered = `offered ${fileLabel(t)} to ${sanitize(labelOf(conv))}: uploading`;
    // Members the relay left out over their size limit: said once, here (their own decline
    // is not said again: replies.ts).
    const left = leftOutWords(t);
    host.notice(left === null ? offered : `${offered}; ${left}`, left === null ? 'info' : 'warn');
    await host.reread();
  },
};
