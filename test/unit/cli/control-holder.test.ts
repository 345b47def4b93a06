/**
 * A `who --watch` holding the profile answers `holder` and `step-aside` on its control
 * socket (control-holder.ts); a command opening the profile asks it to step aside first,
 * and names it when it does not let go.
 */
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import type { ControlSession } from '../../../src/cli/control.js';
import { ControlClient } from '../../../src/cli/control-client.js';
import {
  askHolder,
  openBesideWatcher,
  STEP_ASIDE_EVENT,
  WATCHER_HOLDER,
  watcherDispatch,
} from '../../../src/cli/control-holder.js';
import {
  HOLDER_FILE_NAME,
  readHolderFile,
  removeHolderFile,
  writeHolderFile,
} from '../../../src/cli/holder-file.js';
import { isNatterError, NatterError } from '../../../src/util/errors.js';
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

  /** A socket that accepts and never answers, as a stopped (SIGSTOP) holder's does. */
  async function silentHolder() {
    const dir = await makeTempDir();
    await chmod(dir, 0o700);
    const path = join(dir, 'control.sock');
    const server = net.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    await chmod(path, 0o600);
    return { dir, path, close: () => server.close() };
  }

  it('names a holder that accepts and does not answer (stopped or hung) from what it wrote, and says how to go on', async () => {
    const silent = await silentHolder();
    try {
      await writeHolderFile(silent.dir, WATCHER_HOLDER);
      const control = await ControlClient.connect(silent.path, silent.dir);
      await assert.rejects(control.request({ op: 'holder' }, 50), (err: NatterError) => {
        assert.equal(err.code, 'E_PROFILE_IN_USE');
        for (const part of [
          `in use by natter ${WATCHER_HOLDER} (pid ${process.pid})`,
          '(stopped or hung)',
          `kill -CONT ${process.pid}`,
        ])
          assert.ok(err.message.includes(part), `${part} in ${err.message}`);
        return true;
      });
      control.close();
      // A command that opens the profile is told at once: it would wait for a lock never let go.
      let opened = false;
      await assert.rejects(
        openBesideWatcher(silent.path, silent.dir, async () => {
          opened = true;
        }),
        (err) => isNatterError(err, 'E_PROFILE_IN_USE'),
      );
      assert.equal(opened, false);
      // Nothing written (an older natter): still in use, by a process it cannot name.
      await removeHolderFile(silent.dir);
      const again = await ControlClient.connect(silent.path, silent.dir);
      await assert.rejects(
        again.request({ op: 'holder' }, 50),
        (err: NatterError) =>
          err.code === 'E_PROFILE_IN_USE' && err.message.includes('by a natter process'),
      );
      again.close();
    } finally {
      silent.close();
    }
  });

  it('names no one from a holder file that is not one, or whose process is gone', async () => {
    const dir = await makeTempDir();
    const file = join(dir, HOLDER_FILE_NAME);
    assert.equal(await readHolderFile(dir), null, 'none');
    await writeHolderFile(dir, WATCHER_HOLDER);
    assert.deepEqual(await readHolderFile(dir), { pid: process.pid, holder: WATCHER_HOLDER });
    // The largest pid Linux allows is 2^22; this one is never running.
    for (const text of [
      '{"pid":2147483646,"holder":"who --watch"}',
      '{"pid":-1,"holder":"who --watch"}',
      `{"pid":${process.pid},"holder":"\u001b[2J"}`,
      `{"pid":${process.pid}}`,
      'not json',
      'null',
    ]) {
      await writeFile(file, text);
      assert.equal(await readHolderFile(dir), null, text);
    }
  });

  it('takes a holder that hangs up unasked for one going (killed as we connected), not an error', async () => {
    const dir = await makeTempDir();
    await chmod(dir, 0o700);
    const path = join(dir, 'control.sock');
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(path, resolve));
    await chmod(path, 0o600);
    try {
      assert.equal(await askHolder(path, dir), null);
    } finally {
      server.close();
    }
  });
});
