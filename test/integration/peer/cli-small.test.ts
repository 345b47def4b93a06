/**
 * The sixteenth sitting's CLI trial, its smaller findings, each against a real relay on
 * loopback: a name typed `@carol`, ...
 */
import assert from 'node:assert/strict';
import { cliRelay } from '../../helpers/cli-relay.js';

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
});
