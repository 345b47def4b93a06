/**
 * /accept-relay-key: the way out when the relay answered with another key
 * (issue 13). The core pins a new relay key only when a client starts with
 * `acceptNewRelayKey` (`--accept-new-relay-key`), so this shows the refusal in
 * full and the exact command to run, rather than accepting anything itself.
 */
import { RELAY_RETRY_MS } from '../connector.js';
import type { Span } from '../grid.js';
import type { SlashCommand } from './types.js';

/** The command that accepts the new key: the core takes it only at start. */
export const ACCEPT_RELAY_KEY_COMMAND = 'natter chat --accept-new-relay-key';

export const acceptRelayKey: SlashCommand<'accept-relay-key'> = {
  name: 'accept-relay-key',
  usage: '/accept-relay-key',
  summary: 'what to do when the relay answered with another key',
  parse: ({ text }) => (text === '' ? { kind: 'accept-relay-key' } : null),
  run(_cmd, host) {
    const refusal = host.state.relayRefusal;
    if (refusal === null) {
      host.notice('the relay has not answered with another key: nothing to accept');
      return;
    }
    const line = (text: string, style: Span['style'] = 'default'): Span[] => [{ text, style }];
    host.showPanel({
      title: 'The relay answered with ANOTHER KEY',
      lines: [
        line('Not connected. The relay refused as follows:'),
        line(''),
        line(`${refusal.message} (${refusal.code})`, 'error'),
        line(''),
        line(
          'Someone may be pretending to be your relay. Accept the new key only if the relay was reinstalled on purpose and its startup line shows the new id.',
        ),
        line(
          `Meanwhile this chat tries the relay it knows every ${RELAY_RETRY_MS / 1000} s, and reconnects when it is back.`,
          'dim',
        ),
        line(''),
        line('To accept the new key: /quit, then run (with this chat’s --profile and --relay)'),
        line(`    ${ACCEPT_RELAY_KEY_COMMAND}`, 'bold'),
      ],
    });
  },
};
