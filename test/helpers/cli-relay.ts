/**
 * The CLI against a real relay on loopback: a relay and a temp dir of profiles made
 * before each test (the caller's describe registers the hooks by calling cliRelay()), the
 * CLI run on them (profileCli), and a running client on a profile with its control socket,
 * as `natter chat` serves it, closed after each test.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  type ControlServer,
  controlSocketPath,
  startControlServer,
} from '../../src/cli/control.js';
import { NatterClient } from '../../src/peer/client.js';
import { silentLogger } from '../../src/util/logger.js';
import { profileCli } from './cli.js';
import { startTestRelay, type TestRelay } from './relay.js';
import { makeTempDir, removeTempDirs } from './tmp.js';

export interface CliRelay {
  relay: TestRelay;
  /** Where the profiles are: `as('b', ...)` runs on dir/b. */
  dir: string;
  env: Record<string, string>;
  as: ReturnType<typeof profileCli>['as'];
  ok: ReturnType<typeof profileCli>['ok'];
  /** Opens profile `who` as a running client (a chat stand-in) serving its control socket, connected. */
  runClient(who: string): Promise<NatterClient>;
}

export function cliRelay(): CliRelay {
  let running: { client: NatterClient; control: ControlServer } | null = null;
  const f = {
    dir: '',
    env: {} as Record<string, string>,
    async runClient(who: string): Promise<NatterClient> {
      const profileDir = join(f.dir, who);
      const client = await NatterClient.open({
        profileDir,
        relay: { host: f.relay.host, port: f.relay.port },
        presence: false,
      });
      const control = await startControlServer(controlSocketPath(profileDir), client, silentLogger);
      running = { client, control };
      await client.connect();
      return client;
    },
  } as CliRelay;
  Object.assign(
    f,
    profileCli(() => ({ dir: f.dir, env: f.env })),
  );
  beforeEach(async () => {
    f.relay = await startTestRelay();
    f.dir = await makeTempDir();
    f.env = { NATTER_RELAY: `${f.relay.host}:${f.relay.port}`, NATTER_PRESENCE_INTERFACES: '0' };
    running = null;
  });
  afterEach(async () => {
    await running?.control.close();
    await running?.client.close();
    await f.relay.close();
    await removeTempDirs();
  });
  return f;
}

/** Profiles dir/KEY registered as NAME, in order: `initProfiles(f, { a: 'alice', b: 'bob' })`. */
export async function initProfiles(f: CliRelay, names: Record<string, string>): Promise<void> {
  for (const [who, name] of Object.entries(names)) await f.ok(who, ['init', '--name', name]);
}

/** Polls `check` every 20 ms for up to `tries` turns; fails naming `what`. */
export async function until(check: () => boolean, what: string, tries = 750): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/**
 * `natter inbox --follow` on profile c (carol) while alice sends her `first`, the relay
 * stops and starts again on its port and data: what it said, once it was stopped by
 * SIGTERM after the relay's return was said.
 */
export async function followAcrossRelayRestart(f: CliRelay) {
  let stop: (signal: string) => void = () => undefined;
  let stderr = '';
  let stdout = '';
  const following = f.as('c', ['inbox', '--follow'], {
    stop: new Promise<string>((resolve) => {
      stop = resolve;
    }),
    onStderr: (chunk) => {
      stderr += chunk;
    },
    onStdout: (chunk) => {
      stdout += chunk;
    },
  });
  await f.ok('a', ['send', '--to', 'carol', 'first']);
  await until(() => stdout.includes('first'), 'the message followed');
  const { port, dataDir } = f.relay;
  await f.relay.close();
  await until(() => /lost the relay; waiting for it/.test(stderr), 'the loss said');
  f.relay = await startTestRelay({ port, dataDir });
  await until(() => /the relay is back/.test(stderr), 'the return said');
  stop('SIGTERM');
  return following;
}
