/**
 * `send --to NAME` where NAME is an old name of a contact (a QA trial: `send --to bob`
 * after bob became robert went to robert, exit 0, said nowhere). The name means whoever
 * holds it now: the contact while nobody else does, said on stderr; someone new once they
 * registered it, also said, with their fingerprint.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliOnTestRelay, jsonLines } from '../../helpers/cli.js';

describe('cli: send to an old name of a contact', () => {
  const { as, dir } = cliOnTestRelay();

  const texts = async (p: string) =>
    jsonLines<{ from: string; text: string }>(await as(p, ['inbox', '--json'])).map((m) => [
      m.from,
      m.text,
    ]);

  it('says where it went: the contact under their new name, then the new holder of the old one', async () => {
    assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
    assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
    assert.equal((await as('a', ['send', '--to', 'bob', 'hello bob'])).code, 0);
    const renamed = await as('b', ['rename', 'robert']);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.equal((await as('b', ['send', '--to', 'alice', 'I am robert now'])).code, 0);
    assert.deepEqual(await texts('a'), [['robert', 'I am robert now']]);

    const toOld = await as('a', ['send', '--to', 'bob', 'still you?']);
    assert.equal(toOld.code, 0, toOld.stderr);
    assert.match(toOld.stderr, /bob is now called robert: sending to robert/);
    assert.deepEqual(await texts('b'), [
      ['alice', 'hello bob'],
      ['alice', 'still you?'],
    ]);

    assert.equal((await as('e', ['init', '--name', 'bob'])).code, 0);
    const toNew = await as('a', ['send', '--to', 'bob', 'hi new bob']);
    assert.equal(toNew.code, 0, toNew.stderr);
    assert.match(
      toNew.stderr,
      /bob is now robert's old name; sending to the new bob \(fingerprint [a-z2-7-]{19}\)/,
    );
    assert.deepEqual(await texts('e'), [['alice', 'hi new bob']]);
    assert.deepEqual(await texts('b'), [], 'robert gets nothing meant for the new bob');
    const contacts = await as('a', ['contacts']);
    assert.doesNotMatch(contacts.stdout + contacts.stderr, /KEY CHANGED|key changed/i);
  });

  it('says it too when a running client on the profile sends', async () => {
    assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
    assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
    assert.equal((await as('a', ['send', '--to', 'bob', 'hello bob'])).code, 0);
    assert.equal((await as('b', ['rename', 'robert'])).code, 0);
    assert.equal((await as('b', ['send', '--to', 'alice', 'I am robert now'])).code, 0);
    assert.equal((await as('e', ['init', '--name', 'bob'])).code, 0);
    const log = join(dir(), 'a', 'natter.log');
    const sessions = async () =>
      (await readFile(log, 'utf8').catch(() => '')).split('relay session ready').length;
    const before = await sessions();
    let stop: (s: string) => void = () => undefined;
    const follow = as('a', ['inbox', '--follow'], {
      stop: new Promise<string>((resolve) => {
        stop = resolve;
      }),
    });
    for (let i = 0; i < 500 && (await sessions()) === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The running client learns the rename from robert's message, which the relay pushes
    // after the session is ready: a send before that knows no rename to say (1 run in 10).
    const knowsRobert = async () => (await as('a', ['contacts'])).stdout.includes('robert');
    for (let i = 0; i < 250 && !(await knowsRobert()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    let sent: Awaited<ReturnType<typeof as>>;
    try {
      sent = await as('a', ['send', '--to', 'bob', 'hi new bob']);
    } finally {
      stop('SIGTERM');
      assert.equal((await follow).code, 0);
    }
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stderr, /bob is now robert's old name; sending to the new bob \(fingerprint/);
    assert.deepEqual(await texts('e'), [['alice', 'hi new bob']]);
  });
});
