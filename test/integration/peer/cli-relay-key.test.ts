/**
 * `natter send` to a relay that proves another key (reinstalled with a new --data on the
 * same port): refused at once with E_RELAY_KEY_CHANGED, alone or beside a running
 * client, and the message said to stay queued with the way to cancel it (the sixteenth
 * sitting's CLI trial: beside a chat it waited 30 s and said E_RELAY_TIMEOUT; alone it
 * never said the message was queued, so a resend made a duplicate).
 */
import assert from 'node:assert/strict';
import { cliRelay } from '../../helpers/cli-relay.js';
import { startTestRelay } from '../../helpers/relay.js';

describe('cli: send to a relay whose key changed', function () {
  this.timeout(30_000);
  const f = cliRelay();

  beforeEach(async () => {
    assert.equal((await f.as('a', ['init', '--name', 'alice'])).code, 0);
    assert.equal((await f.as('c', ['init', '--name', 'carol'])).code, 0);
    const port = f.relay.port;
    await f.relay.close();
    f.relay = await startTestRelay({ port });
  });

  it('alone: exits 1 with E_RELAY_KEY_CHANGED, saying the message stays queued and how to cancel it', async () => {
    const r = await f.as('c', ['send', '--to', 'alice', 'x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(E_RELAY_KEY_CHANGED\)\n$/);
    assert.match(r.stderr, /--accept-new-relay-key/);
    assert.match(r.stderr, /1 message\(s\) stay queued/);
    assert.match(r.stderr, /natter outbox cancel ID/);
    const outbox = await f.as('c', ['outbox']);
    assert.match(outbox.stdout, /alice/);
    // A later command refused the same way says it too.
    const inbox = await f.as('c', ['inbox']);
    assert.equal(inbox.code, 1);
    assert.match(inbox.stderr, /1 earlier message\(s\) still queued; natter outbox lists them/);
  });

  it('beside a running client: fails within a few seconds with E_RELAY_KEY_CHANGED, not a timeout', async () => {
    await f.runClient('c').catch(() => undefined);
    const startedAt = Date.now();
    const r = await f.as('c', ['send', '--to', 'alice', 'hi']);
    const tookMs = Date.now() - startedAt;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(E_RELAY_KEY_CHANGED\)\n$/);
    assert.match(r.stderr, /--accept-new-relay-key \(quit the running natter client/);
    assert.match(r.stderr, /1 message\(s\): the running natter client keeps them queued/);
    assert.match(r.stderr, /natter outbox cancel ID/);
    assert.ok(tookMs < 5_000, `send took ${tookMs} ms (--wait is 30 s)`);
  });
});
