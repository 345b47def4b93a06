/**
 * Issue 11's end-to-end guarantee for groups, with real `natter` processes
 * (dist/cli.js): a group of 20 spawned clients, half of them offline while the
 * messages are sent, and the relay killed with SIGKILL (and restarted on the same
 * data directory and port) twice while messages are flowing, and once more while
 * the offline members catch up:
 *   - every acknowledged message (state `stored` in `natter send --json`, or stored
 *     by the final flush of the sender's outbox) reaches every other member exactly
 *     once, by message id, from its sender, in the group;
 *   - nothing reaches a member twice, nothing is reported damaged (a message the relay
 *     stored twice, because its sender sent it again after losing the SendAck, is a
 *     copy, dropped quietly), and a sender never gets its own message back;
 *   - no file of the relay's data directory holds any message text (while the group's
 *     name, which the relay must read, is found there: the grep can see plaintext).
 *
 * u00 (the admin) to u04 send, in rounds of `natter send --group --each-line --json`;
 * u05..u09 run `natter inbox --follow --json`; u10..u19 run nothing until the end.
 * NATTER_E2E_VERBOSE=1 prints the phases and their times.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort, listening } from '../helpers/ports.js';
import { builtCli, natterProcess, type Run } from '../helpers/spawn-cli.js';

const cli = builtCli;

const MEMBERS = 20;
/** u00..u04 send (u00 is the admin); u05..u09 follow the conversation; u10..u19 are offline. */
const SENDERS = 5;
const ONLINE = 10;
/** Each `natter send` round sends this many lines; senders keep sending rounds until the kills are done. */
const PER_ROUND = 10;
const MIN_ROUNDS = 2;
const MAX_ROUNDS = 8;
const KILLS = 2;
/** A kill waits until the followers have seen this many more lines through the live relay. */
const FLOWING = 8;
/** Processes started at once when every profile does the same thing (2-core machines). */
const PARALLEL = 5;

interface InboxLine {
  type?: string;
  msgId?: string;
  from?: string;
  text?: string;
  group?: { name: string; id: string };
}

interface SendLine {
  msgId: string;
  state: string;
  reason?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const user = (i: number) => `u${String(i).padStart(2, '0')}`;

const natter = natterProcess;

function jsonLines<T>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}

/** Runs `task` for every item, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(path)));
    else if (e.isFile()) out.push(path);
  }
  return out;
}

/** A `natter inbox --follow --json` running for the whole send phase. */
class Follower {
  stdout = '';
  stderr = '';
  private readonly exit: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (d) => {
      this.stdout += d;
    });
    child.stderr?.on('data', (d) => {
      this.stderr += d;
    });
    this.exit = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  /** Lines printed so far: messages as they arrive. */
  lineCount(): number {
    let n = 0;
    for (let i = this.stdout.indexOf('\n'); i >= 0; i = this.stdout.indexOf('\n', i + 1)) n++;
    return n;
  }

  /** Ctrl-C: it prints what it has, flushes, logs out and exits 0. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exit;
  }
}

describe('e2e: a 20-member group through relay crashes (spawned processes)', function () {
  this.timeout(240_000);
  let dir: string;
  let port: number;
  let relay: ChildProcess | null = null;
  const followers: Follower[] = [];

  const relayData = () => join(dir, 'relay');

  async function startRelay(): Promise<void> {
    relay = spawn(
      process.execPath,
      [cli, 'relay', '--host', '127.0.0.1', '--port', String(port), '--data', relayData()],
      { stdio: 'ignore', env: { ...process.env, NATTER_RELAY_PRESENCE: '0' } },
    );
    await listening(port);
  }

  async function killRelay(): Promise<void> {
    const child = relay;
    relay = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  // No LAN presence: tests never broadcast on the machine's real interfaces.
  const env = (name: string) => ({
    NATTER_HOME: join(dir, name),
    NATTER_RELAY: `127.0.0.1:${port}`,
    NATTER_PRESENCE: '0',
  });
  const ok = async (who: string, args: string[], stdin?: string): Promise<Run> => {
    const r = await natter(args, env(who), stdin);
    assert.equal(r.code, 0, `${who}: natter ${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(function () {
    if (!existsSync(cli)) this.skip(); // `npm test` builds dist first
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'natter-e2e-groups-'));
    port = await freeTcpPort();
    await startRelay();
  });

  afterEach(async () => {
    for (const f of followers.splice(0)) f.child.kill('SIGKILL');
    await killRelay();
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });

  it('delivers every acknowledged message to every member exactly once, and the relay keeps no plaintext', async () => {
    const started = Date.now();
    const phase = (what: string) => {
      if (process.env.NATTER_E2E_VERBOSE) console.log(`${Date.now() - started} ms: ${what}`);
    };
    const users = Array.from({ length: MEMBERS }, (_, i) => user(i));
    const senders = users.slice(0, SENDERS);
    const followerNames = users.slice(SENDERS, ONLINE);
    // Unique: found in the relay's files only if the relay kept it (it may: group names
    // are metadata the relay must check), which shows the grep below can see plaintext.
    const groupName = `team${randomBytes(4).toString('hex')}`;

    await pool(users, PARALLEL, async (u) => {
      await ok(u, ['init', '--name', u]);
    });
    phase('profiles');

    const created = await ok(users[0]!, [
      'group',
      'create',
      groupName,
      '--members',
      users.slice(1).join(','),
    ]);
    assert.match(created.stdout, new RegExp(`^created #${groupName} \\(id [0-9a-f]{32}\\)`));
    // Every member learns the group from the relay, as a user would: natter inbox.
    await pool(users.slice(1), PARALLEL, async (u) => {
      const learnt = jsonLines<InboxLine & { kind?: string }>(
        (await ok(u, ['inbox', '--json'])).stdout,
      );
      assert.ok(
        learnt.some(
          (l) => l.type === 'group' && l.kind === 'created' && l.group?.name === groupName,
        ),
        `${u} learnt the group: ${JSON.stringify(learnt)}`,
      );
    });
    const shown = JSON.parse(
      (await ok(users[MEMBERS - 1]!, ['group', 'show', groupName, '--json'])).stdout,
    ) as { members: unknown[]; myRole: string | null };
    assert.equal(shown.members.length, MEMBERS, 'a member sees every member');
    assert.equal(shown.myRole, 'member');
    phase('group known to all');

    // Online during the sends: the senders (while they send) and u05..u09, following.
    for (const u of followerNames) {
      followers.push(
        new Follower(
          u,
          spawn(process.execPath, [cli, 'inbox', '--follow', '--json', '--wait', '60000'], {
            env: { ...process.env, ...env(u) },
            stdio: ['ignore', 'pipe', 'pipe'],
          }),
        ),
      );
    }

    /** Every text sent, by sender; each is unique (random), so it names its message. */
    const sentBy = new Map<string, string>();
    /** msgId → text, for messages a sender saw acknowledged ('stored') in its --json output. */
    const acked = new Map<string, string>();
    const failedSends: string[] = [];
    let sending = true;
    let kills = 0;
    let killsWhileSending = 0;
    /** `natter send` processes running now. */
    let activeSends = 0;

    const sendLoop = async (s: string) => {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        if (round >= MIN_ROUNDS && kills >= KILLS) return;
        const texts = Array.from(
          { length: PER_ROUND },
          (_, n) => `${s}-r${round}-n${n}-${randomBytes(12).toString('hex')}`,
        );
        for (const t of texts) sentBy.set(t, s);
        activeSends++;
        const r = await natter(
          ['send', '--group', groupName, '--each-line', '--json', '--wait', '60000'],
          env(s),
          `${texts.join('\n')}\n`,
        );
        activeSends--;
        // A run that gave up (the relay was still down when it started: `natter send`
        // fails fast on a refused address) prints nothing: its messages stay queued, and
        // the next round, or the flush below, sends them.
        if (r.code !== 0) failedSends.push(`${s} round ${round}: exit ${r.code}: ${r.stderr}`);
        const states = jsonLines<SendLine>(r.stdout);
        if (r.code === 0) assert.equal(states.length, texts.length, r.stdout);
        states.forEach((line, i) => {
          if (['stored', 'delivered'].includes(line.state)) acked.set(line.msgId, texts[i]!);
        });
      }
    };
    // The relay dies while messages are flowing: right after the followers have seen a few
    // more arrive through this relay process, so sends are in flight, some acknowledged
    // and some not, and group-commit batches are being written.
    const arrived = () => followers.reduce((n, f) => n + f.lineCount(), 0);
    const killer = (async () => {
      while (kills < KILLS) {
        const before = arrived();
        while (sending && arrived() < before + FLOWING) await sleep(5);
        if (!sending) return;
        await sleep(Math.floor(Math.random() * 30));
        const inFlight = activeSends;
        await killRelay();
        kills++;
        if (inFlight > 0) killsWhileSending++;
        phase(`kill ${kills}: ${inFlight} sends running, ${arrived()} lines at followers`);
        await sleep(150);
        await startRelay();
      }
    })();
    await Promise.all(senders.map(sendLoop));
    sending = false;
    await killer;
    phase(`sends done: ${sentBy.size} sent, ${acked.size} acknowledged, ${kills} kills`);
    if (failedSends.length > 0) phase(failedSends.join('\n'));
    assert.ok(kills >= KILLS, `the relay was killed ${kills} times`);
    assert.ok(killsWhileSending >= KILLS, `only ${killsWhileSending} kills while sending`);

    // Every sender flushes its outbox: a send with no new text waits until nothing is
    // queued; exit 0 means the relay has stored everything this sender ever queued.
    for (const s of senders) {
      let flushed: Run | undefined;
      for (let attempt = 0; attempt < 5 && flushed?.code !== 0; attempt++) {
        if (attempt > 0) await sleep(500);
        flushed = await natter(
          ['send', '--group', groupName, '--each-line', '--json', '--wait', '30000'],
          env(s),
          '',
        );
      }
      assert.equal(flushed?.code, 0, `${s} could not flush its outbox: ${flushed?.stderr}`);
    }
    phase('outboxes flushed');

    /** Everything each member printed, from its follower and its inbox runs. */
    const seen = new Map<string, InboxLine[]>(users.map((u) => [u, []]));
    for (const f of followers.splice(0)) {
      const code = await f.stop();
      assert.equal(code, 0, `${f.name}'s inbox --follow failed: ${f.stderr}`);
      seen.get(f.name)!.push(...jsonLines<InboxLine>(f.stdout));
    }
    phase('followers stopped');

    // Every member runs natter inbox until it has every message of the others, then once
    // more: a duplicate would show there. The offline ones go first, and the relay is
    // killed once more while they catch up from its store.
    const texts = (u: string) =>
      new Set(
        seen
          .get(u)!
          .filter((l) => l.type === undefined)
          .map((l) => l.text),
      );
    const expected = (u: string) => [...sentBy].filter(([, s]) => s !== u).map(([t]) => t);
    const inboxRuns = new Map<string, number>();
    const cutShort: string[] = [];
    let draining = true;
    const drainKill = (async () => {
      await sleep(1200 + Math.floor(Math.random() * 300));
      if (!draining) return;
      await killRelay();
      kills++;
      phase(`kill ${kills}, while members catch up`);
      await sleep(150);
      await startRelay();
    })();
    await pool([...users.slice(ONLINE), ...users.slice(0, ONLINE)], PARALLEL, async (u) => {
      let complete = false;
      for (let attempt = 0; attempt < 8; attempt++) {
        const r = await natter(['inbox', '--json', '--wait', '30000'], env(u));
        // What a run printed was shown, even if the relay died under it before it ended.
        seen.get(u)!.push(...jsonLines<InboxLine>(r.stdout));
        inboxRuns.set(u, attempt + 1);
        if (r.code !== 0) {
          // The relay was down when it started (or died under it): try again.
          cutShort.push(`${u}: exit ${r.code}: ${r.stderr}`);
          await sleep(300);
          continue;
        }
        if (complete) break;
        const have = texts(u);
        complete = expected(u).every((t) => have.has(t));
      }
    });
    draining = false;
    await drainKill;
    phase(
      `members drained (inbox runs: ${[...inboxRuns.values()].join(' ')}; cut short: ${cutShort.length})`,
    );
    if (cutShort.length > 0) phase(cutShort.join('\n'));

    const damaged = [...seen].flatMap(([u, lines]) =>
      lines.filter((l) => l.type === 'damaged').map((l) => `${u}: ${JSON.stringify(l)}`),
    );
    assert.deepEqual(damaged, [], 'no delivery dropped as damaged or forged');

    /** text → msgId, as every member saw it: one id per message. */
    const idOf = new Map<string, string>();
    for (const [msgId, text] of acked) idOf.set(text, msgId);
    const ackedTexts = new Set(acked.values());
    for (const u of users) {
      const messages = seen.get(u)!.filter((l) => l.type === undefined);
      const count = new Map<string, number>();
      for (const m of messages) {
        assert.ok(m.msgId && m.text !== undefined, `${u}: a message without id or text`);
        count.set(m.msgId, (count.get(m.msgId) ?? 0) + 1);
        const sender = sentBy.get(m.text);
        assert.ok(sender !== undefined, `${u} got a message nobody sent: ${JSON.stringify(m)}`);
        assert.notEqual(sender, u, `${u} got its own message back`);
        assert.equal(m.from, sender, `${u}: ${m.text} shown from ${m.from}`);
        assert.equal(m.group?.name, groupName, `${u}: ${m.text} shown outside the group`);
        const id = idOf.get(m.text) ?? m.msgId;
        assert.equal(m.msgId, id, `${m.text} has two message ids`);
        idOf.set(m.text, id);
      }
      const dupes = [...count].filter(([, n]) => n > 1).map(([id]) => id);
      assert.deepEqual(dupes, [], `${u} was shown messages twice`);
      const have = texts(u);
      const missing = expected(u).filter((t) => !have.has(t));
      const missingAcked = missing.filter((t) => ackedTexts.has(t));
      assert.deepEqual(
        missingAcked.slice(0, 5),
        [],
        `${u} is missing ${missingAcked.length} acknowledged messages`,
      );
      // Flushed to empty above: every message sent is stored on the relay by now.
      assert.deepEqual(missing.slice(0, 5), [], `${u} is missing ${missing.length} messages`);
      assert.equal(count.size, expected(u).length);
    }

    // The relay's data directory: LevelDB tables, logs, manifests, raw bytes. No text of
    // any message is in it; the group's name, which the relay must read, is.
    const files = await filesUnder(relayData());
    assert.ok(
      files.some((f) => /\.(ldb|log)$/.test(f)),
      `no LevelDB files in ${files}`,
    );
    const haystacks = await Promise.all(files.map(async (f) => [f, await readFile(f)] as const));
    const leaks: string[] = [];
    for (const text of sentBy.keys()) {
      // The random part, alone: it cannot appear by chance.
      const secret = text.slice(text.lastIndexOf('-') + 1);
      for (const [f, bytes] of haystacks) {
        if (bytes.includes(secret)) leaks.push(`${text} in ${f}`);
      }
    }
    assert.deepEqual(leaks.slice(0, 5), [], `${leaks.length} plaintexts in the relay's files`);
    assert.ok(
      haystacks.some(([, bytes]) => bytes.includes(groupName)),
      "the grep sees plaintext the relay keeps (the group's name)",
    );
    phase(
      `done: ${sentBy.size} messages × ${MEMBERS - 1} members, ${acked.size} acknowledged at once, ` +
        `${failedSends.length} sends cut short, ${kills} kills, ${files.length} relay files`,
    );
  });
});
