/**
 * The sixteenth sitting's CLI trial, its smaller findings, each against a real relay on
 * loopback: a name typed `@carol`, an auto-accept name that is nobody's here, ...
 */
import assert from 'node:assert/strict';
import { cliRelay, followAcrossRelayRestart } from '../../helpers/cli-relay.js';

describe('cli: the sixteenth sitting trial’s smaller findings', function () {
  this.timeout(30_000);
  const f = cliRelay();

  beforeEach(async () => {
    await f.ok('a', ['init', '--name', 'alice']);
    await f.ok('c', ['init', '--name', 'carol']);
  });

  it('takes @carol for carol in send, history and fingerprint, as the chat does', async () => {
    await f.ok('a', ['send', '--to', '@carol', 'hi']);
    assert.match((await f.ok('a', ['history', '@carol'])).stdout, /hi/);
    assert.match((await f.ok('a', ['fingerprint', '@carol'])).stdout, /carol/);
    assert.match((await f.ok('c', ['inbox'])).stdout, /alice.*hi/);
  });

  it('config set auto-accept notes on stderr the names that are no contact, and keeps them', async () => {
    await f.ok('a', ['send', '--to', 'carol', 'hi']);
    const set = await f.ok('a', ['config', 'set', 'auto-accept', 'carol,nobodyx']);
    assert.match(set.stdout, /^auto-accept +carol, nobodyx\n$/);
    assert.equal(
      set.stderr,
      'natter: note: nobodyx is no contact of yours (natter contacts lists them); saved anyway, for someone who has not written to you yet\n',
    );
    const known = await f.ok('a', ['config', 'set', 'auto-accept', '@carol']);
    assert.equal(known.stderr, '', 'a contact is no news');
  });

  it('inbox --follow says once that it lost the relay and waits for it, and when it is back', async () => {
    const r = await followAcrossRelayRestart(f);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.match(/lost the relay/g)?.length, 1, r.stderr);
    assert.match(r.stderr, /lost the relay; waiting for it[^\n]*\nnatter: the relay is back\n/);
  });
});
