/**
 * `natter init`'s failures (QA trial): a refusal before the profile is of any use (a name
 * the relay refuses, several relays and none chosen, a bad name) leaves the profile's
 * place as it was found, so the retry is a first init; a relay that refuses the
 * registration is a failure (exit 1, stderr) that keeps the profile and says so; a relay
 * not known or not reachable now is a note on stderr, exit 0.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { loopbackLan } from './lan-relays.js';

const codeOf = (stderr: string) => /\((E_[A-Z_]+)\)\n$/.exec(stderr)?.[1];

/** What a directory holds: names, and each file's bytes. */
async function contents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    out[name] = (await stat(path)).isDirectory() ? '<dir>' : await readFile(path, 'utf8');
  }
  return out;
}

describe('cli: init’s failures leave nothing behind, or say what they kept', function () {
  this.timeout(60_000);
  const { lan, relay: lanRelay } = loopbackLan();
  let dir: string;

  beforeEach(async () => {
    dir = await makeTempDir();
  });

  describe('against one relay', () => {
    let relay: TestRelay;
    const at = () => `${relay.host}:${relay.port}`;
    const init = (profile: string, name: string) =>
      runCli(['--profile', profile, '--relay', at(), 'init', '--name', name]);

    afterEach(async () => {
      await relay.close();
    });

    it('a taken name leaves a new profile directory uncreated, and the retry with another name works', async () => {
      relay = await startTestRelay();
      assert.equal((await init(join(dir, 'a'), 'alice')).code, 0);
      const profile = join(dir, 'new', 'b');
      const taken = await init(profile, 'alice');
      assert.equal(taken.code, 1, taken.stderr);
      assert.equal(codeOf(taken.stderr), 'E_PSEUDONYM_TAKEN', taken.stderr);
      assert.deepEqual(await readdir(dir), ['a'], 'no profile directory (nor its parent) left');
      const again = await init(profile, 'bella');
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /registered on relay /);
    });

    it('a taken name leaves an existing directory as it was: its config.json, its log, nothing new', async () => {
      relay = await startTestRelay();
      assert.equal((await init(join(dir, 'a'), 'alice')).code, 0);
      const profile = join(dir, 'b');
      await mkdir(profile);
      // Written by hand, as `natter config set relay` would before init.
      await writeFile(join(profile, 'config.json'), '{"relay":"10.0.0.5:47474"}\n');
      await writeFile(join(profile, 'natter.log'), '{"msg":"from before"}\n');
      const found = await contents(profile);
      const taken = await init(profile, 'alice');
      assert.equal(codeOf(taken.stderr), 'E_PSEUDONYM_TAKEN', taken.stderr);
      assert.deepEqual(await contents(profile), found);
    });

    it('a relay with no room for more users fails init (exit 1, stderr) and keeps the profile', async () => {
      relay = await startTestRelay({ limits: { maxUsers: 1 } });
      assert.equal((await init(join(dir, 'a'), 'alice')).code, 0);
      const r = await init(join(dir, 'b'), 'bob');
      assert.equal(r.code, 1, r.stderr);
      assert.equal(codeOf(r.stderr), 'E_RELAY_USERS_FULL', r.stderr);
      assert.equal(r.stderr.split('\n').length, 2, 'one line');
      assert.match(
        r.stderr,
        /^natter: not registered yet: relay \S+ answered, but it has no room for more users; ask the relay's operator \(your identity is kept in /,
      );
      assert.match(r.stdout, /^bob {2}\S+\nidentity created in /);
      assert.ok((await readdir(join(dir, 'b'))).includes('identity.json'));
    });
  });

  it('no relay known (LAN presence off): exit 0, the note on stderr, stdout only the identity', async () => {
    const r = await runCli(['--profile', join(dir, 'c'), 'init', '--name', 'carol']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^natter: no relay known yet: the name is registered the first time/);
    assert.match(r.stdout, /^carol {2}\S+\nidentity created in \S+\n$/);
  });

  it('two relays heard, none chosen: nothing left in the directory, and the retry with --relay works', async () => {
    const office = await lanRelay();
    await lanRelay();
    const lanEnv = {
      NATTER_PRESENCE: '1',
      NATTER_PRESENCE_PORT: String(lan().port),
      NATTER_PRESENCE_TARGETS: '127.255.255.255',
      NATTER_PRESENCE_INTERFACES: '0',
    };
    const profile = join(dir, 'd');
    await mkdir(profile);
    const r = await runCli(['--profile', profile, 'init', '--name', 'dave'], { env: lanEnv });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(codeOf(r.stderr), 'E_SEVERAL_RELAYS', r.stderr);
    assert.deepEqual(await readdir(profile), [], 'no config.json, db/ or natter.log');
    const fresh = join(dir, 'e');
    const none = await runCli(['--profile', fresh, 'init', '--name', 'erin'], { env: lanEnv });
    assert.equal(codeOf(none.stderr), 'E_SEVERAL_RELAYS', none.stderr);
    assert.deepEqual(await readdir(dir), ['d'], 'a directory init made is gone');
    const chosen = await runCli(
      ['--profile', profile, '--relay', `127.0.0.1:${office.port}`, 'init', '--name', 'dave'],
      { env: lanEnv },
    );
    assert.equal(chosen.code, 0, chosen.stderr);
  });

  it('a bad name creates nothing', async () => {
    const r = await runCli(['--profile', join(dir, 'f'), 'init', '--name', 'a b']);
    assert.equal(codeOf(r.stderr), 'E_BAD_PSEUDONYM', r.stderr);
    assert.deepEqual(await readdir(dir), []);
  });
});
