import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadIdentity } from '../../../src/crypto/keyfile.js';
import { fingerprint } from '../../../src/crypto/keys.js';
import {
  checkRelayPin,
  createIdentity,
  ensureProfileDir,
  pinnedRelayId,
  pinRelay,
  profilePaths,
  readConfig,
  resolveProfileDir,
  writeConfig,
} from '../../../src/peer/profile.js';
import { toHex } from '../../../src/util/bytes.js';
import { isNatterError } from '../../../src/util/errors.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

describe('profile: where a user’s keys and state live', () => {
  after(removeTempDirs);

  it('prefers --profile, then NATTER_HOME, then XDG_DATA_HOME, then ~/.local/share', () => {
    const env = { NATTER_HOME: '/n', XDG_DATA_HOME: '/x', HOME: '/h' };
    assert.equal(resolveProfileDir('/p', env), resolve('/p'));
    assert.equal(resolveProfileDir(undefined, env), resolve('/n'));
    assert.equal(
      resolveProfileDir(undefined, { XDG_DATA_HOME: '/x', HOME: '/h' }),
      resolve('/x/natter'),
    );
    assert.equal(resolveProfileDir(undefined, { HOME: '/h' }), resolve('/h/.local/share/natter'));
  });

  it('creates the profile directory private to its owner', async () => {
    const dir = join(await makeTempDir(), 'profile');
    await ensureProfileDir(dir);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
  });

  it('pins the relay id it registered with, whatever the address, and refuses another unless told to accept it', async () => {
    const paths = profilePaths(await makeTempDir());
    await ensureProfileDir(paths.dir);
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    assert.equal(await checkRelayPin(paths, 'r:1', a, false), 'new');
    assert.equal((await readConfig(paths)).relayId, undefined, 'checking writes nothing');
    assert.equal(await pinRelay(paths, a), true);
    assert.equal(await pinRelay(paths, a), false, 'already pinned');
    assert.equal((await readConfig(paths)).relayId, a);
    assert.equal(await checkRelayPin(paths, 'r:1', a, false), 'match');
    assert.equal(
      await checkRelayPin(paths, 'moved:2', a, false),
      'match',
      'the pin is not per address',
    );
    for (const address of ['r:1', 'elsewhere:3']) {
      await assert.rejects(checkRelayPin(paths, address, b, false), (e) =>
        isNatterError(e, 'E_RELAY_KEY_CHANGED'),
      );
    }
    assert.equal((await readConfig(paths)).relayId, a, 'a refusal changes nothing');
    assert.equal(await checkRelayPin(paths, 'r:1', b, true), 'replaced');
    assert.equal((await readConfig(paths)).relayId, a, 'checking writes nothing');
  });

  it('reads the per-address pins of a profile from before issue 10 until a relay id is pinned', async () => {
    const paths = profilePaths(await makeTempDir());
    await ensureProfileDir(paths.dir);
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    await writeConfig(paths, { relay: 'r:1', pinnedRelays: { 'r:1': a, 'junk:1': 'not hex' } });
    const legacy = await readConfig(paths);
    assert.deepEqual(legacy.pinnedRelays, { 'r:1': a });
    assert.equal(pinnedRelayId(legacy, 'r:1'), a);
    assert.equal(pinnedRelayId(legacy, 'other:1'), undefined);
    await assert.rejects(checkRelayPin(paths, 'r:1', b, false), (e) =>
      isNatterError(e, 'E_RELAY_KEY_CHANGED'),
    );
    await pinRelay(paths, b);
    const now = await readConfig(paths);
    assert.equal(pinnedRelayId(now, 'r:1'), b, 'the relay id wins over an old per-address pin');
    assert.deepEqual(now.pinnedRelays, { 'r:1': a }, 'old pins are kept as found');
  });

  it('ignores a relay id in config.json that is not 32 bytes of lowercase hex', async () => {
    const paths = profilePaths(await makeTempDir());
    await ensureProfileDir(paths.dir);
    await writeConfig(paths, { relayId: 'AB'.repeat(32), pinnedRelays: {} });
    assert.equal((await readConfig(paths)).relayId, undefined);
  });

  it('creates an identity with its pseudonym (NFKC) and relay, and never replaces one', async () => {
    const dir = join(await makeTempDir(), 'p');
    const me = await createIdentity({
      profileDir: dir,
      pseudonym: 'ａｌｉｃｅ',
      passphrase: 'correct horse',
      relay: { host: '127.0.0.1', port: 9 },
    });
    const paths = profilePaths(dir);
    const identity = await loadIdentity(paths.identity, { passphrase: 'correct horse' });
    assert.deepEqual(me, {
      pseudonym: 'alice',
      userId: toHex(identity.signPk),
      fingerprint: fingerprint(identity.signPk),
    });
    const config = await readConfig(paths);
    assert.equal(config.pseudonym, 'alice');
    assert.equal(config.relay, '127.0.0.1:9');
    assert.equal((await stat(paths.identity)).mode & 0o777, 0o600);
    await assert.rejects(createIdentity({ profileDir: dir, pseudonym: 'bob' }), (e) =>
      isNatterError(e, 'E_PROFILE_EXISTS'),
    );
    assert.deepEqual(
      (await loadIdentity(paths.identity, { passphrase: 'correct horse' })).signPk,
      identity.signPk,
    );
  });

  it('refuses a name that may not be registered, before writing anything', async () => {
    const dir = join(await makeTempDir(), 'p');
    for (const bad of ['', 'has space', '-bob', '@bob', 'alice\ufe0f', 'bob\u034f', 'x\u115f']) {
      await assert.rejects(createIdentity({ profileDir: dir, pseudonym: bad }), (e) =>
        isNatterError(e, 'E_BAD_PSEUDONYM'),
      );
    }
    await assert.rejects(stat(dir), 'no profile directory was made');
  });
});
