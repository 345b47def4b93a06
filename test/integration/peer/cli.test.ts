import assert from 'node:assert/strict';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonLines, profileCli, runCli } from '../../helpers/cli.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

interface InboxLine {
  msgId: string;
  from: string;
  fingerprint: string;
  userId: string;
  sentAt: string;
  receivedAt: string;
  text: string;
}

/** Waits until the profile's log says a session is ready: the follower is connected. */
const readyLines = async (profile: string) =>
  (await readFile(join(profile, 'natter.log'), 'utf8').catch(() => ''))
    .split('\n')
    .filter((l) => l.includes('relay session ready')).length;

/**
 * Starts `run` and waits until it has logged a new relay session: earlier
 * commands on the same profile (init registers at once) logged their own.
 */
async function sessionReady<T>(profile: string, run: () => T): Promise<{ running: T }> {
  const before = await readyLines(profile);
  // Wrapped: returning a promise from an async function would wait for it to settle.
  const running = run();
  for (let i = 0; i < 500; i++) {
    if ((await readyLines(profile)) > before) return { running };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`no session in ${profile}`);
}

describe('cli against a real relay', () => {
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  const { as } = profileCli(() => ({ dir, env }));

  beforeEach(async () => {
    relay = await startTestRelay();
    dir = await makeTempDir();
    env = { NATTER_RELAY: `${relay.host}:${relay.port}` };
  });

  afterEach(async () => {
    await relay.close();
    await removeTempDirs();
  });

  it('exchanges messages both ways: init, send, inbox', async () => {
    assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
    const bobInit = await as('b', ['init', '--name', 'bob']);
    assert.equal(bobInit.code, 0, bobInit.stderr);
    assert.match(bobInit.stdout, /registered on relay/);

    const sent = await as('a', ['send', '--to', 'bob', 'hello bob']);
    assert.equal(sent.code, 0, sent.stderr);
    const inbox = await as('b', ['inbox', '--json']);
    assert.equal(inbox.code, 0, inbox.stderr);
    const [m] = jsonLines<InboxLine>(inbox);
    assert.equal(m?.text, 'hello bob');
    assert.equal(m?.from, 'alice');
    assert.match(m?.msgId ?? '', /^[0-9a-f]{32}$/);
    assert.deepEqual(
      jsonLines<InboxLine>(await as('b', ['inbox', '--json'])),
      [],
      'each message is shown once',
    );

    assert.equal((await as('b', ['send', '--to', 'alice', 'hi alice'])).code, 0);
    const back = await as('a', ['inbox']);
    assert.match(back.stdout, /^\d\d:\d\d:\d\d {2}bob \([a-z2-7-]{19}\): hi alice\n$/);
  });

  it('sends stdin as one message with -, and line by line with --each-line, in order', async () => {
    await as('a', ['init', '--name', 'alice']);
    await as('b', ['init', '--name', 'bob']);
    assert.equal(
      (await as('a', ['send', '--to', 'bob', '-'], { stdin: 'line one\nline two\n' })).code,
      0,
    );
    const lines = Array.from({ length: 50 }, (_, i) => `message ${i}`);
    const each = await as('a', ['send', '--to', 'bob', '--each-line', '--json'], {
      stdin: `${lines.join('\n')}\n`,
    });
    assert.equal(each.code, 0, each.stderr);
    assert.equal(each.stdout.trim().split('\n').length, 50);
    const texts = jsonLines<InboxLine>(await as('b', ['inbox', '--json'])).map((m) => m.text);
    assert.deepEqual(texts, ['line one\nline two', ...lines]);
  });

  it('fails clearly for an unknown recipient', async () => {
    await as('a', ['init', '--name', 'alice']);
    const r = await as('a', ['send', '--to', 'nobody', 'hello?']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(E_UNKNOWN_USER\)\n$/);
    // Refused for want of a recipient: no trace in history, outbox or contacts.
    const history = await as('a', ['history', 'nobody']);
    assert.equal(history.code, 1, history.stdout);
    assert.match(history.stderr, /no contact and no messages with nobody.*\(E_UNKNOWN_CONTACT\)/);
    assert.match((await as('a', ['outbox'])).stderr, /the outbox is empty/);
    assert.match((await as('a', ['contacts'])).stdout, /no contacts yet/);
  });

  it('says once, then forgets, a message queued while the relay was down to a name nobody has', async () => {
    await as('a', ['init', '--name', 'alice']);
    await relay.close();
    const down = await as('a', ['send', '--to', 'nobody', '--wait', '300', 'typo']);
    assert.match(down.stderr, /queued.*\(E_RELAY_UNREACHABLE\)\n$/);
    assert.match((await as('a', ['history', 'nobody'])).stdout, /me → nobody: typo {2}\[queued\]/);
    relay = await startTestRelay({ dataDir: relay.dataDir, port: relay.port });
    const inbox = await as('a', ['inbox']);
    assert.equal(inbox.code, 0, inbox.stderr);
    assert.match(
      inbox.stderr,
      /natter: dropped 1 queued message\(s\) to @nobody: nobody is registered by that name on this relay\n/,
    );
    assert.doesNotMatch(inbox.stderr, /natter history shows why/);
    assert.equal((await as('a', ['history', 'nobody'])).code, 1, 'gone from the history');
    assert.match((await as('a', ['outbox'])).stderr, /the outbox is empty/);
  });

  it('keeps a message queued when the relay is down and sends it with the next command', async () => {
    await as('a', ['init', '--name', 'alice']);
    await as('b', ['init', '--name', 'bob']);
    await as('a', ['send', '--to', 'bob', 'warm-up']);
    await relay.close();
    const down = await as('a', ['send', '--to', 'bob', '--wait', '300', 'while down']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /queued.*\(E_RELAY_UNREACHABLE\)\n$/);
    relay = await startTestRelay({ dataDir: relay.dataDir, port: relay.port });
    assert.equal((await as('a', ['inbox'])).code, 0, 'any connecting command flushes the outbox');
    const texts = jsonLines<InboxLine>(await as('b', ['inbox', '--json'])).map((m) => m.text);
    assert.deepEqual(texts, ['warm-up', 'while down']);
  });

  it('follows new messages until stopped, then logs out', async () => {
    await as('a', ['init', '--name', 'alice']);
    await as('b', ['init', '--name', 'bob']);
    let stop: (s: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => {
      stop = resolve;
    });
    const { running: follow } = await sessionReady(join(dir, 'b'), () =>
      as('b', ['inbox', '--follow', '--json'], { stop: stopped }),
    );
    // bob's profile is in use by the follower, so alice's messages arrive live.
    assert.equal((await as('a', ['send', '--to', 'bob', 'live one'])).code, 0);
    assert.equal((await as('a', ['send', '--to', 'bob', 'live two'])).code, 0);
    // Each send returned after the relay stored the message; give the push a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop('SIGINT');
    const r = await follow;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      jsonLines<InboxLine>(r).map((m) => m.text),
      ['live one', 'live two'],
    );
  });

  it('refuses a second command on a profile that is in use, unless it can act through the running one', async () => {
    await as('b', ['init', '--name', 'bob']);
    let stop: (s: string) => void = () => undefined;
    const { running: follow } = await sessionReady(join(dir, 'b'), () =>
      as('b', ['inbox', '--follow'], {
        stop: new Promise<string>((resolve) => {
          stop = resolve;
        }),
      }),
    );
    // contacts and outbox act through the follower's control socket (issue 13); rename cannot.
    const contacts = await as('b', ['contacts']);
    assert.deepEqual(contacts, { code: 0, stdout: 'no contacts yet\n', stderr: '' });
    const outbox = await as('b', ['outbox']);
    assert.deepEqual(outbox, { code: 0, stdout: '', stderr: 'natter: the outbox is empty\n' });
    const second = await as('b', ['rename', 'robert']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /already running on profile .*\(E_PROFILE_IN_USE\)/);
    stop('SIGTERM');
    assert.equal((await follow).code, 0);
  });

  it('refuses a reinstalled relay, then holds a changed contact key both ways until trust', async () => {
    await as('a', ['init', '--name', 'alice']);
    await as('b', ['init', '--name', 'bob']);
    await as('a', ['send', '--to', 'bob', 'hi old bob']);
    await relay.close();
    relay = await startTestRelay({ port: relay.port });

    const refused = await as('a', ['inbox']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /\(E_RELAY_KEY_CHANGED\)\n$/);

    assert.equal((await as('a', ['inbox', '--accept-new-relay-key'])).code, 0);
    assert.equal((await as('b2', ['init', '--name', 'bob'])).code, 0);
    assert.equal((await as('b2', ['send', '--to', 'alice', 'new bob here'])).code, 0);
    const held = await as('a', ['inbox']);
    assert.equal(held.code, 0, held.stderr);
    assert.equal(held.stdout, '', 'nothing from the new key is shown');
    assert.match(held.stderr, /bob's key changed/);

    const blocked = await as('a', ['send', '--to', 'bob', 'is that you?']);
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, /\(E_KEY_CHANGED\)\n$/);

    const asked = await as('a', ['trust', 'bob']);
    assert.equal(asked.code, 2, 'no number compared, nothing accepted');
    assert.match(
      asked.stdout,
      /safety number with bob \(for the NEW key\):\n( {2}(\d{5} ){3}\d{5}\n){3}/,
    );
    assert.match(asked.stderr, /--safety-number is required.*\(E_USAGE\)\n$/);
    // Word for word as the README quotes it.
    assert.equal(
      asked.stderr,
      'natter: trust: --safety-number is required: compare the number with bob, then run natter trust bob --safety-number N (E_USAGE)\n',
    );
    const compared = JSON.parse((await as('a', ['fingerprint', 'bob', '--json'])).stdout) as {
      safetyNumber: string;
    };
    const trust = await as('a', [
      'trust',
      'bob',
      '--safety-number',
      compared.safetyNumber,
      '--json',
    ]);
    assert.equal(trust.code, 0, trust.stderr);
    assert.deepEqual(
      (({ accepted, releasedIn, releasedOut }) => ({ accepted, releasedIn, releasedOut }))(
        JSON.parse(trust.stdout) as { accepted: boolean; releasedIn: number; releasedOut: number },
      ),
      { accepted: true, releasedIn: 1, releasedOut: 1 },
    );
    const released = await as('a', ['inbox', '--json']);
    assert.deepEqual(
      jsonLines<InboxLine>(released).map((m) => m.text),
      ['new bob here'],
    );
    assert.deepEqual(
      jsonLines<InboxLine>(await as('b2', ['inbox', '--json'])).map((m) => m.text),
      ['is that you?'],
    );
  });

  it('warns, with the fix, when the key file can be read by other users', async () => {
    await as('a', ['init', '--name', 'alice']);
    const quiet = await as('a', ['contacts']);
    assert.doesNotMatch(quiet.stderr, /can be read by other users/);
    await chmod(join(dir, 'a', 'identity.json'), 0o644);
    const warned = await as('a', ['contacts']);
    assert.equal(warned.code, 0);
    assert.match(
      warned.stderr,
      /key file .*identity\.json can be read by other users; run: chmod 600/,
    );
  });

  it('shows contacts, fingerprints and safety numbers, and marks a contact verified on trust', async () => {
    await as('a', ['init', '--name', 'alice']);
    await as('b', ['init', '--name', 'bob']);
    await as('a', ['send', '--to', 'bob', 'hi']);
    await as('b', ['inbox']);
    const contacts = JSON.parse((await as('a', ['contacts', '--json'])).stdout) as {
      pseudonym: string;
      verified: boolean;
    }[];
    assert.deepEqual(
      contacts.map((c) => [c.pseudonym, c.verified]),
      [['bob', false]],
    );
    const fromAlice = (await as('a', ['fingerprint', 'bob', '--json'])).stdout;
    const fromBob = (await as('b', ['fingerprint', 'alice', '--json'])).stdout;
    const number = (s: string) => (JSON.parse(s) as { safetyNumber: string }).safetyNumber;
    assert.equal(number(fromAlice), number(fromBob), 'both sides see the same safety number');
    const wrong = number(fromAlice).replace(/^\d/, (d) => String((Number(d) + 1) % 10));
    const refused = await as('a', ['trust', 'bob', '--safety-number', wrong]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /nothing accepted for 'bob'.*\(E_SAFETY_NUMBER_MISMATCH\)\n$/);
    assert.match((await as('a', ['contacts'])).stdout, /^bob {2}[a-z2-7-]{19} {2}unverified\n$/);
    const typed = number(fromBob).replaceAll(' ', '');
    const trusted = await as('a', ['trust', 'bob', '--safety-number', typed]);
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.match(trusted.stdout, /^bob \([a-z2-7-]{19}\) is verified\n$/);
    assert.match((await as('a', ['contacts'])).stdout, /^bob {2}[a-z2-7-]{19} {2}verified\n$/);
  });
});

describe('cli: natter relay', () => {
  afterEach(removeTempDirs);

  it('prints the address clients should use and the relay id, and stops cleanly on a signal', async () => {
    const data = await makeTempDir();
    let stop: (s: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => {
      stop = resolve;
    });
    const running = runCli(['relay', '--host', '127.0.0.1', '--port', '0', '--data', data], {
      stop: stopped,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    stop('SIGTERM');
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^natter relay listening on 127\.0\.0\.1:\d+ \(relay id [a-z2-7-]{19}, data /,
    );
  });

  it('exits 2 on a bad NATTER_RELAY_PORT', async () => {
    const r = await runCli(['relay', '--data', await makeTempDir()], {
      env: { NATTER_RELAY_PORT: 'http' },
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /NATTER_RELAY_PORT/);
  });
});
