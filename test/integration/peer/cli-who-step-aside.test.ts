/**
 * A `natter who --watch` never stands in the user's way (docs/decisions.md, "who --watch
 * steps aside"): one that holds the profile serves its control socket, steps aside for a
 * client that opens the profile (here `inbox --follow`, as a chat does), watches through
 * it, and takes the profile back when it quits; a second watcher watches through whichever
 * holds it; no watcher's stream shows anyone leave and come back. Real relay, real UDP on
 * loopback broadcast.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROFILE_LOCK_WAIT_MS } from '../../../src/cli/context.js';
import { watcherHolding } from '../../../src/cli/control-holder.js';
import type { NatterClient } from '../../../src/peer/client.js';
import type { CliOptions } from '../../helpers/cli.js';
import { profileCli } from '../../helpers/cli.js';
import type { TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';
import { openOnBoth, presenceRelay, type WatchLine, watchJson } from '../../helpers/who-watch.js';
import { waitFor } from '../presence/helpers.js';

describe('cli: who --watch steps aside', function () {
  this.timeout(40_000);
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  let carol: NatterClient;

  beforeEach(async () => {
    ({ relay, env } = await presenceRelay());
    dir = await makeTempDir();
    for (const name of ['alice', 'carol']) {
      const init = await as(name, ['init', '--name', name]);
      assert.equal(init.code, 0, init.stderr);
    }
    carol = await openOnBoth(join(dir, 'carol'), relay, env);
    await carol.connect();
  });

  afterEach(async () => {
    await carol.close();
    await relay.close();
    await removeTempDirs();
  });

  const { as } = profileCli(() => ({ dir, env }));
  const socket = (who = 'alice') => join(dir, who, 'control.sock');

  /** Resolves once `who`'s socket is served by a watcher (`watcher` true) or a client. */
  async function servedBy(who: string, watcher: boolean, timeoutMs: number): Promise<void> {
    const started = Date.now();
    for (;;) {
      const found = existsSync(socket(who))
        ? await watcherHolding(socket(who), join(dir, who)).catch(() => 'none' as const)
        : 'none';
      if (found !== 'none' && found !== null) found.control.close();
      if (found !== 'none' && (found !== null) === watcher) return;
      assert.ok(
        Date.now() - started < timeoutMs,
        `${who}'s socket served by a ${watcher ? 'watcher' : 'client'}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** `who --watch --json` (alice's), its lines parsed as they come. */
  const watch = (who = 'alice', options: CliOptions = {}) => watchJson(as, who, options);

  const said = (lines: WatchLine[]) => lines.map((l) => `${l.type} ${l.pseudonym} ${l.source}`);

  it('steps aside for a client that opens the profile, and two watchers keep one whole stream each', async () => {
    const first = watch();
    await waitFor(
      () => first.lines.some((l) => l.pseudonym === 'carol' && l.source === 'both'),
      10_000,
      'carol on the LAN and at the relay',
    );
    await waitFor(() => existsSync(socket()), 5_000, 'the watcher serving the profile');
    // A second watcher watches through the first, which holds the profile.
    const second = watch();
    await waitFor(() => second.lines.length > 0, 5_000, 'the second watcher to list carol');
    const before = [said(first.lines), said(second.lines)];

    // The client opens the profile at once: the watcher held it only to watch.
    let quit: (s: string) => void = () => undefined;
    const started = Date.now();
    const running = as('alice', ['inbox', '--follow'], {
      stop: new Promise<string>((resolve) => {
        quit = resolve;
      }),
    });
    // Its socket, a client's (not a watcher's): it has the profile.
    await servedBy('alice', false, 8_000);
    assert.ok(Date.now() - started < PROFILE_LOCK_WAIT_MS / 2, 'no wait for the lock');
    // Both watchers re-attach through it and hear carol's change of status through it.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await carol.setStatus('busy', 'in a meeting');
    for (const w of [first, second])
      await waitFor(
        () => w.lines.some((l) => l.type === 'update' && l.pseudonym === 'carol'),
        5_000,
        'carol busy, seen through the client',
      );

    // It quits: one watcher holds the profile again, the other watches through it.
    quit('SIGINT');
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await carol.logout();
    for (const w of [first, second])
      await waitFor(
        () => w.lines.some((l) => l.pseudonym === 'carol' && l.type === 'leave'),
        5_000,
        'carol to leave, seen by each watcher',
      );
    for (const [i, w] of [first, second].entries()) {
      w.stop();
      const done = await w.done;
      assert.equal(done.code, 0, done.stderr);
      assert.deepEqual(
        w.lines.filter((l) => l.type !== 'update').map((l) => `${l.type} ${l.pseudonym}`),
        ['join carol', 'leave carol'],
        `watcher ${i + 1}: no one left and came back (${JSON.stringify(said(w.lines))})`,
      );
      assert.deepEqual(said(w.lines).slice(0, before[i]?.length), before[i]);
    }
  });

  /** carol's last line in `w`'s stream: `type carol status`. */
  const carolNow = (lines: WatchLine[]) => {
    const last = lines.filter((l) => l.pseudonym === 'carol').at(-1) as
      | (WatchLine & { status: string })
      | undefined;
    return last === undefined ? 'none' : `${last.type} carol ${last.status}`;
  };

  // The QA trial's case: changes made while the watcher let the profile go, 0.5-2 s after
  // the client was started, stayed unprinted while the client ran.
  for (const what of ['status', 'leave'] as const)
    it(`shows carol's ${what === 'status' ? 'change of status' : 'leaving'} made while a client took the profile from it, while the client runs`, async () => {
      const w = watch();
      await waitFor(
        () => w.lines.some((l) => l.pseudonym === 'carol' && l.source === 'both'),
        10_000,
        'carol on the LAN and at the relay',
      );
      await servedBy('alice', true, 5_000);
      let quit: (s: string) => void = () => undefined;
      const running = as('alice', ['inbox', '--follow'], {
        stop: new Promise<string>((resolve) => {
          quit = resolve;
        }),
      });
      try {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        if (what === 'leave') await carol.logout();
        else await carol.setStatus('away', 'x');
        // The step-aside grace (2 s), then re-attaching through the client: a status is
        // printed once the client lists carol from where she was; a leave, which the client
        // never heard, once it says its list is whole, not at the handover's timeout
        // (WHO_CONNECT_MS, 5 s after attaching).
        const expected = what === 'leave' ? 'leave carol online' : 'update carol away';
        await waitFor(
          () => carolNow(w.lines) === expected,
          4_500,
          `${expected}, seen through the client (${carolNow(w.lines)})`,
        );
        await servedBy('alice', false, 1_000);
      } finally {
        quit('SIGINT');
        assert.equal((await running).code, 0);
        w.stop();
        assert.equal((await w.done).code, 0);
      }
    });

  it('says what each watcher does when the holder it watched through goes without a word: one holds, the other watches through it', async () => {
    const holder = watch();
    await servedBy('alice', true, 10_000);
    const others = [watch(), watch()];
    for (const w of others)
      await waitFor(() => w.lines.length > 0, 5_000, 'each watcher to list carol through it');
    // Stopped, the holder closes its socket without stepping aside, as one killed does.
    holder.stop();
    assert.equal((await holder.done).code, 0);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await servedBy('alice', true, 1_000);
    const said = await Promise.all(
      others.map(async (w) => {
        w.stop();
        const r = await w.done;
        assert.equal(r.code, 0, r.stderr);
        return r.stderr.trim();
      }),
    );
    assert.deepEqual(
      [...said].sort(),
      [
        `natter: the running client stopped; watching on our own`,
        `natter: the running client stopped; watching through natter who --watch (pid ${process.pid})`,
      ],
      said.join(' | '),
    );
  });

  it('names the watcher holding the profile when it cannot step aside for the command', async () => {
    const w = watch();
    await waitFor(() => existsSync(socket()), 10_000, 'the watcher serving the profile');
    const r = await as('alice', ['config', 'set', 'relay', '127.0.0.1:1']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /E_PROFILE_IN_USE/);
    assert.match(r.stderr, /in use by natter who --watch \(pid \d+\)/);
    w.stop();
    assert.equal((await w.done).code, 0);
  });

  it('asks a typed passphrase once: a watcher taking the profile back after a client opens it again without asking', async () => {
    const secret = 'correct horse battery staple';
    const init = await as('dora', ['init', '--name', 'dora', '--seal'], {
      stdinTTY: true,
      stdin: `${secret}\n${secret}\n`,
    });
    assert.equal(init.code, 0, init.stderr);
    const file = join(dir, 'pass');
    await writeFile(file, `${secret}\n`, { mode: 0o600 });
    // Typed once, at the start; stdin ends there.
    const w = watch('dora', { stdinTTY: true, stdin: `${secret}\n` });
    await servedBy('dora', true, 10_000);
    let quit: (s: string) => void = () => undefined;
    const running = as('dora', ['inbox', '--follow'], {
      env: { NATTER_PASSPHRASE_FILE: file },
      stop: new Promise<string>((resolve) => {
        quit = resolve;
      }),
    });
    await servedBy('dora', false, 8_000);
    quit('SIGINT');
    assert.equal((await running).code, 0);
    await servedBy('dora', true, 8_000);
    w.stop();
    const r = await w.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.split('passphrase:').length - 1, 1, r.stderr);
  });
});
