/**
 * The profile's settings from the command line (issue 13, items 5-7): the saved
 * relay address follows a --relay that proves the pinned relay, `natter config`
 * shows and changes it, `natter rename` claims another name for the identity, and
 * a sealed key is asked for on a terminal.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { profilePaths, readConfig } from '../../../src/peer/profile.js';
import { profileCli } from '../../helpers/cli.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

describe('cli: the profile settings', () => {
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  const relayAt = () => `${relay.host}:${relay.port}`;
  const { as } = profileCli(() => ({ dir, env }));
  const config = (who: string) => readConfig(profilePaths(join(dir, who)));

  beforeEach(async () => {
    relay = await startTestRelay();
    dir = await makeTempDir();
    env = { NATTER_RELAY: relayAt() };
  });

  afterEach(async () => {
    await relay.close();
    await removeTempDirs();
  });

  describe('the saved relay address', () => {
    it('replaces a mistyped address with a --relay that reached the relay', async () => {
      const init = await as('a', ['init', '--name', 'alice', '--relay', '127.0.0.1:1'], {
        env: { NATTER_RELAY: undefined },
      });
      assert.equal(init.code, 0, init.stderr);
      assert.equal((await config('a')).relay, '127.0.0.1:1');
      const inbox = await as('a', ['--relay', relayAt(), 'inbox'], {
        env: { NATTER_RELAY: undefined },
      });
      assert.equal(inbox.code, 0, inbox.stderr);
      assert.equal((await config('a')).relay, relayAt());
      // Saved: the next command needs no --relay.
      const again = await as('a', ['inbox'], { env: { NATTER_RELAY: undefined } });
      assert.equal(again.code, 0, again.stderr);
    });

    it('keeps the saved address when a --relay proves another relay id', async () => {
      assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
      const other = await startTestRelay();
      try {
        const r = await as('a', ['--relay', `${other.host}:${other.port}`, 'inbox']);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /\(E_RELAY_KEY_CHANGED\)\n$/);
        assert.equal((await config('a')).relay, relayAt());
      } finally {
        await other.close();
      }
    });

    it('shows the settings and sets a valid relay address with natter config', async () => {
      assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
      const all = await as('a', ['config', 'get', '--json']);
      assert.equal(all.code, 0, all.stderr);
      const settings = JSON.parse(all.stdout) as Record<string, string | null>;
      assert.equal(settings.pseudonym, 'alice');
      assert.equal(settings.relay, relayAt());
      assert.match(settings.relayId ?? '', /^[0-9a-f]{64}$/);
      const one = await as('a', ['config', 'get', 'relay']);
      assert.match(one.stdout, new RegExp(`^relay +${relayAt()}\\nrelay id +\\S+`));

      const bad = await as('a', ['config', 'set', 'relay', 'no such:host:1']);
      assert.equal(bad.code, 2);
      assert.equal((await as('a', ['config', 'set', 'pseudonym', 'x'])).code, 2);
      const set = await as('a', ['config', 'set', 'relay', 'relay.example:4000']);
      assert.equal(set.code, 0, set.stderr);
      assert.equal((await config('a')).relay, 'relay.example:4000');
      assert.match(set.stderr, /must prove relay id/);
      const none = await as('nobody', ['config', 'get']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /\(E_NO_IDENTITY\)\n$/);
    });
  });

  it('shows the address of a relay found on the LAN, said so, beside no configured one', async () => {
    assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
    const file = profilePaths(join(dir, 'a')).config;
    const { relay: _configured, ...saved } = JSON.parse(await readFile(file, 'utf8')) as Record<
      string,
      unknown
    >;
    await writeFile(file, JSON.stringify({ ...saved, relaySeen: '127.0.0.1:47999' }));
    const text = await as('a', ['config', 'get', 'relay'], { env: { NATTER_RELAY: undefined } });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^relay +\(found on the LAN\) 127\.0\.0\.1:47999\n/);
    const json = await as('a', ['config', 'get', '--json'], { env: { NATTER_RELAY: undefined } });
    const settings = JSON.parse(json.stdout) as Record<string, string | null>;
    assert.equal(settings.relay, null, 'no configured address');
    assert.equal(settings.relaySeen, '127.0.0.1:47999');
  });

  describe('natter rename', () => {
    it('moves the identity to a new name and frees the old one', async () => {
      assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
      assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
      const renamed = await as('a', ['rename', 'alicia', '--json']);
      assert.equal(renamed.code, 0, renamed.stderr);
      assert.deepEqual(JSON.parse(renamed.stdout), {
        from: 'alice',
        to: 'alicia',
        relay: relayAt(),
      });
      assert.equal((await config('a')).pseudonym, 'alicia');
      // The old name is free for someone else; the new one reaches the same identity.
      assert.equal((await as('c', ['init', '--name', 'alice'])).code, 0);
      assert.equal((await as('b', ['send', '--to', 'alicia', 'hello again'])).code, 0);
      const inbox = await as('a', ['inbox', '--json']);
      assert.equal(inbox.code, 0, inbox.stderr);
      assert.match(inbox.stdout, /"text":"hello again"/);
    });

    it("moves a contact's pin and verification to their new name, and numbering goes on", async () => {
      assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
      assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
      assert.equal((await as('a', ['send', '--to', 'bob', 'hi bob'])).code, 0);
      assert.equal((await as('b', ['inbox'])).code, 0);
      assert.equal((await as('b', ['send', '--to', 'alice', 'hi alice'])).code, 0);
      assert.equal((await as('a', ['inbox'])).code, 0);
      const fp = JSON.parse((await as('a', ['fingerprint', 'bob', '--json'])).stdout);
      const trusted = await as('a', ['trust', 'bob', '--safety-number', fp.safetyNumber]);
      assert.equal(trusted.code, 0, trusted.stderr);

      assert.equal((await as('b', ['rename', 'robert'])).code, 0);
      // alice writes to the new name before she has heard of it: numbered afresh, no notice.
      assert.equal((await as('a', ['send', '--to', 'robert', 'robert?'])).code, 0);
      const first = await as('b', ['inbox']);
      assert.match(first.stdout, /robert\?/);
      assert.doesNotMatch(first.stderr, /numbered from an earlier point/);
      assert.equal((await as('b', ['send', '--to', 'alice', 'robert now'])).code, 0);
      assert.match((await as('a', ['inbox'])).stdout, /robert now/);
      const contacts = JSON.parse((await as('a', ['contacts', '--json'])).stdout) as {
        pseudonym: string;
        verified: boolean;
        renamedTo?: string;
      }[];
      assert.deepEqual(
        contacts.map((c) => [c.pseudonym, c.verified, c.renamedTo]),
        [
          ['bob', true, 'robert'],
          ['robert', true, undefined],
        ],
        'one contact under the new name, still verified; the old name marked',
      );
      assert.match((await as('a', ['contacts'])).stdout, /^bob +\S+ +now called robert$/m);
      // Written to the old name while nobody else has it, it reaches him in the same
      // numbering, said on stderr.
      assert.equal((await as('a', ['send', '--to', 'robert', 'hi robert'])).code, 0);
      const toOld = await as('a', ['send', '--to', 'bob', 'to the old name']);
      assert.match(toOld.stderr, /bob is now called robert: sending to robert/);
      const inbox = await as('b', ['inbox']);
      assert.match(inbox.stdout, /hi robert[\s\S]*to the old name/);
      assert.doesNotMatch(inbox.stderr, /numbered from an earlier point|earlier message/);
      // Once someone registers the freed name, it means them (docs/decisions.md, "Old
      // names"): a new contact, said on stderr; robert gets nothing of it.
      assert.equal((await as('c', ['init', '--name', 'bob'])).code, 0);
      const toNew = await as('a', ['send', '--to', 'bob', 'to the new bob']);
      assert.match(toNew.stderr, /bob is now robert's old name; sending to the new bob/);
      assert.match((await as('c', ['inbox'])).stdout, /to the new bob/);
      assert.match((await as('b', ['inbox'])).stderr, /no new messages/);
    });

    it('says so, and changes nothing, when the new name is the one already held', async () => {
      assert.equal((await as('a', ['init', '--name', 'carol'])).code, 0);
      const same = await as('a', ['rename', 'carol']);
      assert.equal(same.code, 0, same.stderr);
      assert.equal(same.stdout, 'you are already carol\n');
      assert.equal((await config('a')).pseudonym, 'carol');
    });

    it('frees no name when the new one is the old in another case', async () => {
      assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
      const recased = await as('a', ['rename', 'Alice']);
      assert.equal(recased.code, 0, recased.stderr);
      assert.match(recased.stdout, /^renamed to Alice on relay \S+\n$/);
      assert.equal((await as('c', ['init', '--name', 'alice'])).code, 1);
      const renamed = await as('a', ['rename', 'alicia']);
      assert.match(renamed.stdout, /; 'Alice' is free again\n$/);
    });

    it('refuses a taken name and changes nothing', async () => {
      assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
      assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
      const r = await as('a', ['rename', 'BOB']);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /the name 'BOB' looks too much like 'bob', taken on relay [^;]+; your name stays 'alice'.*\(E_PSEUDONYM_TAKEN\)\n$/,
      );
      const lookalike = await as('c', ['init', '--name', 'b0b']);
      assert.equal(lookalike.code, 1);
      assert.match(lookalike.stderr, /the name 'b0b' looks too much like 'bob', taken on relay /);
      const same = await as('c', ['init', '--name', 'bob']);
      assert.match(same.stderr, /the name 'bob' is taken on relay /);
      assert.equal((await config('a')).pseudonym, 'alice');
      assert.equal((await as('a', ['send', '--to', 'bob', 'still me'])).code, 0);
      assert.equal((await as('a', ['rename', 'bad name'])).code, 2);
      const hidden = await as('a', ['rename', 'bob\u034f']);
      assert.equal(hidden.code, 2, 'refused before the relay is asked');
      assert.match(hidden.stderr, /invisible character U\+034F/);
    });

    it("refuses 'bob.' and other spellings of a taken 'bob' that differ only by punctuation", async () => {
      assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
      for (const name of ['bob.', 'b_ob', 'bo-b']) {
        const r = await as('c', ['init', '--name', name]);
        assert.equal(r.code, 1, name);
        assert.match(
          r.stderr,
          new RegExp(
            `the name '${name}' looks too much like 'bob', taken on relay .*\\(E_PSEUDONYM_TAKEN\\)\\n$`,
          ),
        );
      }
      assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
      assert.equal((await as('a', ['rename', 'bob_'])).code, 1, 'a rename is a new name too');
      assert.equal((await as('c', ['init', '--name', 'c4rol'])).code, 0);
    });

    it('rescues a profile whose name was taken before it could register', async () => {
      // Created while the relay was unreachable; meanwhile someone took the name.
      const offline = { env: { NATTER_RELAY: '127.0.0.1:1' } };
      const init = await as('a', ['init', '--name', 'alice'], offline);
      assert.equal(init.code, 0, init.stderr);
      assert.equal((await as('c', ['init', '--name', 'alice'])).code, 0);
      const stuck = await as('a', ['inbox']);
      assert.equal(stuck.code, 1);
      assert.match(
        stuck.stderr,
        /the name alice was taken on this relay before this profile registered it: choose another with natter rename NEWNAME \(E_PSEUDONYM_TAKEN\)\n$/,
      );
      const send = await as('a', ['send', '--to', 'carol', 'hello']);
      assert.equal(send.code, 1);
      assert.match(
        send.stderr,
        /before this profile registered it: choose another with natter rename NEWNAME/,
      );
      const renamed = await as('a', ['rename', 'alice2']);
      assert.equal(renamed.code, 0, renamed.stderr);
      assert.match(
        renamed.stdout,
        /^renamed to alice2 on relay \S+\n$/,
        'alice was never ours to free',
      );
      const inbox = await as('a', ['inbox']);
      assert.equal(inbox.code, 0, inbox.stderr);
      assert.equal((await as('c', ['send', '--to', 'alice2', 'found you'])).code, 0);
    });
  });

  describe('a sealed key', () => {
    const secret = 'correct horse battery staple';

    it('is sealed by init --seal on a terminal, then asked for by every command there', async () => {
      const init = await as('a', ['init', '--name', 'alice', '--seal'], {
        stdinTTY: true,
        stdin: `${secret}\n${secret}\n`,
      });
      assert.equal(init.code, 0, init.stderr);
      assert.match(init.stdout, /sealed with your passphrase/);

      const script = await as('a', ['contacts']);
      assert.equal(script.code, 1);
      assert.match(script.stderr, /--passphrase-file FILE or set NATTER_PASSPHRASE_FILE/);
      assert.match(script.stderr, /\(E_PASSPHRASE_REQUIRED\)\n$/);

      const typed = await as('a', ['contacts'], { stdinTTY: true, stdin: `wrong\n${secret}\n` });
      assert.equal(typed.code, 0, typed.stderr);
      assert.match(typed.stderr, /wrong passphrase, try again/);

      const file = join(dir, 'pass');
      await writeFile(file, `${secret}\n`, { mode: 0o600 });
      const scripted = await as('a', ['inbox'], {
        env: { NATTER_PASSPHRASE_FILE: file },
      });
      assert.equal(scripted.code, 0, scripted.stderr);
      const log = await readFile(join(dir, 'a', 'natter.log'), 'utf8');
      assert.ok(!log.includes('horse'), 'no passphrase in the log');
    });

    it('refuses init --seal without a terminal or a passphrase file', async () => {
      const r = await as('a', ['init', '--name', 'alice', '--seal']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(E_PASSPHRASE_REQUIRED\)\n$/);
    });
  });
});
