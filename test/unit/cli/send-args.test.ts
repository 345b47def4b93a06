/**
 * Words past send's TEXT (the seventeenth sitting's newcomer trial): `natter send --to bob
 * hello world` and `natter send bob hi` met commander's "too many arguments for 'send'"
 * with no hint. Now bad usage (exit 2) shows the command with the message quoted.
 */
import assert from 'node:assert/strict';
import { oneText } from '../../../src/cli/send-input.js';
import { runCli } from '../../helpers/cli.js';

describe('cli: send with the message in more than one argument', () => {
  it('says to quote it, with the command as meant, and exits 2 before opening anything', async () => {
    const r = await runCli([
      '--profile',
      '/nonexistent-profile',
      'send',
      '--to',
      'bob',
      'hello',
      'world',
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      'natter: send: the message is one argument: quote it, as in natter send --to bob "hello world" (E_USAGE)\n',
    );
  });

  it('takes the first word as the name when neither --to nor --group is given', async () => {
    const r = await runCli(['--profile', '/nonexistent-profile', 'send', 'bob', 'hi', 'there']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /quote it, as in natter send --to bob "hi there" \(E_USAGE\)/);
  });

  it('asks whether --to was meant for a name and one quoted TEXT, as `send bob "hi"`', async () => {
    const r = await runCli(['--profile', '/nonexistent-profile', 'send', 'bob', 'hi there']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      'natter: send: no --to: did you mean natter send --to bob "hi there"? (E_USAGE)\n',
    );
    assert.throws(() => oneText(['@carol', 'hi'], {}), {
      message: /did you mean natter send --to @carol "hi"\?$/,
    });
    // A first word no one could register is no name: the quoting hint, as before.
    assert.throws(() => oneText(['hi there', 'you'], {}), { message: /quote it/ });
  });

  it('quotes a group name and a text a shell would expand so that they come back as typed', () => {
    assert.throws(() => oneText(['costs', '$5'], { group: 'the team' }), {
      code: 'E_USAGE',
      message: /natter send --group "the team" 'costs \$5'$/,
    });
    assert.throws(() => oneText(["it's", '$HOME'], { to: 'bob' }), {
      message: /natter send --to bob 'it'\\''s \$HOME'$/,
    });
  });

  it('lets one TEXT through', () => {
    assert.doesNotThrow(() => oneText(['hello world'], { to: 'bob' }));
    assert.doesNotThrow(() => oneText([], { to: 'bob', eachLine: true }));
  });
});
