/**
 * `natter who --watch` in tests: a relay that announces itself on a loopback UDP port
 * and the environment that points the CLI's presence at it, and a `who --watch --json`
 * run whose lines are parsed as they come.
 */
import { NatterClient } from '../../src/peer/client.js';
import { freeUdpPort } from '../integration/presence/helpers.js';
import type { CliOptions, CliRun, profileCli } from './cli.js';
import { startTestRelay, type TestRelay } from './relay.js';

/** A line of `who --watch --json`. */
export interface WatchLine {
  type: string;
  pseudonym: string;
  source: string;
  reason?: string;
}

/** A relay with presence on a free loopback port, and the CLI's environment for it. */
export async function presenceRelay(): Promise<{ relay: TestRelay; env: Record<string, string> }> {
  const port = await freeUdpPort();
  const relay = await startTestRelay({
    presence: { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false },
  });
  const env = {
    NATTER_PRESENCE: '1',
    NATTER_PRESENCE_PORT: String(port),
    NATTER_PRESENCE_TARGETS: '127.255.255.255',
    NATTER_PRESENCE_INTERFACES: '0',
  };
  return { relay, env };
}

/** `who --watch --json` on profile `who` (run by `as`), its lines parsed as they come; `stop` ends it. */
export function watchJson(
  as: ReturnType<typeof profileCli>['as'],
  who: string,
  options: CliOptions = {},
): { lines: WatchLine[]; stop: () => void; done: Promise<CliRun> } {
  const lines: WatchLine[] = [];
  let buffered = '';
  let stop: (s: string) => void = () => undefined;
  const done = as(who, ['who', '--watch', '--json'], {
    ...options,
    stop: new Promise<string>((resolve) => {
      stop = resolve;
    }),
    onStdout: (chunk) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const l of parts) if (l.length > 0) lines.push(JSON.parse(l) as WatchLine);
    },
  });
  return { lines, stop: () => stop('SIGINT'), done };
}

/** The client of `profileDir` on `relay` and on the LAN that `presenceRelay()`'s env names. */
export function openOnBoth(
  profileDir: string,
  relay: TestRelay,
  env: Record<string, string>,
): Promise<NatterClient> {
  return NatterClient.open({
    profileDir,
    relay: { host: relay.host, port: relay.port },
    presence: {
      port: Number(env.NATTER_PRESENCE_PORT),
      extraTargets: ['127.255.255.255'],
      broadcastInterfaces: false,
    },
  });
}
