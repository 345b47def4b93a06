/**
 * Long-running commands beside a running client (a chat stand-in serving its control
 * socket, test/helpers/cli-relay.ts): what they say of the relay, as they say it alone.
 */
import assert from 'node:assert/strict';
import { cliRelay, initProfiles } from '../../helpers/cli-relay.js';
import { startTestRelay } from '../../helpers/relay.js';

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 750; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
};

describe('cli: long-running commands beside a running client', function () {
  this.timeout(40_000);
  const f = cliRelay();

  beforeEach(() => initProfiles(f, { a: 'alice', c: 'carol' }));

  it("inbox --follow through a chat says once that it lost the chat's relay and when it is back, as alone", async () => {
    await f.runClient('c');
    let stop: (signal: string) => void = () => undefined;
    let stderr = '';
    let stdout = '';
    const following = f.as('c', ['inbox', '--follow'], {
      stop: new Promise<string>((resolve) => {
        stop = resolve;
      }),
      onStderr: (chunk) => {
        stderr += chunk;
      },
      onStdout: (chunk) => {
        stdout += chunk;
      },
    });
    await f.ok('a', ['send', '--to', 'carol', 'first']);
    await until(() => stdout.includes('first'), 'the message followed through the chat');
    const { port, dataDir } = f.relay;
    await f.relay.close();
    await until(() => /lost the relay; waiting for it/.test(stderr), 'the loss said');
    f.relay = await startTestRelay({ port, dataDir });
    await until(() => /the relay is back/.test(stderr), 'the return said');
    stop('SIGTERM');
    const r = await following;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.match(/lost the relay/g)?.length, 1, r.stderr);
    assert.match(r.stderr, /lost the relay; waiting for it[^\n]*\nnatter: the relay is back\n/);
    assert.doesNotMatch(r.stderr, /following on our own/, 'it stayed beside the chat');
  });
});
