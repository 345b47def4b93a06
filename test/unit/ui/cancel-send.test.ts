/**
 * /cancel [ID] in the chat: takes back a file I sent, under way or whole on the relay (a QA
 * trial: the chat had no way to), and says in words what that means for the recipients.
 */
import assert from 'node:assert/strict';
import { destroyAll, noticeText, start } from './harness.js';

describe('ui: /cancel takes back a file I sent', () => {
  afterEach(destroyAll);

  it('without an ID withdraws my newest send in the open conversation, whole on the relay', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('/send old.bin\r');
    await h.settle();
    await h.type('/send report.pdf\r');
    await h.settle();
    const [, newest] = h.core.files.running();
    h.core.files.uploaded(newest!.id);
    await h.type('/cancel\r');
    await h.settle();
    assert.deepEqual(h.core.files.calls, [`cancel ${newest!.id}`]);
    assert.match(
      noticeText(h),
      /withdrew report\.pdf \(1000 B\) from bob: the relay deletes it, and they see it cancelled by the sender/,
    );
  });

  it('with an ID stops an upload under way, and says when nothing of mine has that id', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('/send big.iso\r');
    await h.settle();
    const [sent] = h.core.files.running();
    await h.type(`/cancel ${sent!.shortId}\r`);
    await h.settle();
    assert.deepEqual(h.core.files.calls, [`cancel ${sent!.id}`]);
    assert.match(noticeText(h), /cancelled sending big\.iso \(1000 B\) to bob: the upload stops/);
    await h.type(`/cancel ${sent!.shortId}\r`);
    await h.settle();
    assert.match(noticeText(h), /no file of yours that can still be taken back has id/);
  });
});
