/**
 * Heartbeats on a control connection (control-beat.ts): a holder beats only for a command
 * that asked, the command never reads a beat as an answer or an event, and silence from a
 * holder that beats fails the command's waiting read, naming the holder.
 */
import assert from 'node:assert/strict';
import { chmod } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import {
  type ControlServer,
  type ControlTarget,
  startControlServer,
} from '../../../src/cli/control.js';
import {
  HEARTBEAT_LINE,
  HOLDER_SILENT_MS,
  SilenceWatch,
  silenceFor,
} from '../../../src/cli/control-beat.js';
import { ControlClient } from '../../../src/cli/control-client.js';
import { askHolder, WATCHER_HOLDER } from '../../../src/cli/control-holder.js';
import { writeHolderFile } from '../../../src/cli/holder-file.js';
import { PeerEvents } from '../../../src/peer/events.js';
import { ManualClock, systemClock } from '../../../src/util/clock.js';
import type { NatterError } from '../../../src/util/errors.js';
import { silentLogger } from '../../../src/util/logger.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Raw lines from the socket for `ms` after writing `text`. */
async function linesFor(path: string, text: string, ms: number): Promise<string[]> {
  const socket = net.connect(path);
  socket.setEncoding('utf8');
  let got = '';
  socket.on('data', (d: string) => {
    got += d;
  });
  socket.on('error', () => undefined);
  socket.write(text);
  await new Promise((resolve) => setTimeout(resolve, ms));
  socket.destroy();
  return got.split('\n').filter((l) => l.length > 0);
}

describe('cli: heartbeats on the control connection (control-beat)', () => {
  afterEach(() => removeTempDirs());

  describe('SilenceWatch', () => {
    it('says nothing while the holder is heard, and once after silentMs of silence', async () => {
      const clock = new ManualClock();
      let silent = 0;
      const watch = new SilenceWatch(clock, 5_000, () => silent++);
      for (let i = 0; i < 10; i++) {
        clock.advance(4_000);
        watch.heard();
        await turn();
      }
      assert.equal(silent, 0, 'heard every 4 s of 5');
      clock.advance(4_999);
      await turn();
      assert.equal(silent, 0);
      clock.advance(1);
      await turn();
      assert.equal(silent, 1);
      clock.advance(60_000);
      await turn();
      assert.equal(silent, 1, 'said once');
    });

    it('says nothing once stopped', async () => {
      const clock = new ManualClock();
      let silent = 0;
      const watch = new SilenceWatch(clock, 5_000, () => silent++);
      watch.stop();
      clock.advance(60_000);
      await turn();
      assert.equal(silent, 0);
    });

    it(`allows ${HOLDER_SILENT_MS} ms at least, and four beats of a slower holder`, () => {
      assert.equal(silenceFor(1_000), HOLDER_SILENT_MS);
      assert.equal(silenceFor(3_000), 12_000);
    });
  });

  describe('the holder and the command', () => {
    let dir: string;
    let path: string;
    let server: ControlServer;

    beforeEach(async () => {
      dir = await makeTempDir();
      path = join(dir, 'control.sock');
      const events = new PeerEvents();
      const target = { on: events.on.bind(events), online: () => [], impostors: () => [] };
      server = await startControlServer(
        path,
        target as unknown as ControlTarget,
        silentLogger,
        undefined,
        undefined,
        { clock: systemClock, everyMs: 20 },
      );
    });

    afterEach(() => server.close());

    it('beats only for a command that asked, after answering it', async () => {
      const plain = await linesFor(path, '{"op":"holder"}\n', 150);
      assert.equal(plain.length, 1, 'an older command gets its answer and nothing else');
      assert.equal(JSON.parse(plain[0]!).heartbeatMs, undefined);
      const asked = await linesFor(path, '{"op":"holder","heartbeat":true}\n', 150);
      assert.equal(JSON.parse(asked[0]!).heartbeatMs, 20);
      assert.ok(asked.length >= 3, `beats after the answer: ${asked.length - 1}`);
      assert.ok(asked.slice(1).every((l) => l === HEARTBEAT_LINE));
    });

    it('lets the command read answers and events between the beats, never a beat', async () => {
      const found = await askHolder(path, dir);
      assert.ok(found !== null);
      const control = found.control;
      try {
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(await control.request({ op: 'who' }), {
          ok: true,
          peers: [],
          impostors: [],
        });
        const watch = await control.request({ op: 'watch' });
        assert.equal(watch.ok, true);
        // Only beats come after a watch's answer here: the read waits, unanswered, alive.
        const next = control.next();
        const quiet = await Promise.race([
          next.then(() => 'read'),
          new Promise((resolve) => setTimeout(() => resolve('waiting'), 200)),
        ]);
        assert.equal(quiet, 'waiting');
      } finally {
        control.close();
      }
    });
  });

  it('fails the read waiting on a holder gone silent, naming it, and every read after', async () => {
    const home = await makeTempDir();
    await chmod(home, 0o700);
    const path = join(home, 'control.sock');
    let beats: ReturnType<typeof setTimeout> | undefined;
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.write('{"ok":true,"holder":"who --watch","pid":1,"heartbeatMs":20}\n');
        // Three beats, then silence: stopped (SIGSTOP) after the command attached.
        let n = 0;
        const beat = () => {
          if (n++ < 3) {
            socket.write(`${HEARTBEAT_LINE}\n`);
            beats = setTimeout(beat, 20);
          }
        };
        beat();
      });
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    await chmod(path, 0o600);
    await writeHolderFile(home, WATCHER_HOLDER);
    try {
      const control = await ControlClient.connect(path, home);
      const answer = await control.request({ op: 'holder', heartbeat: true });
      assert.equal(answer.ok, true);
      control.expectBeats(20, 300);
      const started = Date.now();
      const check = (err: NatterError) => {
        assert.equal(err.code, 'E_PROFILE_IN_USE');
        for (const part of [
          `natter ${WATCHER_HOLDER} (pid ${process.pid})`,
          'has said nothing for 0.3 s (stopped or hung)',
          `kill -CONT ${process.pid}`,
        ])
          assert.ok(err.message.includes(part), `${part} in ${err.message}`);
        return true;
      };
      await assert.rejects(control.next(), check);
      assert.ok(Date.now() - started < 2_000, 'noticed within the silence and a little');
      await assert.rejects(control.request({ op: 'who' }), check);
      assert.ok(control.closed, 'the connection is closed');
    } finally {
      clearTimeout(beats);
      server.close();
    }
  });
});
