/**
 * /send PATH... (issue 12): offers files or folders in the open conversation, a person
 * or a group, and uploads them; the status bar shows the upload, and a line in the
 * conversation says when it is on the relay (file-events.ts). Paths as a shell takes them: `~`, and a
 * backslash before a space; Tab completes them from the local file system.
 */
import { fileLabel } from '../file-words.js';
import { splitPaths } from '../path-completion.js';
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
    const paths = splitPaths(text);
    return paths.length === 0 ? null : { kind: 'send', paths };
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
    host.notice(`offered ${fileLabel(t)} to ${sanitize(labelOf(conv))}: uploading`);
    await host.reread();
  },
};
