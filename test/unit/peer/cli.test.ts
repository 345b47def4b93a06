import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

/** The one-line error format: `natter: <message> (<code>)`. */
function errorCode(stderr: string): string | undefined {
  return /^natter: .+ \((E_[A-Z_]+)\)\n$/.exec(stderr)?.[1];
}

describe('cli: arguments and exit codes', () => {
  after(removeTempDirs);

  it('prints help for the program and every command with exit code 0', async () => {
    for (const argv of [
      ['--help'],
      ...[
        'init',
        'send',
        'inbox',
        'contacts',
        'fingerprint',
        'trust',
        'relay',
        'who',
        'status',
        'history',
        'outbox',
      ].map((c) => [c, '--help']),
      ['outbox', 'cancel', '--help'],
    ]) {
      const r = await runCli(argv);
      assert.equal(r.code, 0, argv.join(' '));
      assert.match(r.stdout, /Usage: natter/);
    }
  });

  it('says in trust --help and the README what trust NAME without --safety-number does: prints, accepts nothing, exits 2', async () => {
    const help = await runCli(['trust', '--help']);
    assert.match(
      help.stdout.replace(/\s+/g, ' '),
      /required: without it, the number\(s\) to compare are printed on stdout, nothing is accepted, and trust exits 2 \(E_USAGE\)/,
    );
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const row = readme.split('\n').find((l) => l.startsWith('| `natter trust NAME'));
    assert.match(
      row ?? '',
      /without the flag it prints the number\(s\) to compare on stdout .*accepts nothing, and exits 2 with `natter: trust: --safety-number is required: .* \(E_USAGE\)` on stderr/,
    );
  });

  it('exits 2 on an unknown command, an unknown option, a missing option or a bad number', async () => {
    for (const argv of [
      ['bogus'],
      ['inbox', '--bogus'],
      ['send', 'hi'],
      ['init'],
      ['send', '--to', 'bob', '--wait', 'soon', 'hi'],
      ['send', '--to', '', 'hi'],
      // As send says it: a name nobody can hold is the command line's mistake, not the relay's.
      ['send-file', '--to', '', 'package.json'],
    ]) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.ok(r.stderr.length > 0);
      assert.equal(errorCode(r.stderr), 'E_USAGE', `${argv.join(' ')}: ${r.stderr}`);
    }
  });

  it("says commander's usage errors in the one-line form, natter: message (E_USAGE), exit 2", async () => {
    for (const [argv, line] of [
      [
        ['history', '--limit', 'abc'],
        "natter: option '--limit <n>' argument 'abc' is invalid. expected a number 1-100000 (E_USAGE)\n",
      ],
      [['history', '--bogus'], "natter: unknown option '--bogus' (E_USAGE)\n"],
      [
        ['inbox', '--max', '0'],
        "natter: option '--max <n>' argument '0' is invalid. expected a number 1-100000 (E_USAGE)\n",
      ],
      [['inbox', '--jsn'], "natter: unknown option '--jsn' (Did you mean --json?) (E_USAGE)\n"],
      [['bogus'], "natter: unknown command 'bogus' (E_USAGE)\n"],
      [['group', 'bogus'], "natter: unknown command 'bogus' (E_USAGE)\n"],
      [['trust'], "natter: missing required argument 'name' (E_USAGE)\n"],
      [['history', '--limit', '1\u001b[2J'], /^natter: option .* argument '1\[2J' is invalid/],
    ] as const) {
      const r = await runCli(['--profile', '/nonexistent-profile', ...argv]);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.stdout, '');
      if (typeof line === 'string') assert.equal(r.stderr, line);
      else assert.match(r.stderr, line);
      assert.equal(errorCode(r.stderr), 'E_USAGE');
      assert.doesNotMatch(r.stderr, /\u001b/, 'what the user typed is sanitised');
    }
  });

  it('says a value outside a choice in its own words, naming the valid values, exit 2', async () => {
    for (const [argv, line] of [
      [['status', 'gone'], "natter: status: 'gone' is not one of online, away, busy (E_USAGE)\n"],
      [
        ['inbox', '--follow', '--status', 'gone'],
        "natter: --status: 'gone' is not one of online, away, busy (E_USAGE)\n",
      ],
      [['status', 'g\u001b[2J'], /^natter: status: 'g\[2J' is not one of online, away, busy/],
    ] as const) {
      const r = await runCli(['--profile', '/nonexistent-profile', ...argv]);
      assert.equal(r.code, 2, argv.join(' '));
      if (typeof line === 'string') assert.equal(r.stderr, line);
      else assert.match(r.stderr, line);
      assert.doesNotMatch(r.stderr, /command-argument|Allowed choices/);
    }
  });

  it('exits 2 on an empty message, from TEXT or stdin, before opening a profile', async () => {
    for (const [argv, stdin] of [
      [['send', '--to', 'bob', ''], undefined],
      [['send', '--group', 'team', ''], undefined],
      [['send', '--to', 'bob', '-'], ''],
      [['send', '--to', 'bob', '-'], '\n'],
    ] as const) {
      const r = await runCli(['--profile', '/nonexistent-profile', ...argv], {
        ...(stdin === undefined ? {} : { stdin }),
      });
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.stderr, 'natter: send: the message is empty; nothing was queued (E_USAGE)\n');
    }
  });

  it('exits 2 when send gets both TEXT and --each-line, or neither', async () => {
    const profile = await makeTempDir();
    const both = await runCli(['--profile', profile, 'send', '--to', 'bob', '--each-line', 'hi']);
    assert.equal(both.code, 2);
    assert.equal(errorCode(both.stderr), 'E_USAGE');
    const neither = await runCli(['--profile', profile, 'send', '--to', 'bob']);
    assert.equal(neither.code, 2);
  });

  it('exits 2 on a recipient name that is no pseudonym, a bad --since or --limit, before opening a profile', async () => {
    for (const argv of [
      ['send', '--to', 'bad name', 'hi'],
      ['send', '--to', '', 'hi'],
      ['history', '--since', 'yesterday'],
      ['history', '--limit', '0'],
    ]) {
      const r = await runCli(['--profile', '/nonexistent-profile', ...argv]);
      assert.equal(r.code, 2, argv.join(' '));
    }
  });

  it('exits 2 on a fingerprint or trust NAME that is no pseudonym, in the words send uses, before opening a profile', async () => {
    const send = await runCli([
      '--profile',
      '/nonexistent-profile',
      'send',
      '--to',
      'bad name',
      'x',
    ]);
    assert.equal(
      send.stderr,
      "natter: send: --to 'bad name' is not a pseudonym: it contains the disallowed character U+0020 (E_USAGE)\n",
    );
    for (const [command, ...rest] of [
      ['fingerprint', 'bad name'],
      ['fingerprint', 'bad name', '--json'],
      ['trust', 'bad name'],
      ['trust', 'bad name', '--safety-number', '1'.repeat(60)],
    ] as const) {
      const r = await runCli(['--profile', '/nonexistent-profile', command, ...rest]);
      assert.equal(r.code, 2, `${command} ${rest.join(' ')}`);
      assert.equal(errorCode(r.stderr), 'E_USAGE');
      assert.equal(
        r.stderr,
        `natter: ${command}: 'bad name' is not a pseudonym: it contains the disallowed character U+0020 (E_USAGE)\n`,
      );
      assert.equal(r.stdout, '');
    }
  });

  it('creates an identity, prints the name and fingerprint, and refuses to overwrite it', async () => {
    const profile = join(await makeTempDir(), 'p');
    const first = await runCli(['init', '--name', 'alice', '--profile', profile, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const out = JSON.parse(first.stdout) as { pseudonym: string; fingerprint: string };
    assert.equal(out.pseudonym, 'alice');
    assert.match(out.fingerprint, /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    const again = await runCli(['init', '--name', 'alice', '--profile', profile]);
    assert.equal(again.code, 1);
    assert.equal(errorCode(again.stderr), 'E_PROFILE_EXISTS');
  });

  it('NFKC-normalises the name and refuses names that break the pseudonym rules', async () => {
    const dir = await makeTempDir();
    const ok = await runCli([
      'init',
      '--name',
      'ａｌｉｃｅ',
      '--profile',
      join(dir, 'a'),
      '--json',
    ]);
    assert.equal((JSON.parse(ok.stdout) as { pseudonym: string }).pseudonym, 'alice');
    for (const bad of [
      'two words',
      'x'.repeat(33),
      'evil\u202egnp',
      'zero\u200bwidth',
      'alice\ufe0f',
      'alice\u{e0100}',
    ]) {
      const r = await runCli(['init', '--name', bad, '--profile', join(dir, 'b')]);
      assert.equal(r.code, 1, bad);
      assert.equal(errorCode(r.stderr), 'E_BAD_PSEUDONYM');
    }
  });

  it('seals the key file with the passphrase file and needs it afterwards', async () => {
    const dir = await makeTempDir();
    const pass = join(dir, 'pass');
    await import('node:fs/promises').then((fs) => fs.writeFile(pass, 'correct horse\n'));
    const profile = join(dir, 'p');
    assert.equal(
      (await runCli(['init', '--name', 'sealed', '--profile', profile, '--passphrase-file', pass]))
        .code,
      0,
    );
    const without = await runCli(['fingerprint', '--profile', profile]);
    assert.equal(errorCode(without.stderr), 'E_PASSPHRASE_REQUIRED');
    const withEnv = await runCli(['fingerprint', '--profile', profile], {
      env: { NATTER_PASSPHRASE_FILE: pass },
    });
    assert.equal(withEnv.code, 0, withEnv.stderr);
    assert.match(withEnv.stdout, /^sealed {2}[a-z2-7-]{19}\n$/);
  });

  it('says how to create an identity when the profile has none', async () => {
    const r = await runCli(['contacts', '--profile', await makeTempDir()]);
    assert.equal(r.code, 1);
    assert.equal(errorCode(r.stderr), 'E_NO_IDENTITY');
  });

  it('fails with E_NO_RELAY when no relay address is known anywhere', async () => {
    const profile = await makeTempDir();
    await runCli(['init', '--name', 'alice', '--profile', profile]);
    const r = await runCli(['send', '--to', 'bob', 'hi', '--profile', profile]);
    assert.equal(r.code, 1);
    assert.equal(errorCode(r.stderr), 'E_NO_RELAY');
  });

  it('prints no stack trace unless NATTER_DEBUG=1', async () => {
    const profile = await makeTempDir();
    const quiet = await runCli(['contacts', '--profile', profile]);
    assert.equal(quiet.stderr.split('\n').length, 2);
    const loud = await runCli(['contacts', '--profile', profile], { env: { NATTER_DEBUG: '1' } });
    assert.match(loud.stderr, /\n\s+at /);
  });
});
