/**
 * `send --group OLDNAME` after a rename the sender's profile has not heard of (the
 * sixteenth sitting's groups trial): it was delivered to the renamed group, then said
 * E_UNKNOWN_GROUP, and the sender's history lacked it. Refused before anything is sent.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { type CliRun, jsonLines } from '../../helpers/cli.js';
import { cliRelay, initProfiles } from '../../helpers/cli-relay.js';

const errorCode = (r: CliRun) => /\((E_[A-Z_]+)\)\n$/.exec(r.stderr)?.[1];
const texts = (r: CliRun) =>
  jsonLines<{ type?: string; text?: string }>(r)
    .filter((l) => l.type === undefined)
    .map((l) => l.text);

describe('cli send to a group by a name it had before a rename', function () {
  this.timeout(60_000);
  const f = cliRelay();
  const { as, ok } = f;

  beforeEach(async () => {
    await initProfiles(f, { a: 'alice', b: 'bob', c: 'carol' });
    await ok('a', ['group', 'create', 'team', '--members', 'bob,carol']);
    await ok('b', ['inbox']);
    await ok('c', ['inbox']);
  });

  it('refuses the old name heard of only while connecting, and sends nothing', async () => {
    await ok('a', ['group', 'rename', 'team', 'Team Two ✨']);
    const sent = await as('b', ['send', '--group', 'team', 'old name']);
    assert.equal(sent.code, 1, sent.stderr);
    assert.equal(errorCode(sent), 'E_UNKNOWN_GROUP');
    assert.match(sent.stderr, /no group of mine is 'team' \(renamed 'Team Two ✨' by alice\)/);
    assert.deepEqual(texts(await ok('c', ['inbox', '--json'])), [], 'nothing delivered');
    assert.match((await ok('b', ['outbox'])).stderr, /the outbox is empty/);
    assert.doesNotMatch((await ok('b', ['history'])).stdout, /old name/);
    // Known now, it is refused the same way; the group's name now is taken.
    assert.equal(errorCode(await as('b', ['send', '--group', 'team', 'again'])), 'E_UNKNOWN_GROUP');
    await ok('b', ['send', '--group', 'Team Two ✨', 'new name']);
    assert.deepEqual(texts(await ok('c', ['inbox', '--json'])), ['new name']);
  });

  it('refuses a file to the old name heard of only while connecting', async () => {
    await ok('a', ['group', 'rename', 'team', 'crew']);
    const file = `${f.dir}/notes.txt`;
    await writeFile(file, 'notes\n');
    const sent = await as('b', ['send-file', '--group', 'team', file]);
    assert.equal(sent.code, 1, sent.stderr);
    assert.equal(errorCode(sent), 'E_UNKNOWN_GROUP');
    assert.deepEqual(texts(await ok('c', ['inbox', '--json'])), [], 'nothing offered');
  });
});
