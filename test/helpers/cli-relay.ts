/**
 * The CLI against a real relay on loopback: a relay and a temp dir of profiles made
 * before each test (the caller's describe registers the hooks by calling cliRelay()), the
 * CLI run on them (profileCli), and a running client on a profile with its control socket,
 * as `natter chat` serves it, closed after each test.
 */
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
