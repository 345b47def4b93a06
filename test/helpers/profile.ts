/** Profiles and clients for tests: an identity on disk and an opened NatterClient. */
import { saveIdentity } from '../../src/crypto/keyfile.js';
import { generateIdentity, type Identity } from '../../src/crypto/keys.js';
import { NatterClient, type OpenOptions } from '../../src/peer/client.js';
import { ensureProfileDir, profilePaths, updateConfig } from '../../src/peer/profile.js';
import type { RelayAddress } from '../../src/peer/relay-address.js';
import { makeTempDir } from './tmp.js';

export interface TestProfile {
  dir: string;
  name: string;
  identity: Identity;
}

/** Creates a profile directory with a fresh identity and the given pseudonym (like `natter init`). */
export async function makeProfile(
  name: string,
  options: { dir?: string; identity?: Identity; passphrase?: string } = {},
): Promise<TestProfile> {
  const dir = options.dir ?? (await makeTempDir(`natter-${name}-`));
  const paths = profilePaths(dir);
  await ensureProfileDir(dir);
  const identity = options.identity ?? generateIdentity();
  await saveIdentity(
    paths.identity,
    identity,
    options.passphrase === undefined ? {} : { passphrase: options.passphrase },
  );
  await updateConfig(paths, (c) => {
    c.pseudonym = name;
  });
  return { dir, name, identity };
}

/** Opens a client for a new (or the given) profile, pointed at `relay`. Close it in the test. */
export async function makeClient(
  name: string,
  relay: RelayAddress,
  options: { profile?: TestProfile } & Partial<OpenOptions> = {},
): Promise<NatterClient & { profile: TestProfile }> {
  const { profile: given, ...open } = options;
  const profile = given ?? (await makeProfile(name));
  const client = await NatterClient.open({ profileDir: profile.dir, relay, ...open });
  return Object.assign(client, { profile });
}
