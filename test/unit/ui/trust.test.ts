/**
 * /verify and /trust accept exactly the safety number the screen showed or the user
 * typed (issue 10, finding 2): a key that arrives while the user compares is never
 * the one accepted by that comparison. Driven through keys, over the fake core.
 */
import assert from 'node:assert/strict';
import { parseInput } from '../../../src/peer/ui/commands/index.js';
import { contact, PINNED_SAFETY_NUMBER, pendingKey } from './fake-core.js';
import { destroyAll, noticeText, screenText, start } from './harness.js';

const first = pendingKey('1');
const second = pendingKey('2');

describe('ui: /verify and /trust pass the number compared', () => {
  afterEach(destroyAll);

  it('/verify shows the new key number and y passes exactly it, though another key came meanwhile', async () => {
    const h = await start({
      setup: (core) =>
        (core.contactList = [contact('bob', { keyChanged: true, pendingKeys: [first] })]),
    });
    await h.type('/verify bob\r');
    assert.match(screenText(h), /Safety number with bob \(for their NEW key\)/);
    assert.match(screenText(h), /11111 11111 11111 11111/);
    assert.match(h.rows()[22]!, /^accept bob's new key 1111-new0-key0-1111\? \(y\/n\)/);
    // A second changed card lands while the user reads the number aloud.
    h.core.contactList = [contact('bob', { keyChanged: true, pendingKeys: [first, second] })];
    await h.type('y\r');
    assert.deepEqual(h.core.trusted, [{ name: 'bob', safetyNumber: first.safetyNumber }]);
    assert.equal(h.core.contact('bob')?.userId, first.userId, 'the compared key is accepted');
    assert.match(
      noticeText(h),
      /accepted bob's new key, held messages released; 1 other new key\(s\) dropped/,
    );
  });

  it('/verify of someone never written to looks them up, shows the number and asks', async () => {
    const h = await start({ setup: (core) => core.unknownUsers.add('nobody') });
    await h.type('/verify carol\r');
    assert.match(screenText(h), /12345 67890 12345 67890/);
    assert.match(h.rows()[22]!, /^mark carol verified\? \(y\/n\)/);
    await h.type('y');
    assert.deepEqual(h.core.trusted, [{ name: 'carol', safetyNumber: PINNED_SAFETY_NUMBER }]);
    await h.type('/verify nobody\r');
    assert.match(noticeText(h), /nobody is registered as nobody on this relay/);
    await h.type(`/trust dave ${PINNED_SAFETY_NUMBER}\r`);
    assert.deepEqual(h.core.trusted.at(-1), { name: 'dave', safetyNumber: PINNED_SAFETY_NUMBER });
  });

  it('/verify of an unchanged key refuses on y if the key changed meanwhile', async () => {
    const h = await start({ setup: (core) => (core.contactList = [contact('bob')]) });
    await h.type('/verify bob\r');
    assert.match(screenText(h), /12345 67890 12345 67890/);
    assert.match(h.rows()[22]!, /^mark bob verified\? \(y\/n\)/);
    h.core.contactList = [contact('bob', { keyChanged: true, pendingKeys: [second] })];
    await h.type('y\r');
    assert.deepEqual(h.core.trusted, [{ name: 'bob', safetyNumber: PINNED_SAFETY_NUMBER }]);
    assert.equal(h.core.contact('bob')?.verified, false);
    assert.match(
      screenText(h),
      /not accepted: bob's key changed meanwhile \(E_SAFETY_NUMBER_MISMATCH\)/,
    );
  });

  it('/verify of a contact verified already shows the number again and asks nothing', async () => {
    const h = await start({
      setup: (core) => (core.contactList = [contact('bob', { verified: true })]),
    });
    await h.type('/verify bob\r');
    assert.match(screenText(h), /12345 67890 12345 67890/, 'the number, to compare again');
    assert.match(screenText(h), /bob is already verified ✓/);
    assert.doesNotMatch(screenText(h), /answer y below/);
    assert.doesNotMatch(h.rows()[22]!, /\(y\/n\)/);
    assert.match(noticeText(h), /bob is verified ✓ already: nothing to answer/);
    await h.type('/trust bob\r');
    assert.doesNotMatch(h.rows()[22]!, /\(y\/n\)/, '/trust without a number alike');
    assert.deepEqual(h.core.trusted, []);
  });

  it('answers y/n with one key, no Enter; Esc is no; other typing cancels and stays input', async () => {
    const h = await start({
      setup: (core) => (core.contactList = [contact('bob'), contact('carol')]),
    });
    await h.type('/verify bob\r');
    await h.type('n');
    assert.doesNotMatch(h.rows()[22]!, /\(y\/n\)/, 'answered at once');
    assert.equal(h.app.editor.text, '');
    assert.match(noticeText(h), /nothing changed/);
    assert.doesNotMatch(screenText(h), /Verify bob/, 'its panel closed');
    await h.type('/verify bob\r');
    await h.type('\x1b');
    assert.doesNotMatch(h.rows()[22]!, /\(y\/n\)/);
    assert.match(noticeText(h), /nothing changed/);
    // A command typed while it asks is that command, not an answer ('n/search carol' was lost).
    h.core.receive('carol', 'the launch code is banana');
    await h.type('/verify bob\r');
    await h.type('/search banana');
    assert.match(noticeText(h), /nothing changed/);
    assert.doesNotMatch(h.rows()[22]!, /\(y\/n\)/);
    assert.equal(h.app.editor.text, '/search banana');
    await h.type('\r');
    assert.match(screenText(h), /Search “banana”: 1 found/);
    await h.type('\x1b');
    await h.type('/verify bob\r');
    await h.type('\x1b[200~y\x1b[201~');
    assert.doesNotMatch(h.rows()[22]!, /\(y\/n\)/, 'a paste is typing, not a key');
    assert.equal(h.app.editor.text, 'y');
    await h.type('\x15');
    assert.deepEqual(h.core.trusted, []);
    await h.type('/verify bob\r');
    await h.type('Y');
    assert.deepEqual(h.core.trusted, [{ name: 'bob', safetyNumber: PINNED_SAFETY_NUMBER }]);
    assert.match(noticeText(h), /bob is verified ✓/);
    assert.equal(h.app.editor.text, '');
  });

  it('/verify lists every pending key when several wait, and /verify NAME N compares key N', async () => {
    const h = await start({
      setup: (core) =>
        (core.contactList = [contact('bob', { keyChanged: true, pendingKeys: [first, second] })]),
    });
    await h.type('/verify bob\r');
    const listed = screenText(h);
    assert.match(listed, /2 NEW keys arrived for bob/);
    assert.match(listed, /1\. 1111-new0-key0-1111/);
    assert.match(listed, /2\. 2222-new0-key0-2222/);
    assert.match(listed, /11111 11111 11111 11111/);
    assert.match(listed, /22222 22222 22222 22222/);
    assert.doesNotMatch(h.rows()[22]!, /\(y\/n\)/, 'nothing is asked until one key is chosen');
    await h.type('\x1b');
    await h.type('/verify bob 2\r');
    assert.match(screenText(h), /for NEW key 2 of 2,/);
    await h.type('y\r');
    assert.deepEqual(h.core.trusted, [{ name: 'bob', safetyNumber: second.safetyNumber }]);
    assert.equal(h.core.contact('bob')?.userId, second.userId);
  });

  it('/verify NAME N refuses a key number that is not there', async () => {
    const h = await start({
      setup: (core) =>
        (core.contactList = [contact('bob', { keyChanged: true, pendingKeys: [first] })]),
    });
    await h.type('/verify bob 3\r');
    assert.match(screenText(h), /bob has new keys 1 to 1/);
    assert.deepEqual(h.core.trusted, []);
  });

  it('/trust NAME NUMBER passes the typed number; without a number it shows one and asks', async () => {
    const h = await start({
      setup: (core) =>
        (core.contactList = [contact('bob', { keyChanged: true, pendingKeys: [first, second] })]),
    });
    await h.type(`/trust bob ${second.safetyNumber.replaceAll(' ', '')}\r`);
    assert.deepEqual(h.core.trusted, [{ name: 'bob', safetyNumber: second.safetyNumber }]);
    assert.equal(h.core.contact('bob')?.userId, second.userId);

    h.core.contactList = [contact('carol')];
    await h.type('/trust carol\r');
    assert.match(screenText(h), /Safety number with carol/);
    await h.type('y\r');
    assert.deepEqual(h.core.trusted.at(-1), { name: 'carol', safetyNumber: PINNED_SAFETY_NUMBER });
  });

  it('announces a second key change while one is pending in the conversation', async () => {
    const h = await start({ setup: (core) => (core.contactList = [contact('bob')]) });
    h.app.open('bob');
    h.core.emit('contact:key-changed', {
      pseudonym: 'bob',
      oldFingerprint: 'abcd-efgh-ijkl-mnop',
      newFingerprint: first.fingerprint,
      newUserId: first.userId,
      safetyNumber: first.safetyNumber,
      pendingKeys: 1,
    });
    h.core.emit('contact:key-changed', {
      pseudonym: 'bob',
      oldFingerprint: 'abcd-efgh-ijkl-mnop',
      newFingerprint: second.fingerprint,
      newUserId: second.userId,
      safetyNumber: second.safetyNumber,
      pendingKeys: 2,
    });
    await h.settle();
    const text = screenText(h);
    assert.match(text, /bob's KEY CHANGED \(abcd-efgh-ijkl-mnop →/);
    assert.match(text, /ANOTHER new key for bob \(2222-new0-key0-2222\): 2 /);
  });

  it("says a contact's rename in the old conversation and the new one", async () => {
    const h = await start({ setup: (core) => (core.contactList = [contact('bob')]) });
    h.core.receive('bob', 'hi');
    h.app.open('bob');
    await h.settle();
    h.core.emit('contact:renamed', {
      from: 'bob',
      to: 'robert',
      contact: contact('robert', { userId: 'id-bob', verified: true }),
    });
    await h.settle();
    assert.match(screenText(h), /\* bob is now called robert: \/msg robert/);
    assert.match(h.rows()[0]!, /│ bob .* · now robert/, 'the header says it');
    await h.type('still there?\r');
    assert.match(
      noticeText(h),
      /sent to robert \(bob is now called robert\): it is in \/msg robert/,
    );
    assert.equal(h.app.state.contact('bob')?.renamedTo, 'robert', 'the old name marked');
    assert.equal(h.app.state.contact('robert')?.verified, true);
    h.app.open('robert');
    await h.settle();
    assert.match(screenText(h), /\* robert was called bob \(the same key, verified ✓\)/);
  });

  it('parses a key number after /verify and a safety number after /trust', () => {
    const ok = (line: string) => {
      const r = parseInput(line);
      assert.ok(r.ok, line);
      return r.command;
    };
    assert.deepEqual(ok('/verify bob 2'), { kind: 'verify', name: 'bob', key: 2 });
    assert.deepEqual(ok(`/trust bob ${'1234567890'.repeat(6)}`), {
      kind: 'trust',
      name: 'bob',
      safetyNumber: PINNED_SAFETY_NUMBER,
    });
    for (const bad of [
      '/verify bob two',
      '/verify bob 0',
      '/trust bob 12345',
      '/trust bob x'.repeat(1),
    ]) {
      const r = parseInput(bad);
      assert.equal(r.ok, false, bad);
    }
  });
});
