/**
 * The relay answering with another key during a chat (issue 13 item 8): said in
 * full, a way out, and back on the known relay when it returns.
 */
import assert from 'node:assert/strict';
import { RELAY_RETRY_MS } from '../../../src/peer/ui/connector.js';
import { NOTICE_MAX_MS } from '../../../src/peer/ui/notice.js';
import { NatterError } from '../../../src/util/errors.js';
import { destroyAll, type Harness, noticeText, screenText, start } from './harness.js';

const REFUSAL = {
  code: 'E_RELAY_KEY_CHANGED',
  message:
    'relay 127.0.0.1:4747 proved relay id 1111-2222-3333-4444, but this profile registered with 5555-6666-7777-8888 (natter fingerprint --relay); if the relay was reinstalled on purpose and its startup line shows the new id, retry with --accept-new-relay-key',
};

/** Another relay took the address: the core gives up, as it does for a changed relay key. */
function impostor(h: Harness): void {
  h.core.relayRefusal = REFUSAL;
  h.core.emit('connection:state', { state: 'closed' });
  h.core.emit('error', { ...REFUSAL, fatal: true });
}

describe('ui screen: a relay with another key', () => {
  afterEach(destroyAll);

  it('says so in full, offers /accept-relay-key, and reconnects when the known relay is back', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    impostor(h);
    await h.settle();
    assert.match(noticeText(h), /^NOT CONNECTED: the relay answered with ANOTHER KEY/);
    assert.match(noticeText(h), /\/accept-relay-key says how to accept the new one$/, 'in full');
    assert.match(h.rows()[23]!, /relay: ANOTHER KEY, retrying \(\/accept-relay-key\)/);
    const body = screenText(h).replace(/\s*│\s*/g, ' ');
    assert.match(body, /retry with --accept-new-relay-key \(E_RELAY_KEY_CHANGED\)/, 'the note');

    h.clock.advance(NOTICE_MAX_MS);
    await h.settle();
    assert.match(noticeText(h), /^NOT CONNECTED/, 'stays until Esc');
    h.clock.advance(RELAY_RETRY_MS - NOTICE_MAX_MS);
    await h.settle();
    assert.equal(h.core.reconnects, 1, 'the known relay is tried again');
    assert.equal(screenText(h).match(/proved relay id/g)?.length, 1, 'said once, not per retry');

    await h.type('/accept-relay-key\r');
    const panel = screenText(h).replace(/\s*│\s*/g, ' ');
    assert.match(panel, /The relay answered with ANOTHER KEY/);
    assert.match(panel, /5555-6666-7777-8888/);
    assert.match(panel, /\/quit, then run/);
    assert.match(panel, /natter chat --accept-new-relay-key/);
    await h.type('\x1b');

    h.core.relayRefusal = null;
    h.clock.advance(RELAY_RETRY_MS);
    await h.settle();
    assert.equal(h.core.reconnects, 2);
    assert.match(h.rows()[23]!, /relay connected 127\.0\.0\.1:4747/);
    assert.equal(noticeText(h), 'connected to the relay again');
    h.clock.advance(RELAY_RETRY_MS * 3);
    await h.settle();
    assert.equal(h.core.reconnects, 2, 'no more tries once connected');
  });

  it('says on screen, until a relay is heard, that none was: the UDP port, the firewall, --relay', async () => {
    const said =
      "no relay announced itself on the LAN within 6000 ms (listening on UDP port 47475): check that UDP port 47475 may come in to this host (a firewall may block the relay's beacons), start a relay with natter relay, or pass --relay HOST";
    let missing = true;
    const h = await start({
      setup: (core) => {
        const connect = core.connect.bind(core);
        core.connect = async () => {
          if (!missing) return connect();
          core.connects++;
          throw new NatterError('E_NO_RELAY', said);
        };
      },
    });
    await h.settle();
    assert.match(noticeText(h), /^NOT CONNECTED: no relay announced itself/);
    assert.match(screenText(h).replace(/\s*│\s*/g, ' '), /UDP port 47475 may come in/);
    assert.match(h.rows()[23]!, /relay: NONE HEARD on the LAN/);
    h.clock.advance(NOTICE_MAX_MS * 2);
    await h.settle();
    assert.match(
      noticeText(h),
      /^NOT CONNECTED/,
      'stays until a relay is found, not only in the log',
    );

    missing = false;
    h.core.emit('relay:discovered', { address: '127.0.0.1:4747', relayId: 'ff', name: 'office' });
    await h.settle();
    assert.match(h.rows()[23]!, /relay connected 127\.0\.0\.1:4747/);
    assert.equal(noticeText(h), 'connected to the relay');
  });

  it('/accept-relay-key with nothing to accept says so', async () => {
    const h = await start();
    await h.type('/accept-relay-key\r');
    assert.match(noticeText(h), /has not answered with another key: nothing to accept/);
  });

  it('says at start that the relay cannot reach its mail store, when it said so before the screen opened', async () => {
    const h = await start({
      setup: (core) => {
        core.receive('bob', 'hello');
      },
      store: { reachable: false, code: 'E_STORE_UNAVAILABLE' },
    });
    await h.settle();
    assert.match(
      screenText(h),
      /the relay cannot reach its mail store; waiting mail will arrive when it is[\s─]+back \(E_STORE_UNAVAILABLE\)/,
    );
    h.core.emit('relay:store', { reachable: true });
    await h.settle();
    assert.match(screenText(h), /the relay reaches its mail store again/);
  });
});
