/**
 * A chat whose first run chose its name while the relay was down, and the relay then
 * refused it as taken (a QA trial: "relay closed" for good, messages pending until a
 * restart): nameAgain asks for another name as the wizard does, claims it for the same
 * identity, saves it, and what the user queued goes out from the new name. A real relay
 * on 127.0.0.1, no presence.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { nameAgain } from '../../../src/cli/chat-register.js';
import { CliContext } from '../../../src/cli/context.js';
import type { CliIo } from '../../../src/cli/io.js';
import type { ReceivedMessage } from '../../../src/peer/index.js';
import { profilePaths, readConfig } from '../../../src/peer/profile.js';
import { isNatterError } from '../../../src/util/errors.js';
import { makeClient, makeProfile } from '../../helpers/profile.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { waitFor } from '../presence/helpers.js';

describe('chat: a name the relay refused after the screen opened (integration: loopback)', function () {
  this.timeout(30_000);
  let relay: TestRelay;

  beforeEach(async () => {
    relay = await startTestRelay();
  });

  afterEach(async () => {
    await relay.close();
    await removeTempDirs();
  });

  it('asks for another name, registers it, saves it, and sends what was queued from it', async () => {
    const address = { host: relay.host, port: relay.port };
    const taker = await makeClient('dave', address);
    await taker.connect({ timeoutMs: 5_000 });
    await taker.close();
    const bob = await makeClient('bob', address);
    const got: ReceivedMessage[] = [];
    bob.on('message:received', (m) => got.push(m));
    await bob.connect({ timeoutMs: 5_000 });

    // The wizard made 'dave' while the relay was down: nothing registered anywhere.
    const profile = await makeProfile('dave');
    const io: CliIo = {
      stdout: { write: () => true },
      stderr: { write: () => true },
      stdin: Readable.from([Buffer.from('dave smith\nerin\n')]),
      env: { HOME: '/nonexistent-home', NATTER_PRESENCE: '0' },
      stopSignal: () => new Promise(() => undefined),
    };
    const holder = {
      ctx: new CliContext(io, { profile: profile.dir, relay: `${relay.host}:${relay.port}` }),
    };
    let prompts = '';
    const output = { write: (s: string) => (prompts += s) };
    try {
      const first = await holder.ctx.openClient({ connect: true });
      await first.send('bob', 'written while the relay was down');
      const refusal = await first.connect({ timeoutMs: 5_000 }).then(
        () => assert.fail('dave is taken'),
        (err: unknown) => err,
      );
      assert.ok(isNatterError(refusal, 'E_PSEUDONYM_TAKEN'));
      const client = await nameAgain(holder, { input: io.stdin, output }, {}, 'dave', {
        code: refusal.code,
        message: refusal.message,
      });
      assert.equal(client.me.pseudonym, 'erin');
      assert.equal((await readConfig(profilePaths(profile.dir))).pseudonym, 'erin');
      await waitFor(() => got.length > 0, 10_000, 'the queued message at bob');
      assert.equal(got[0]!.from.pseudonym, 'erin');
      assert.equal(got[0]!.text, 'written while the relay was down');
    } finally {
      await holder.ctx.dispose();
      await bob.close();
    }
    assert.match(prompts, /^the name 'dave' is taken on this relay; choose another\n/);
    assert.match(prompts, /no spaces in a name\n/);
  });
});
