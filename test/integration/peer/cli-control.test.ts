/**
 * Commands beside a running client (issue 13 item 3): with a client running on a
 * profile and serving its control socket, send, inbox, history, contacts,
 * fingerprint and trust on that profile act through it, printing what they
 * print alone; a second chat says the profile is in use before any prompt.
 * A real relay on 127.0.0.1 and real Unix sockets in temp dirs; no presence.
 */
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import {
  type ControlServer,
  controlSocketPath,
  startControlServer,
} from '../../../src/cli/control.js';
import { CONTROL_TIMEOUT_MS } from '../../../src/cli/control-client.js';
import { WATCHER_HOLDER } from '../../../src/cli/control-holder.js';
import { writeHolderFile } from '../../../src/cli/holder-file.js';
import { NatterClient } from '../../../src/peer/client.js';
import { silentLogger } from '../../../src/util/logger.js';
import { type CliRun, jsonLines, profileCli } from '../../helpers/cli.js';
import { writeRandomFile } from '../../helpers/random-file.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

interface JsonLine {
  msgId: string;
  text?: string;
  state?: string;
}

const until = async (check: () => boolean | Promise<boolean>, what: string) => {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
};

describe('cli beside a running client (issue 13: one process per profile no more)', function () {
  this.timeout(30_000);
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  /** bob's running client: a NatterClient serving the control socket, as chat does. */
  let bob: NatterClient | null;
  let control: ControlServer | null;
  const { as } = profileCli(() => ({ dir, env }));

  beforeEach(async () => {
    relay = await startTestRelay();
    dir = await makeTempDir();
    env = { NATTER_RELAY: `${relay.host}:${relay.port}`, NATTER_PRESENCE_INTERFACES: '0' };
    bob = null;
    control = null;
    assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
    assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
  });

  afterEach(async () => {
    await control?.close();
    await bob?.close();
    await relay.close();
    await removeTempDirs();
  });

  /** Starts bob's client the way chat does: open, serve the control socket, connect. */
  async function runBob(): Promise<NatterClient> {
    const profileDir = join(dir, 'b');
    const client = await NatterClient.open({
      profileDir,
      relay: { host: relay.host, port: relay.port },
      presence: false,
    });
    bob = client;
    control = await startControlServer(controlSocketPath(profileDir), client, silentLogger);
    await client.connect();
    return client;
  }

  it('lists contacts, fingerprints and safety numbers, and refuses trust without a number, as alone', async () => {
    assert.equal((await as('a', ['send', '--to', 'bob', 'hi'])).code, 0);
    assert.equal((await as('b', ['inbox'])).code, 0);
    const runs = [
      ['contacts'],
      ['contacts', '--json'],
      ['fingerprint'],
      ['fingerprint', '--json'],
      ['fingerprint', 'alice'],
      ['fingerprint', 'alice', '--json'],
      ['fingerprint', 'nobody'],
      ['trust', 'alice'],
      ['trust', 'alice', '--json'],
      ['history'],
      ['history', 'alice', '--json'],
      ['history', 'bad name'],
      ['history', 'carol'],
      ['history', 'TEAM'],
      ['fingerprint', 'bob'],
      ['trust', 'BOB', '--safety-number', '1'.repeat(60)],
    ];
    assert.equal((await as('b', ['group', 'create', 'team', '--members', 'alice'])).code, 0);
    const alone: CliRun[] = [];
    for (const argv of runs) alone.push(await as('b', argv));
    await runBob();
    // Without the socket these would fail E_PROFILE_IN_USE: bob's client holds the lock.
    for (const [i, argv] of runs.entries()) {
      assert.deepEqual(await as('b', argv), alone[i], `natter ${argv.join(' ')}`);
    }
    assert.equal(alone[7]?.code, 2, 'trust without a number is bad usage either way');
    assert.equal(alone[6]?.code, 1);
    // Not a contact: looked up on the relay, where nobody holds the name.
    assert.match(alone[6]?.stderr ?? '', /E_UNKNOWN_USER/);
    for (const self of [alone[14], alone[15]]) {
      assert.equal(self?.code, 1);
      assert.match(
        self?.stderr ?? '',
        /'(bob|BOB)' is you; your own fingerprint is what others compare \(natter fingerprint\) \(E_SELF\)/,
      );
    }
    assert.equal(alone[12]?.code, 1, 'a name nobody has here is an error, not an empty history');
    assert.equal(
      alone[12]?.stderr,
      'natter: history: no contact and no messages with carol (E_UNKNOWN_CONTACT)\n',
    );
    // No contact is called TEAM, a group of mine is: its history (its creation), as '#team'.
    assert.deepEqual([alone[13]?.code, alone[13]?.stderr], [0, '']);
    assert.match(alone[13]?.stdout ?? '', /#team \* you created the group\n$/);
  });

  it('trusts through the running client: the safety number is checked there', async () => {
    assert.equal((await as('a', ['send', '--to', 'bob', 'hi'])).code, 0);
    const client = await runBob();
    await until(() => client.contact('alice') !== undefined, 'alice as a contact');
    const safety = client.fingerprint('alice');
    const wrong = await as('b', ['trust', 'alice', '--safety-number', '1'.repeat(60)]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /E_SAFETY_NUMBER_MISMATCH/);
    const ok = await as('b', ['trust', 'alice', '--safety-number', safety, '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(client.contact('alice')?.verified, true);
    assert.equal((JSON.parse(ok.stdout) as { accepted: boolean }).accepted, false);
  });

  it('sends through the running client, which waits for the relay, and prints the states as alone', async () => {
    const alone = await as('b', ['send', '--to', 'alice', '--json', 'alone']);
    assert.equal((await as('b', ['group', 'create', 'Team', '--members', 'alice'])).code, 0);
    const file = join(dir, 'agenda.txt');
    await writeFile(file, 'agenda');
    const groupAlone = await as('b', ['send', '--to', 'team', 'standup?']);
    const fileAlone = await as('b', ['send-file', '--to', 'team', file]);
    await runBob();
    const groupThrough = await as('b', ['send', '--to', '#team', 'standup?']);
    const fileThrough = await as('b', ['send-file', '--to', 'TEAM', file]);
    for (const run of [groupAlone, groupThrough]) {
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /nobody is registered as '#?team' on this relay \(127\.0\.0\.1:\d+, relay id [0-9a-z-]+\); #Team is a group: natter send --group Team \(E_UNKNOWN_USER\)/,
      );
    }
    for (const run of [fileAlone, fileThrough]) {
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /nobody is registered as (team|TEAM); #Team is a group: natter send-file --group Team PATH\.\.\. \(E_UNKNOWN_USER\)/,
      );
    }
    const through = await as('b', ['send', '--to', 'alice', '--json', 'through']);
    assert.equal(through.code, 0, through.stderr);
    assert.equal(through.stderr, alone.stderr);
    assert.deepEqual(
      jsonLines<JsonLine>(through).map((l) => l.state),
      jsonLines<JsonLine>(alone).map((l) => l.state),
    );
    const lines = await as('b', ['send', '--to', 'alice', '--each-line'], { stdin: 'one\ntwo\n' });
    assert.equal(lines.code, 0, lines.stderr);
    assert.equal(lines.stdout, '');
    const unknown = await as('b', ['send', '--to', 'carol', 'anyone?']);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /nobody is registered as 'carol' on this relay \(127\.0\.0\.1:\d+, relay id [0-9a-z-]+\) \(E_UNKNOWN_USER\)/,
    );
    // No trace of it through the running client either: no history, nothing queued.
    const noTrace = await as('b', ['history', 'carol']);
    assert.equal(noTrace.code, 1, noTrace.stdout);
    assert.match(noTrace.stderr, /\(E_UNKNOWN_CONTACT\)/);
    assert.match((await as('b', ['outbox'])).stderr, /the outbox is empty/);
    const usage = await as('b', ['send', '--to', 'bad name', 'x']);
    assert.equal(usage.code, 2);
    const inbox = jsonLines<JsonLine & { type?: string }>(await as('a', ['inbox', '--json']));
    // The messages, none of them to #team, and the group bob made as a line of its own.
    assert.deepEqual(
      inbox.filter((m) => m.type !== 'group').map((m) => m.text),
      ['alone', 'through', 'one', 'two'],
    );
    assert.equal(inbox.filter((m) => m.type === 'group').length, 1, 'the group bob made');
  });

  /** bob registered and running (runBob), then the relay gone and his client offline. */
  async function bobRunningRelayDown(): Promise<void> {
    assert.equal((await as('b', ['send', '--to', 'alice', 'first'])).code, 0);
    const client = await runBob();
    const offline = new Promise<void>((resolve) => {
      client.on('connection:state', (e) => {
        if (e.state === 'offline') resolve();
      });
    });
    await relay.close();
    await offline;
  }

  it('says at once, as alone, that the relay refuses, where it waited out --wait', async () => {
    await bobRunningRelayDown();
    const alone = await as('a', ['send', '--to', 'bob', 'still there?']);
    const through = await as('b', ['send', '--to', 'alice', '--json', 'relay down?']);
    assert.equal(alone.code, 1);
    assert.match(alone.stderr, /not reachable: connection refused.*\(E_RELAY_UNREACHABLE\)/);
    assert.equal(through.code, alone.code, through.stderr);
    assert.match(
      through.stderr,
      /not reachable: connection refused \(ECONNREFUSED\); 1 message\(s\): the running natter client keeps them queued and sends them when it can; natter outbox lists them, natter outbox cancel ID\|--all drops them \(E_RELAY_UNREACHABLE\)/,
    );
    assert.deepEqual(
      jsonLines<JsonLine>(through).map((l) => l.state),
      ['queued'],
    );
  });

  it('send-file and group changes through a running client with its relay down say E_RELAY_UNREACHABLE, as alone', async () => {
    await bobRunningRelayDown();
    const path = join(dir, 'notes.txt');
    await writeFile(path, 'some notes');
    const alone = await as('a', ['send-file', '--to', 'bob', path]);
    const through = await as('b', ['send-file', '--to', 'alice', path]);
    assert.equal(alone.code, 1);
    assert.match(alone.stderr, /\(E_RELAY_UNREACHABLE\)/);
    assert.equal(through.code, alone.code, through.stderr);
    assert.match(through.stderr, /not reachable: connection refused.*\(E_RELAY_UNREACHABLE\)/);
    const group = await as('b', ['group', 'create', 'team', '--members', 'alice']);
    assert.equal(group.code, 1, group.stderr);
    assert.match(group.stderr, /not reachable: connection refused.*\(E_RELAY_UNREACHABLE\)/);
  });

  it('runs one-shot commands started at once on one profile one after another, none refused', async () => {
    const texts = ['one', 'two', 'three', 'four'];
    const runs = await Promise.all(texts.map((t) => as('b', ['send', '--to', 'alice', t])));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const inbox = jsonLines<JsonLine>(await as('a', ['inbox', '--json'])).map((m) => m.text);
    assert.deepEqual([...inbox].sort(), [...texts].sort());
  });

  it('takes unread messages through the running client, marking read only what was written', async () => {
    const client = await runBob();
    let received = 0;
    client.on('message:received', () => received++);
    for (const text of ['first', 'second', 'third']) {
      assert.equal((await as('a', ['send', '--to', 'bob', text])).code, 0);
    }
    await until(() => received === 3, 'three messages at bob');
    // `natter inbox --json | head -1`: one line written, so one message taken.
    const head = await as('b', ['inbox', '--json'], { stdoutLines: 1 });
    assert.equal(head.code, 0, head.stderr);
    assert.deepEqual(
      jsonLines<JsonLine>(head).map((m) => m.text),
      ['first'],
    );
    const second = await as('b', ['inbox', '--max', '1']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^[\d:]+ {2}alice \([\w-]+\): second\n$/);
    assert.equal(second.stderr, 'natter: more messages are unread; natter inbox prints them\n');
    const rest = await as('b', ['inbox', '--max', '1']);
    assert.equal(rest.code, 0, rest.stderr);
    assert.equal(rest.stderr, '', 'nothing more is unread: nothing said');
    assert.match(rest.stdout, /^[\d:]+ {2}alice \([\w-]+\): third\n$/);
    const empty = await as('b', ['inbox']);
    assert.deepEqual(empty, { code: 0, stdout: '', stderr: 'natter: no new messages\n' });
    // Taken, not lost: the history still has them all.
    const history = await as('b', ['history', 'alice', '--json']);
    assert.deepEqual(
      jsonLines<JsonLine>(history).map((m) => m.text),
      ['first', 'second', 'third'],
    );
  });

  it('follows through the running client until stopped, even when the running client took the messages', async () => {
    const client = await runBob();
    let stop: (s: string) => void = () => undefined;
    const following = as('b', ['inbox', '--follow', '--json'], {
      stop: new Promise<string>((resolve) => {
        stop = resolve;
      }),
    });
    // Give the follower its first take before anything arrives.
    await new Promise((resolve) => setTimeout(resolve, 200));
    // A chat takes each message as it shows it: the follower still prints it.
    client.on('message:received', () => void client.takeUnread());
    assert.equal((await as('a', ['send', '--to', 'bob', 'live one'])).code, 0);
    assert.equal((await as('a', ['send', '--to', 'bob', 'live two'])).code, 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop('SIGINT');
    const r = await following;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      jsonLines<JsonLine>(r).map((m) => m.text),
      ['live one', 'live two'],
    );
  });

  it('follows on its own when the running client quits under it, and misses nothing', async () => {
    await runBob();
    let stop: (s: string) => void = () => undefined;
    const following = as('b', ['inbox', '--follow', '--json'], {
      stop: new Promise<string>((resolve) => {
        stop = resolve;
      }),
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await as('a', ['send', '--to', 'bob', 'before the quit'])).code, 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The chat quits.
    await control?.close();
    control = null;
    await bob?.close();
    bob = null;
    assert.equal((await as('a', ['send', '--to', 'bob', 'after the quit'])).code, 0);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    stop('SIGINT');
    const r = await following;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /following on our own/);
    assert.deepEqual(
      jsonLines<JsonLine>(r).map((m) => m.text),
      ['before the quit', 'after the quit'],
    );
  });

  it('creates, shows, renames and leaves groups through the running client, as alone', async () => {
    assert.equal((await as('a', ['send', '--to', 'bob', 'hi'])).code, 0);
    const client = await runBob();
    const created = await as('b', ['group', 'create', 'team', '--members', 'alice']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^created #team \(id [0-9a-f]+\): bob \(admin\), alice\n$/);
    assert.deepEqual(
      (await client.groups()).map((g) => g.name),
      ['team'],
      'made by the running client, on its live link',
    );
    const renamed = await as('b', ['group', 'rename', 'team', 'crew']);
    assert.equal(renamed.stdout, 'renamed #team to #crew\n', renamed.stderr);
    const promoted = await as('b', ['group', 'promote', 'crew', 'alice']);
    assert.equal(promoted.stdout, 'alice is now an admin of #crew\n', promoted.stderr);
    const refused = await as('b', ['group', 'add', 'crew', 'carol']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /\(E_UNKNOWN_USER\)\n$/);
    const left = await as('b', ['group', 'leave', 'crew']);
    assert.equal(left.stdout, 'left #crew\n', left.stderr);
    assert.equal((await client.groups())[0]?.myRole, null);
    const through = [
      await as('b', ['group', 'list', '--all']),
      await as('b', ['group', 'show', 'crew', '--json']),
      await as('b', ['group', 'show', 'nothing']),
    ];
    assert.equal(through[0]?.code, 0, through[0]?.stderr);
    assert.match(through[0]?.stdout ?? '', /#crew/);
    assert.equal(through[2]?.code, 1);
    // Alice sees every change the running client made.
    const aliceGroups = await as('a', ['inbox']);
    assert.equal(aliceGroups.code, 0, aliceGroups.stderr);
    const show = JSON.parse((await as('a', ['group', 'show', 'crew', '--json'])).stdout) as {
      members: { pseudonym: string; role: string }[];
    };
    assert.deepEqual(
      show.members.map((m) => [m.pseudonym, m.role]),
      [['alice', 'admin']],
    );
    // Alone, the reading commands print what they printed through the client.
    await control?.close();
    await bob?.close();
    control = null;
    bob = null;
    const alone = [
      await as('b', ['group', 'list', '--all']),
      await as('b', ['group', 'show', 'crew', '--json']),
      await as('b', ['group', 'show', 'nothing']),
    ];
    assert.deepEqual(through, alone);
  });

  it('answers an empty argument through the running client as alone: the core says what is wrong', async () => {
    assert.equal((await as('a', ['send', '--to', 'bob', 'hi'])).code, 0);
    assert.equal((await as('b', ['group', 'create', 'team', '--members', 'alice'])).code, 0);
    const file = join(dir, 'notes.txt');
    await writeFile(file, 'some notes');
    const runs = [
      ['group', 'create', ''],
      ['group', 'rename', 'team', ''],
      ['group', 'rename', '', 'crew'],
      ['group', 'add', 'team', ''],
      ['group', 'remove', 'team', ''],
      ['group', 'promote', 'team', ''],
      ['group', 'demote', 'team', ''],
      ['group', 'add', '', 'alice'],
      ['group', 'leave', ''],
      ['group', 'show', ''],
      ['send', '--group', '', 'hi'],
      ['send-file', '--group', '', file],
      ['accept', ''],
      ['decline', ''],
      ['history', ''],
      ['fingerprint', ''],
      ['trust', ''],
    ];
    const alone: CliRun[] = [];
    for (const argv of runs) alone.push(await as('b', argv));
    await runBob();
    for (const [i, argv] of runs.entries()) {
      const through = await as('b', argv);
      assert.doesNotMatch(through.stderr, /E_BAD_REQUEST/, `natter ${argv.join(' ')}`);
      assert.deepEqual(through, alone[i], `natter ${argv.join(' ')}`);
    }
    const codeOf = (argv: string[]) => {
      const r = alone[runs.findIndex((a) => a.join('|') === argv.join('|'))];
      return [r?.code, /\((E_[A-Z_]+)\)\n$/.exec(r?.stderr ?? '')?.[1]];
    };
    assert.deepEqual(codeOf(['group', 'create', '']), [1, 'E_BAD_GROUP_NAME']);
    assert.deepEqual(codeOf(['group', 'rename', 'team', '']), [1, 'E_BAD_GROUP_NAME']);
    assert.deepEqual(codeOf(['group', 'leave', '']), [1, 'E_UNKNOWN_GROUP']);
    assert.deepEqual(codeOf(['group', 'show', '']), [1, 'E_UNKNOWN_GROUP']);
  });

  it('lists and cancels queued messages and unsent files through the running client', async () => {
    const client = await runBob();
    let state = 'connected';
    client.on('connection:state', (e) => {
      state = e.state;
    });
    const file = join(dir, 'notes.bin');
    await writeRandomFile(file, 16);
    // The relay runs in this process: closed before more than a few chunks reach it.
    const upload = await client.sendFile({ to: 'alice' }, [file]);
    await relay.close();
    await until(() => state !== 'connected', 'bob to notice the relay is gone');
    const queued = await client.send('alice', 'never mind');
    const listed = await as('b', ['outbox']);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, listed.stdout);
    assert.match(
      lines[0] ?? '',
      new RegExp(`^${queued.slice(0, 8)} .*→ alice {2}queued {2}never mind$`),
    );
    assert.match(
      lines[1] ?? '',
      new RegExp(`^${upload.shortId} {2}file {2}→ @alice {2}.* {2}notes\\.bin \\(16\\.0 MiB\\)$`),
    );
    const json = jsonLines<{ msgId?: string; file?: { id: string; state: string } }>(
      await as('b', ['outbox', '--json']),
    );
    assert.deepEqual(
      json.map((e) => e.msgId ?? e.file?.id),
      [queued, upload.id],
    );
    const one = await as('b', ['outbox', 'cancel', upload.id.slice(0, 6)]);
    assert.equal(one.stdout, `cancelled 1 file(s): ${upload.shortId}\n`, one.stderr);
    assert.equal(client.transfers().find((t) => t.id === upload.id)?.state, 'cancelled');
    const rest = await as('b', ['outbox', 'cancel', '--all', '--json']);
    assert.deepEqual(JSON.parse(rest.stdout), { messages: [queued], files: [] });
    assert.deepEqual(client.queued(), []);
    assert.equal((await as('b', ['outbox'])).stderr, 'natter: the outbox is empty\n');
  });

  it('refuses rename and config set relay beside the running client, saying why', async () => {
    await runBob();
    for (const argv of [
      ['rename', 'robert'],
      ['config', 'set', 'relay', '127.0.0.1:1'],
    ]) {
      const r = await as('b', argv);
      assert.equal(r.code, 1, argv.join(' '));
      assert.match(r.stderr, /already running on profile .*quit it.*\(E_PROFILE_IN_USE\)\n$/);
    }
    assert.equal(
      JSON.parse((await as('b', ['config', 'get', 'relay', '--json'])).stdout).relay,
      `${relay.host}:${relay.port}`,
    );
  });

  it('refuses a second chat on the profile before asking for anything', async () => {
    await runBob();
    const chat = await as('b', ['chat']);
    assert.equal(chat.code, 1);
    assert.match(chat.stderr, /already running on profile .*\(E_PROFILE_IN_USE\)\n$/);
    assert.doesNotMatch(chat.stderr, /passphrase|pseudonym:/);
  });

  it('names a holder that does not answer (a watcher stopped with SIGSTOP) within the control timeout, in send, chat and who', async () => {
    // What a stopped watcher leaves: a socket the kernel still accepts on, and its file.
    const profileDir = join(dir, 'b');
    const server = net.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(controlSocketPath(profileDir), resolve));
    await chmod(controlSocketPath(profileDir), 0o600);
    await writeHolderFile(profileDir, WATCHER_HOLDER);
    try {
      for (const argv of [['send', '--to', 'alice', '--wait', '20000', 'hi'], ['chat'], ['who']]) {
        const started = Date.now();
        const r = await as('b', argv);
        assert.equal(r.code, 1, argv.join(' '));
        assert.match(
          r.stderr,
          /in use by natter who --watch \(pid \d+\), which did not answer .*kill -CONT \d+.*\(E_PROFILE_IN_USE\)\n$/,
        );
        // A send waits for the relay up to --wait: the holder is asked something quick first.
        assert.ok(Date.now() - started < CONTROL_TIMEOUT_MS + 2_000, `${argv[0]} said so at once`);
      }
    } finally {
      server.close();
    }
  });
});
