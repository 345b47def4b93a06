/**
 * A name is announced on the LAN only once a relay accepted it (seventeenth sitting's
 * newcomer trial): the chat's first run typed the taken name `carol`, its HELLO went
 * out before the relay refused it, and every client on the LAN showed an impersonation
 * warning for carol. Real UDP on loopback broadcast, a real relay on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { Readable } from 'node:stream';
import { firstRun } from '../../../src/cli/chat-register.js';
import { CliContext } from '../../../src/cli/context.js';
import type { CliIo } from '../../../src/cli/io.js';
import { NatterClient } from '../../../src/peer/client.js';
import type { PresenceOptions } from '../../../src/peer/index.js';
import { isNatterError } from '../../../src/util/errors.js';
import { makeClient, makeProfile } from '../../helpers/profile.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';
import { freeUdpPort, sleep, waitFor } from '../presence/helpers.js';

/** Every datagram heard on the presence port, as bytes. */
async function hear(port: number): Promise<{ socket: Socket; heard: Buffer[] }> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  const heard: Buffer[] = [];
  socket.on('message', (m) => heard.push(m));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '0.0.0.0', () => resolve());
  });
  return { socket, heard };
}

/** A datagram carries a name only in a signed card (HELLO, heartbeat, BYE, signed QUERY). */
const naming = (heard: Buffer[], name: string) =>
  heard.filter((d) => d.includes(Buffer.from(name, 'utf8')));

describe('presence waits for the relay to accept the name (integration: loopback)', function () {
  this.timeout(20_000);
  let relay: TestRelay;
  let port: number;
  let lan: PresenceOptions;
  let listener: { socket: Socket; heard: Buffer[] };

  beforeEach(async () => {
    relay = await startTestRelay();
    port = await freeUdpPort();
    lan = { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
    listener = await hear(port);
    const carol = await makeClient('carol', { host: relay.host, port: relay.port });
    await carol.connect({ timeoutMs: 5_000 });
    await carol.close();
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => listener.socket.close(() => resolve()));
    await relay.close();
    await removeTempDirs();
  });

  it('a new profile whose name the relay refuses as taken sends no datagram with that name', async () => {
    const profile = await makeProfile('carol');
    const client = await NatterClient.open({
      profileDir: profile.dir,
      relay: { host: relay.host, port: relay.port },
      presence: lan,
    });
    try {
      await assert.rejects(client.connect({ timeoutMs: 5_000 }), (err) =>
        isNatterError(err, 'E_PSEUDONYM_TAKEN'),
      );
    } finally {
      await client.close();
    }
    await sleep(200);
    assert.ok(listener.heard.length > 0, 'the listener heard the anonymous QUERY');
    assert.deepEqual(naming(listener.heard, 'carol'), []);
  });

  it('a new profile announces its name once the relay accepted it', async () => {
    const profile = await makeProfile('dora');
    const client = await NatterClient.open({
      profileDir: profile.dir,
      relay: { host: relay.host, port: relay.port },
      presence: lan,
    });
    try {
      await client.connect({ timeoutMs: 5_000 });
      await waitFor(() => naming(listener.heard, 'dora').length > 0, 5_000, "dora's HELLO");
    } finally {
      await client.close();
    }
  });

  it('the chat wizard asks the passphrase once, keeps it for the next name, and never announces the taken one', async () => {
    const dir = await makeTempDir('natter-wizard-');
    let prompts = '';
    const io: CliIo = {
      stdout: { write: () => true },
      stderr: { write: () => true },
      stdin: Readable.from([Buffer.from('carol\nsecret\nsecret\ndora\n')]),
      env: {
        HOME: '/nonexistent-home',
        NATTER_RELAY_PRESENCE: '0',
        NATTER_PRESENCE_PORT: String(port),
        NATTER_PRESENCE_TARGETS: '127.255.255.255',
        NATTER_PRESENCE_INTERFACES: '0',
      },
      stopSignal: () => new Promise(() => undefined),
    };
    const holder = {
      ctx: new CliContext(io, { profile: dir, relay: `${relay.host}:${relay.port}` }),
    };
    const output = { write: (s: string) => (prompts += s) };
    try {
      const client = await firstRun(holder, { input: io.stdin, output }, {});
      assert.equal(client.me.pseudonym, 'dora');
      await waitFor(() => naming(listener.heard, 'dora').length > 0, 5_000, "dora's HELLO");
    } finally {
      await holder.ctx.dispose();
    }
    assert.match(prompts, /the name 'carol' .*; choose another/);
    assert.equal(prompts.split('passphrase to seal').length - 1, 1, prompts);
    assert.deepEqual(naming(listener.heard, 'carol'), []);
  });
});
