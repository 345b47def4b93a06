/**
 * Long-running commands beside a running client (a chat stand-in serving its control
 * socket, test/helpers/cli-relay.ts): what they say of the relay, as they say it alone.
 */
import assert from 'node:assert/strict';
import { cliRelay, followAcrossRelayRestart, initProfiles } from '../../helpers/cli-relay.js';

describe('cli: long-running commands beside a running client', function () {
  this.timeout(40_000);
  const f = cliRelay();

  beforeEach(() => initProfiles(f, { a: 'alice', c: 'carol' }));

  it("inbox --follow through a chat says once that it lost the chat's relay and when it is back, as alone", async () => {
    await f.runClient('c');
    const r = await followAcrossRelayRestart(f);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.match(/lost the relay/g)?.length, 1, r.stderr);
    assert.match(r.stderr, /lost the relay; waiting for it[^\n]*\nnatter: the relay is back\n/);
    assert.doesNotMatch(r.stderr, /following on our own/, 'it stayed beside the chat');
  });
});
