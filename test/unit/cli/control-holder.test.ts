/**
 * A `who --watch` holding the profile answers `holder` and `step-aside` on its control
 * socket (control-holder.ts); a command opening the profile asks it to step aside first,
 * and names it when it does not let go.
 */
import assert from 'node:assert/strict';
import { chmod } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import type { ControlSession } from '../../../src/cli/control.js';
import {
  openBesideWatcher,
  STEP_ASIDE_EVENT,
  WATCHER_HOLDER,
  watcherDispatch,
} from '../../../src/cli/control-holder.js';
import { NatterError } from '../../../src/util/errors.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

/** A session whose lines are kept and whose closing is ours to do. */
function session() {
  const written: unknown[] = [];
  const closers: (() => void)[] = [];
  const s: ControlSession = { write: (v) => written.push(v), onClose: (fn) => closers.push(fn) };
  const close = () => {
    for (const fn of closers.splice(0)) fn();
  };
  return { s, written, close };
}

describe('cli: a watcher holding the profile (control-holder)', () => {
  afterEach(() => removeTempDirs());

  it('says it is a watcher, passes the client kinds on, and steps aside once the asker hangs up', async () => {
    const passed: string[] = [];
    let asides = 0;
    const dispatch = watcherDispatch(
      async (raw) => {
        passed.push(String(raw.op));
        return {};
      },
      () => asides++,
    );
    const who = session();
    assert.deepEqual(await dispatch({ op: 'holder' }, who.s), {
      holder: WATCHER_HOLDER,
      pid: process.pid,
    });
    const watching = session();
    const gone = session();
    await dispatch({ op: 'watch' }, watching.s);
    await dispatch({ op: 'watch' }, gone.s);
    gone.close();
    await dispatch({ op: 'send' }, who.s);
    assert.deepEqual(passed, ['watch', 'watch', 'send']);

    const asker = session();
    assert.deepEqual(await dispatch({ op: 'step-aside' }, asker.s), {});
    assert.deepEqual(watching.written, [{ event: STEP_ASIDE_EVENT }], 'its watchers are told');
    assert.deepEqual(gone.written, [], 'a watcher gone is not');
    assert.equal(asides, 0, 'not before the asker has its answer and hangs up');
    asker.close();
    assert.equal(asides, 1);
  });

  it('names a watcher that holds the profile and does not let go', async () => {
    const dir = await makeTempDir();
    await chmod(dir, 0o700);
    const path = join(dir, 'control.sock');
    const asked: string[] = [];
    // An older watcher: says what it is, ignores being asked aside.
    const server = net.createServer((socket) => {
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        for (const line of chunk.split('\n').filter((l) => l.length > 0)) {
          const op = (JSON.parse(line) as { op: string }).op;
          asked.push(op);
          socket.write(
            `${JSON.stringify(op === 'holder' ? { ok: true, holder: WATCHER_HOLDER, pid: 4242 } : { ok: true })}\n`,
          );
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    await chmod(path, 0o600);
    try {
      const inUse = new NatterError('E_PROFILE_IN_USE', `profile ${dir} is in use`);
      await assert.rejects(
        openBesideWatcher(path, dir, () => Promise.reject(inUse)),
        (err: NatterError) =>
          err.code === 'E_PROFILE_IN_USE' &&
          err.message.includes(`in use by natter ${WATCHER_HOLDER} (pid 4242): stop it first`),
      );
      assert.deepEqual(asked, ['holder', 'step-aside', 'holder']);
      // No one serving: the profile is opened as before.
      server.close();
      assert.equal(await openBesideWatcher(join(dir, 'none.sock'), dir, async () => 7), 7);
    } finally {
      server.close();
    }
  });
});
