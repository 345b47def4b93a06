/** The control socket of a running client (src/cli/control.ts), over a real Unix socket. */
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import {
  type ControlServer,
  type ControlTarget,
  MAX_CONTROL_LINE_BYTES,
  startControlServer,
} from '../../../src/cli/control.js';
import { ControlClient } from '../../../src/cli/control-client.js';
import { CLIENT_HOLDER, HOLDER_FILE_NAME } from '../../../src/cli/holder-file.js';
import { WHO_WAIT_MS } from '../../../src/cli/holder-view.js';
import { type OnlinePeer, PeerEvents, type PresenceStatus } from '../../../src/peer/events.js';
import { isNatterError } from '../../../src/util/errors.js';
import { silentLogger } from '../../../src/util/logger.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const peer: OnlinePeer = {
  pseudonym: 'bob',
  userId: 'ab'.repeat(32),
  fingerprint: 'aaaa-bbbb-cccc-dddd',
  status: 'online',
  statusText: '',
  source: 'lan',
  address: '10.0.0.2',
  keyChanged: false,
  verified: false,
};

/** The presence requests use only these; the profile requests are tested in cli-control.test.ts. */
/** A look-alike of a contact's name under another key, which the client leaves out of the list. */
const impostor = {
  pseudonym: 'b\u043eb',
  claimedFingerprint: 'eeee-ffff-gggg-hhhh',
  pinnedFingerprint: 'aaaa-bbbb-cccc-dddd',
};

class FakeClient implements Pick<ControlTarget, 'setStatus' | 'online' | 'impostors' | 'on'> {
  readonly events = new PeerEvents();
  statuses: [PresenceStatus, string | undefined][] = [];
  setStatus = async (status: PresenceStatus, text?: string) => {
    this.statuses.push([status, text]);
  };
  online = () => [peer];
  impostors = () => [impostor];
  on: ControlTarget['on'] = (name, listener) => this.events.on(name, listener);
}

/** Sends raw text and collects the answer lines until the server closes or `count` arrive. */
async function raw(path: string, text: string, count: number): Promise<string[]> {
  const socket = net.connect(path);
  socket.setEncoding('utf8');
  let got = '';
  return new Promise((resolve) => {
    socket.on('data', (d: string) => {
      got += d;
      const lines = got.split('\n').filter((l) => l.length > 0);
      if (lines.length >= count) {
        socket.destroy();
        resolve(lines);
      }
    });
    socket.on('close', () => resolve(got.split('\n').filter((l) => l.length > 0)));
    socket.on('error', () => undefined);
    socket.write(text);
  });
}

describe('control socket (a running client, steered by other natter commands)', () => {
  let dir: string;
  let path: string;
  let target: FakeClient;
  let server: ControlServer;

  beforeEach(async () => {
    dir = await makeTempDir();
    path = join(dir, 'control.sock');
    target = new FakeClient();
    server = await startControlServer(path, target as unknown as ControlTarget, silentLogger);
  });

  afterEach(async () => {
    await server.close();
    await removeTempDirs();
  });

  it('is a socket only its owner may use, and goes away on close', async () => {
    const s = await stat(path);
    assert.ok(s.isSocket());
    assert.equal(s.mode & 0o777, 0o600);
    await server.close();
    await assert.rejects(stat(path));
    await assert.rejects(ControlClient.connect(path, dir), (e) =>
      isNatterError(e, 'E_NOT_RUNNING'),
    );
  });

  it('says who serves it when asked, as a watcher does, so that every command may ask first', async () => {
    const c = await ControlClient.connect(path, dir);
    assert.deepEqual(await c.request({ op: 'holder' }), {
      ok: true,
      holder: CLIENT_HOLDER,
      pid: process.pid,
    });
    c.close();
  });

  it('says who serves it, beside it, while it does (a stopped one cannot say so then)', async () => {
    const file = join(dir, HOLDER_FILE_NAME);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), {
      pid: process.pid,
      holder: CLIENT_HOLDER,
    });
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    await server.close();
    await assert.rejects(stat(file));
  });

  it('replaces a socket file left behind by a crashed client', async () => {
    await server.close();
    await writeFile(path, 'stale');
    server = await startControlServer(path, target as unknown as ControlTarget, silentLogger);
    const c = await ControlClient.connect(path, dir);
    assert.deepEqual(await c.request({ op: 'who' }), {
      ok: true,
      peers: [peer],
      impostors: [impostor],
    });
    c.close();
  });

  it('sets the status, and refuses a bad one with a code', async () => {
    const c = await ControlClient.connect(path, dir);
    assert.deepEqual(await c.request({ op: 'status', status: 'away', text: 'lunch' }), {
      ok: true,
    });
    assert.deepEqual(target.statuses, [['away', 'lunch']]);
    const bad = await c.request({ op: 'status', status: 'gone' as PresenceStatus });
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.code, 'E_BAD_STATUS');
    c.close();
  });

  it('answers garbage and unknown requests with a coded error and keeps the connection', async () => {
    const lines = await raw(path, 'not json\n{"op":"reboot"}\n{"op":"who"}\n', 3);
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { code?: string; ok: boolean }).code ?? 'ok'),
      ['E_BAD_REQUEST', 'E_BAD_REQUEST', 'ok'],
    );
  });

  it('closes a connection whose request line exceeds the limit', async () => {
    const lines = await raw(path, 'x'.repeat(MAX_CONTROL_LINE_BYTES + 1), 5);
    assert.equal(lines.length, 1);
    assert.equal((JSON.parse(lines[0]!) as { code: string }).code, 'E_BAD_REQUEST');
  });

  it('refuses to listen in a directory others may enter, and to talk to a socket others may use', async () => {
    const shared = join(dir, 'shared');
    await mkdir(shared, { mode: 0o755 });
    await chmod(shared, 0o755);
    await assert.rejects(
      startControlServer(
        join(shared, 'control.sock'),
        target as unknown as ControlTarget,
        silentLogger,
      ),
      (e) => isNatterError(e, 'E_CONTROL_UNSAFE'),
    );
    await chmod(path, 0o666);
    await assert.rejects(ControlClient.connect(path, dir), (e) =>
      isNatterError(e, 'E_CONTROL_UNSAFE'),
    );
    await writeFile(join(dir, 'not-a-socket'), '');
    await chmod(join(dir, 'not-a-socket'), 0o600);
    await assert.rejects(ControlClient.connect(join(dir, 'not-a-socket'), dir), (e) =>
      isNatterError(e, 'E_CONTROL_UNSAFE'),
    );
  });

  it('refuses requests whose fields are missing or of the wrong type, with a code', async () => {
    const lines = await raw(
      path,
      [
        '[]',
        '{"op":"trust"}',
        '{"op":"fingerprint","name":7}',
        '{"op":"history","limit":"ten"}',
        '{"op":"send","target":{"kind":"broadcast"},"texts":[],"waitMs":1}',
        '{"op":"send","target":{"kind":"direct","to":"bob"},"texts":[1],"waitMs":1}',
        '{"op":"inbox.wait","after":0.5}',
        '{"op":"__proto__"}',
        '',
      ].join('\n'),
      8,
    );
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { code?: string }).code),
      Array(8).fill('E_BAD_REQUEST'),
    );
  });

  it('says its list is whole once its relay session is ready and the LAN has answered', async () => {
    const c = await ControlClient.connect(path, dir);
    target.events.emit('connection:state', { state: 'ready' });
    await new Promise((resolve) => setTimeout(resolve, WHO_WAIT_MS + 50));
    // The impostors it hears now come with the list, as `who` answers them.
    assert.deepEqual(await c.request({ op: 'watch' }), {
      ok: true,
      peers: [peer],
      impostors: [impostor],
      complete: true,
    });
    c.close();
  });

  it('streams roster changes after the current list, until the watcher hangs up', async () => {
    const c = await ControlClient.connect(path, dir);
    assert.deepEqual(await c.request({ op: 'watch' }), {
      ok: true,
      peers: [peer],
      impostors: [impostor],
      complete: false,
    });
    target.events.emit('roster:change', { type: 'leave', peer, reason: 'bye' });
    target.events.emit('roster:conflict', {
      pseudonym: 'bob',
      claimedFingerprint: 'x',
      pinnedFingerprint: 'y',
    });
    assert.deepEqual(await c.next(1000), {
      event: 'roster:change',
      type: 'leave',
      peer,
      reason: 'bye',
    });
    assert.deepEqual(await c.next(1000), {
      event: 'roster:conflict',
      pseudonym: 'bob',
      claimedFingerprint: 'x',
      pinnedFingerprint: 'y',
    });
    c.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Nobody listens any more: emitting must not throw or write to a closed socket.
    target.events.emit('roster:change', { type: 'join', peer });
  });
});
