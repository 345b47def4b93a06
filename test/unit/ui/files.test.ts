/**
 * Files on the chat screen (issue 12; harness.ts, 80x24): an offer is a line in its
 * conversation with the ID to type, /accept and /decline (without an ID: the newest
 * offer here), /send with paths completed by Tab, progress in the status bar, where a
 * received file was saved (and a notification), and failures in words.
 */
import assert from 'node:assert/strict';
import type { OfferInfo, TransferInfo } from '../../../src/peer/index.js';
import { completionAt } from '../../../src/peer/ui/completion.js';
import {
  failureText,
  filesPanel,
  finishedText,
  leftOutWords,
  offerText,
  receivedText,
  replyText,
  transferStatus,
} from '../../../src/peer/ui/file-words.js';
import {
  escapePath,
  expandHome,
  type LocalFiles,
  pathCandidates,
  splitPaths,
} from '../../../src/peer/ui/path-completion.js';
import { conversationIdOf } from '../../../src/peer/ui/text.js';
import { NatterError } from '../../../src/util/errors.js';
import { contact } from './fake-core.js';
import { groupConv, member } from './fake-groups.js';
import { destroyAll, noticeText, screenText, start } from './harness.js';

/** A file system of a few folders, relative to /work (the "current folder"). */
const DISK: Record<string, { name: string; folder: boolean }[]> = {
  '/work': [
    { name: 'report.pdf', folder: false },
    { name: 'reports', folder: true },
    { name: 'my notes.txt', folder: false },
    { name: '.hidden', folder: false },
  ],
  '/work/reports': [{ name: 'q1.pdf', folder: false }],
  '/home/alice': [{ name: 'Downloads', folder: true }],
};

const files: LocalFiles = {
  home: '/home/alice',
  listDir: (dir) =>
    DISK[
      dir === ''
        ? '/work'
        : dir.startsWith('/')
          ? dir.replace(/\/$/, '')
          : `/work/${dir.replace(/\/$/, '')}`
    ] ?? [],
  absolute: (path) => (path.startsWith('/') ? path : `/work/${path}`),
};

const ID = '1a2b'.padEnd(32, '0');
const offer = (over: Partial<OfferInfo> = {}): OfferInfo => ({
  id: ID,
  shortId: ID.slice(0, 8),
  conversation: '@bob' as OfferInfo['conversation'],
  from: 'bob',
  group: null,
  name: 'report.pdf',
  size: 2_202_009,
  files: 0,
  mime: '',
  offeredAtMs: 0,
  sentAtMs: 0,
  state: 'offered',
  savedAs: null,
  error: null,
  ...over,
});
const transfer = (over: Partial<TransferInfo> = {}): TransferInfo => ({
  id: ID,
  shortId: ID.slice(0, 8),
  direction: 'upload',
  from: null,
  name: 'report.pdf',
  peer: '@bob',
  size: 100,
  doneBytes: 40,
  rateBytesPerSec: 0,
  etaMs: null,
  state: 'running',
  waitingForSender: false,
  savedAs: null,
  error: null,
  replies: [],
  ...over,
});

describe('ui files: in words', () => {
  it('says what became of an offer in each state, peer text sanitised', () => {
    assert.equal(
      offerText(offer(), '1a2b'),
      'bob offers report.pdf (2.1 MiB) — /accept 1a2b or /decline 1a2b',
    );
    assert.match(
      offerText(offer({ state: 'accepted' }), '1a2b'),
      /accepted automatically \(auto-accept\), downloading$/,
    );
    // Declined over my own limit: the core's words, which name it, not the relay's.
    const over = offer({
      state: 'declined',
      error: {
        code: 'E_FILE_TOO_LARGE',
        message:
          'its 200.0 MiB is over your limit of 100.0 MiB (natter config set max-incoming SIZE raises it)\x1b[2J',
      },
    });
    assert.match(
      offerText(over, '1a2b'),
      /declined, its 200\.0 MiB is over your limit of 100\.0 MiB \(natter config set max-incoming SIZE raises it\)\[2J \(E_FILE_TOO_LARGE\)$/,
    );
    const unsafe = offer({
      state: 'failed',
      files: 2,
      error: { code: 'E_FILE_BAD_PATH', message: 'entry ../x leaves\x1b[2J the folder' },
    });
    assert.equal(
      offerText(unsafe, '1a2b'),
      'bob offered report.pdf/ (2 files, 2.1 MiB), which cannot be taken: entry ../x leaves[2J the folder (E_FILE_BAD_PATH)',
    );
    assert.match(offerText(offer({ from: 'e\u202evil' }), '1a2b'), /^evil offers/);
    // Several paths sent at once: each item's own name in the download folder.
    const several = offer({
      name: 'notes.txt and 1 more',
      files: 2,
      state: 'received',
      savedAs: '/dl',
      savedItems: ['notes.txt', 'report (1).pdf'],
    });
    assert.match(offerText(several, '1a2b'), /: saved in \/dl as notes\.txt, report \(1\)\.pdf$/);
    // A group's members left out of an upload over their limit, names sanitised.
    assert.equal(
      leftOutWords({ leftOut: ['carol', 'd\u202eave'] }),
      'carol and dave will not get it: it is over the size they accept',
    );
    assert.equal(leftOutWords({}), null);
    // Listed as the items, not as a folder named after the first.
    const items = offer({ name: 'notes.txt and report.pdf', files: 2, several: true });
    assert.match(
      offerText(items, '1a2b'),
      /^bob offers notes\.txt and report\.pdf \(2 files, 2\.1 MiB\) /,
    );
    assert.match(receivedText(several), /from bob saved in \/dl as notes\.txt, report \(1\)\.pdf$/);
  });

  it('says a finished upload, and a failure with its words and code, and a download I declined', () => {
    assert.deepEqual(finishedText(transfer({ state: 'done' })), {
      text: 'report.pdf is on the relay: bob can fetch it now',
      kind: 'info',
    });
    assert.equal(finishedText(transfer({ state: 'done', direction: 'download' })), null);
    assert.deepEqual(
      finishedText(
        transfer({
          direction: 'download',
          state: 'failed',
          error: { code: 'E_FILE_HASH_MISMATCH', message: 'x' },
        }),
      ),
      {
        text: 'receiving report.pdf failed: what arrived does not match what was offered, so nothing was kept (E_FILE_HASH_MISMATCH)',
        kind: 'error',
      },
    );
    assert.equal(
      failureText({ code: 'E_SOMETHING_NEW', message: 'relay said no' }),
      'relay said no (E_SOMETHING_NEW)',
    );
    // A download I declined is said here, wherever the decline was made (/decline, or
    // `natter decline ID` beside the chat); one over my limit by the offer's own line
    // ("declined, over your limit"), not a second time here.
    assert.deepEqual(
      finishedText(transfer({ direction: 'download', from: 'bob', state: 'cancelled' })),
      { text: 'you declined report.pdf (100 B) from bob', kind: 'info' },
    );
    assert.equal(
      finishedText(
        transfer({
          direction: 'download',
          state: 'cancelled',
          error: { code: 'E_FILE_TOO_LARGE', message: 'over your limit' },
        }),
      ),
      null,
    );
    assert.deepEqual(finishedText(transfer({ state: 'cancelled' })), {
      text: 'sending report.pdf to bob: cancelled',
      kind: 'info',
    });
    // The sender cancelled it under my download: said as theirs, not as my failure.
    assert.deepEqual(
      finishedText(
        transfer({
          direction: 'download',
          from: 'alice',
          peer: '@alice',
          state: 'failed',
          error: { code: 'E_FILE_CANCELLED', message: 'download: file: the sender cancelled it' },
        }),
      ),
      { text: 'alice cancelled report.pdf', kind: 'info' },
    );
  });

  it('puts the first transfer in the status bar, and how many more run', () => {
    assert.equal(transferStatus([]), null);
    assert.equal(transferStatus([transfer()]), '↑ report.pdf 40%');
    assert.equal(
      transferStatus([
        transfer({ rateBytesPerSec: 2048, etaMs: 30_000 }),
        transfer(),
        transfer({ state: 'waiting' }),
      ]),
      '↑ report.pdf 40% 2.0 KiB/s ETA 0:30 +2',
    );
    assert.equal(
      transferStatus([transfer({ state: 'waiting', direction: 'download' })]),
      '↓ report.pdf waiting',
    );
    assert.equal(
      transferStatus([transfer({ direction: 'download', waitingForSender: true }), transfer()]),
      '↓ report.pdf 40% waiting for the sender +1',
    );
  });

  it('labels a folder as the command line does, in the /files panel, the status bar and its lines', () => {
    const folder = { name: 'proj', files: 6, size: 3 * 1024 ** 2 };
    const panel = filesPanel([offer(folder)], () => '1a2b')
      .lines.map((l) => l.map((s) => s.text).join(''))
      .join('\n');
    assert.match(panel, /bob: proj\/ \(6 files, 3\.0 MiB\) +waiting for you/);
    assert.equal(transferStatus([transfer(folder)]), '↑ proj/ (6 files) 0%');
    assert.deepEqual(finishedText(transfer({ ...folder, state: 'done' })), {
      text: 'proj/ (6 files) is on the relay: bob can fetch it now',
      kind: 'info',
    });
    const reply = { name: 'bob', outcome: 'received' as const };
    assert.equal(
      replyText({ transfer: transfer(folder), conversation: '@bob' as never, reply }),
      'bob received proj/ (6 files)',
    );
  });
});

describe('ui files: paths as typed', () => {
  it('splits on spaces a backslash does not escape, and escapes them back', () => {
    assert.deepEqual(splitPaths('a.pdf my\\ notes.txt  b'), ['a.pdf', 'my notes.txt', 'b']);
    assert.deepEqual(splitPaths(''), []);
    assert.equal(escapePath('my notes.txt'), 'my\\ notes.txt');
    assert.deepEqual(splitPaths(escapePath('a\\b c')), ['a\\b c']);
    assert.equal(expandHome('~/x.pdf', '/home/alice/'), '/home/alice/x.pdf');
    assert.equal(expandHome('~', '/home/alice'), '/home/alice');
    assert.equal(expandHome('~bob/x', '/home/alice'), '~bob/x', 'only the own home');
  });

  it('completes names in the folder typed, folders with a slash, hidden ones only when asked', () => {
    assert.deepEqual(pathCandidates('rep', files), ['report.pdf', 'reports/']);
    assert.deepEqual(pathCandidates('reports/', files), ['reports/q1.pdf']);
    assert.deepEqual(pathCandidates('my', files), ['my\\ notes.txt']);
    assert.deepEqual(pathCandidates('', files), ['my\\ notes.txt', 'report.pdf', 'reports/']);
    assert.deepEqual(pathCandidates('.h', files), ['.hidden']);
    assert.deepEqual(pathCandidates('~/Do', files), ['~/Downloads/']);
    assert.deepEqual(pathCandidates('nothing/', files), []);
  });

  it('completes every argument of /send, and nothing without a file system', () => {
    const line = '/send report.pdf rep';
    const c = completionAt(line, line.length, [], undefined, files);
    assert.deepEqual(c?.candidates, ['report.pdf', 'reports/']);
    assert.equal(c?.start, '/send report.pdf '.length);
    const escaped = '/send my\\ no';
    assert.equal(completionAt(escaped, escaped.length, [], undefined, files)?.start, 6);
    assert.equal(completionAt(line, line.length, []), null);
  });
});

/** The screen with wrapped lines joined: each row's pane text after the sidebar, spaces collapsed. */
const flat = (h: Parameters<typeof screenText>[0]) =>
  screenText(h).replace(/\s*\n[^│\n]*│\s*/g, ' ');

describe('ui files: on the screen', () => {
  afterEach(destroyAll);

  it('shows an offer in its conversation with the ID to accept or decline it', async () => {
    const h = await start({ setup: (core) => (core.contactList = [contact('bob')]) });
    h.app.open('bob');
    await h.settle();
    h.core.files.offer('bob', 'report.pdf', 2_202_009);
    await h.settle();
    assert.match(screenText(h), /\* bob offers report\.pdf \(2\.1 MiB\) — \/accept 0001 or/);
  });

  it("names a group's file in the notice line when its conversation is not on screen", async () => {
    const h = await start();
    h.app.open('carol');
    await h.settle();
    h.core.files.offer('bob', 'plan.pdf', 1000, { conversation: groupConv('7'), group: 'team' });
    await h.settle();
    assert.match(noticeText(h), /^#team: bob offers plan\.pdf \(1000 B\) — \/accept 0001/);
    h.core.files.offer('bob', 'notes.txt', 10);
    await h.settle();
    assert.match(
      noticeText(h),
      /^bob offers notes\.txt/,
      "one-to-one: the sender's name says where",
    );
  });

  it('says an offer elsewhere in the notice line, counted once with its message', async () => {
    const h = await start();
    h.app.open('carol');
    await h.settle();
    // As the core does: the offer comes as a message too, then as the offer.
    h.core.receive('bob', 'sent a file: report.pdf (1000 B)');
    h.core.files.offer('bob', 'report.pdf', 1000);
    await h.settle();
    assert.match(
      noticeText(h),
      /bob offers report\.pdf \(1000 B\) — \/accept 0001 or \/decline 0001/,
    );
    assert.ok(
      h.rows().some((r) => /bob\?? +1 │/.test(r)),
      'an unread badge',
    );
  });

  it('/accept without an ID takes the newest offer waiting here, and shows the download', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    h.core.files.offer('bob', 'old.txt', 10);
    const newest = h.core.files.offer('bob', 'report.pdf', 2 * 1024 * 1024);
    await h.settle();
    await h.type('/accept\r');
    assert.deepEqual(h.core.files.calls, [`accept ${newest.id}`]);
    assert.match(noticeText(h), /downloading report\.pdf \(2\.0 MiB\)/);
    h.core.files.progress(newest.id, 1024 * 1024, 512 * 1024);
    await h.settle();
    assert.match(h.rows()[23]!, /↓ report\.pdf 50% 512\.0 KiB\/s ETA 0:07/);
    h.core.files.receive(newest.id, '/home/alice/Downloads/natter/report.pdf');
    await h.settle();
    assert.doesNotMatch(h.rows()[23]!, /report\.pdf/, 'out of the status bar');
    assert.match(
      flat(h),
      /\* report\.pdf \(2\.0 MiB\) from bob saved as \/home\/alice\/Downloads\/natter\/report\.pdf/,
    );
  });

  it('notifies on the desktop where a received file was saved, when not on screen', async () => {
    const h = await start({ settings: { desktopNotifications: 'osc9' } });
    const o = h.core.files.offer('bob', 'a.txt', 3);
    await h.settle();
    await h.type('/accept 0001\r');
    assert.deepEqual(h.core.files.calls, [`accept ${o.id}`]);
    h.app.open('carol');
    await h.settle();
    h.core.files.receive(o.id, '/dl/a.txt');
    await h.settle();
    assert.ok(h.written().includes('\x1b]9;bob: a.txt (3 B) from bob saved as /dl/a.txt\x07'));
  });

  it('says when nothing waits here, and /decline refuses the newest offer', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('/accept\r');
    assert.match(noticeText(h), /no file offered to you waits for an answer/);
    const o = h.core.files.offer('bob', 'spam.exe', 100);
    await h.settle();
    await h.type('/decline\r');
    assert.deepEqual(h.core.files.calls, [`decline ${o.id}`]);
    assert.match(screenText(h), /\* you declined spam\.exe \(100 B\) from bob/);
    await h.type('/accept zz\r');
    assert.match(noticeText(h), /usage: \/accept \[ID\]/);
  });

  it('/decline right after /accept stops the download under way (the newest here), and says so', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    const o = h.core.files.offer('bob', 'big.bin', 300 * 1024 * 1024);
    await h.settle();
    await h.type('/accept\r');
    h.core.files.progress(o.id, 1024 * 1024);
    await h.settle();
    await h.type('/decline\r');
    assert.deepEqual(h.core.files.calls, [`accept ${o.id}`, `decline ${o.id}`]);
    assert.match(
      noticeText(h),
      /stopped downloading big\.bin \(300\.0 MiB\) from bob: declined, the part received is removed/,
    );
    assert.match(screenText(h), /\* you declined big\.bin \(300\.0 MiB\) from bob/);
  });

  it('shows an offer that comes while the screen starts once, not again from the offers loaded', async () => {
    const h = await start({
      setup: (core) => {
        const take = core.takeNotices.bind(core);
        core.takeNotices = async () => {
          core.files.offer('bob', 'a.txt', 2);
          return take();
        };
      },
    });
    h.app.open('bob');
    await h.settle();
    assert.equal(flat(h).match(/bob offers a\.txt/g)?.length, 1, flat(h));
  });

  it('says a decline made beside the chat (natter decline ID) in the conversation, as /decline does', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    const o = h.core.files.offer('bob', 'a.txt', 2);
    await h.settle();
    assert.match(flat(h), /bob offers a\.txt \(2 B\) — \/accept 0001 or \/decline 0001/);
    await h.core.files.decline(o.id);
    await h.settle();
    assert.match(screenText(h), /\* you declined a\.txt \(2 B\) from bob/);
    await h.type('/accept\r');
    assert.match(noticeText(h), /no file offered to you waits for an answer/);
    // Said once, not again by a /decline of another offer.
    const second = h.core.files.offer('bob', 'b.txt', 3);
    await h.settle();
    await h.type('/decline\r');
    assert.deepEqual(h.core.files.calls, [`decline ${o.id}`, `decline ${second.id}`]);
    assert.equal(screenText(h).match(/you declined b\.txt/g)?.length, 1);
    assert.equal(screenText(h).match(/you declined a\.txt/g)?.length, 1);
  });

  it('sends from the open conversation with /send, paths made absolute, Tab completing', async () => {
    const h = await start({
      localFiles: files,
      setup: (core) =>
        core.groupBook.put('7', 'team', [member('alice', 'admin'), member('bob')], 'admin'),
    });
    h.app.showConversation(groupConv('7'));
    await h.settle();
    await h.type('/send rep\t');
    assert.equal(h.app.editor.text, '/send report', 'the common part');
    assert.match(noticeText(h), /report\.pdf {2}reports\//);
    await h.type('s\t');
    assert.equal(h.app.editor.text, '/send reports/', 'a folder: no space, the path goes on');
    await h.type('\t');
    assert.equal(h.app.editor.text, '/send reports/q1.pdf ');
    await h.type('~/Downloads/x.iso\r');
    assert.deepEqual(h.core.files.sends, [
      {
        target: { group: groupConv('7') },
        paths: ['/work/reports/q1.pdf', '/home/alice/Downloads/x.iso'],
      },
    ]);
    assert.match(noticeText(h), /offered files \(1000 B\) to #team: uploading/);
  });

  it("replaces the notice's 'uploading' once the upload is on the relay, its conversation on screen", async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('/send /tmp/report.pdf\r');
    await h.settle();
    assert.match(noticeText(h), /offered report\.pdf \(1000 B\) to bob: uploading/);
    const [id] = h.core.files.transfers.keys();
    h.core.files.uploaded(id!);
    await h.settle();
    assert.match(noticeText(h), /report\.pdf is on the relay: bob can fetch it now/);
    assert.match(
      screenText(h),
      /\* report\.pdf is on the relay/,
      'and the line in the conversation',
    );
  });

  it('does not say an upload is on the relay for them to fetch once they said they received it (the later word stands)', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('/send /tmp/big.bin\r');
    await h.settle();
    const [id] = h.core.files.transfers.keys();
    // The relay's last ack came after bob's answer (the answer overtook it).
    h.core.files.reply(id!, 'bob', 'received');
    await h.settle();
    h.core.files.uploaded(id!);
    await h.settle();
    assert.match(screenText(h), /\* bob received big\.bin/);
    assert.doesNotMatch(screenText(h), /can fetch it now/);
    assert.doesNotMatch(noticeText(h), /can fetch it now/);
    assert.match(noticeText(h), /bob received big\.bin/, "not /send's 'uploading' either");
  });

  it('says in words that nothing was offered while the relay is unreachable', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    h.core.files.sendFailure = new NatterError('E_OFFLINE', 'file-put: not connected to the relay');
    await h.type('/send big.iso\r');
    await h.settle();
    assert.match(
      noticeText(h),
      /not done: the relay is not reachable now; natter keeps retrying, try again once the header says connected \(E_OFFLINE\)/,
    );
    assert.doesNotMatch(noticeText(h), /file-put/);
  });

  it('tells a failed transfer in words, in its conversation and the notice line', async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('/send big.iso\r');
    const [sent] = h.core.files.running();
    h.core.files.fail(sent!.id, 'E_FILE_QUOTA', 'quota exceeded');
    await h.settle();
    assert.match(
      noticeText(h),
      /sending big\.iso to bob failed: your space on the relay is used up until recipients fetch what you sent \(E_FILE_QUOTA\)/,
    );
    assert.match(screenText(h), /\* sending big\.iso to bob failed: your space on the/);
  });

  it("tells a recipient's answer to my upload in its conversation, their name sanitised", async () => {
    const h = await start();
    h.app.open('bob');
    await h.settle();
    await h.type('/send report.pdf\r');
    const [sent] = h.core.files.running();
    h.core.files.reply(sent!.id, 'bob', 'declined');
    await h.settle();
    assert.match(screenText(h), /\* bob declined report\.pdf/);
    h.core.files.reply(sent!.id, 'b\u001b[31mob', 'received');
    await h.settle();
    assert.match(screenText(h), /\* b\[31mob received report\.pdf/);
    assert.ok(!screenText(h).includes('\u001b'));
  });

  it('shows at start, once, an answer to my upload that came while no chat ran', async () => {
    const transferred = transfer({ peer: '@bob', state: 'done', doneBytes: 2_202_009 });
    const h = await start({
      setup: (core) => {
        // The offer is in bob's history, as the core keeps it ("sent a file: ...").
        core.contactList = [contact('bob')];
        core.entries(conversationIdOf('bob')).push({
          conversation: conversationIdOf('bob'),
          direction: 'out',
          msgId: 'out1',
          peer: { pseudonym: 'bob', userId: 'id-bob' },
          text: 'sent a file: report.pdf (2.1 MiB)',
          sentAtMs: core.now - 60_000,
          state: 'delivered',
        });
        core.untoldReplies = [
          {
            transfer: transferred,
            conversation: conversationIdOf('bob'),
            reply: { name: 'bob', outcome: 'received' },
          },
        ];
      },
    });
    h.app.open('bob');
    await h.settle();
    assert.match(screenText(h), /\* bob received report\.pdf/);
    assert.deepEqual(h.core.untoldReplies, [], 'taken: the next UI does not say it again');
  });

  it('after a restart, says again under an offer still waiting how to accept it, and under no other', async () => {
    const h = await start({
      setup: (core) => {
        core.contactList = [contact('bob')];
        // What the last run left: two offers in bob's history ("sent a file: ..."), one
        // still waiting, one taken since; the screen's own lines did not survive.
        const waiting = core.files.offer('bob', 'report.pdf', 2_202_009, {
          offeredAtMs: core.now - 120_000,
        });
        const taken = core.files.offer('bob', 'old.txt', 10, {
          offeredAtMs: core.now - 60_000,
          state: 'received',
          savedAs: '/dl/old.txt',
        });
        for (const [o, text] of [
          [waiting, 'sent a file: report.pdf (2.1 MiB)'],
          [taken, 'sent a file: old.txt (10 B)'],
        ] as const)
          core.entries(conversationIdOf('bob')).push({
            conversation: conversationIdOf('bob'),
            direction: 'in',
            msgId: `in-${o.id}`,
            peer: { pseudonym: 'bob', userId: 'id-bob' },
            text,
            sentAtMs: o.offeredAtMs - 500,
            receivedAtMs: o.offeredAtMs,
          });
        core.receive('bob', 'later words');
      },
    });
    h.app.open('bob');
    await h.settle();
    const rows = h.rows().map((r) => r.replace(/^[^│]*│/, '').trim());
    const at = rows.findIndex((r) => r.includes('sent a file: report.pdf'));
    assert.ok(at >= 0, 'the offer in history');
    assert.match(rows[at + 1]!, /^11:58 \* bob offers report\.pdf \(2\.1 MiB\) — \/accept 0001 or/);
    assert.ok(rows[at + 3]!.includes('sent a file: old.txt'), 'under its own history line');
    assert.equal(screenText(h).match(/\/accept/g)?.length, 1, 'not under the one taken');
  });

  it('/files lists every offer with its ID and state', async () => {
    const h = await start();
    h.core.files.offer('bob', 'report.pdf', 2_202_009);
    h.core.files.offer('carol', 'photos', 5 * 1024 ** 2, {
      conversation: groupConv('7'),
      files: 3,
      group: 'team',
      state: 'received',
      savedAs: '/dl/photos',
    });
    await h.settle();
    await h.type('/files\r');
    const text = flat(h);
    assert.match(text, /Files: 2 offered, 1 waiting/);
    assert.match(
      text,
      /0002 +carol in #team: photos\/ \(3 files, 5\.0 MiB\) saved as \/dl\/photos/,
    );
    assert.match(text, /0001 +bob: report\.pdf \(2\.1 MiB\) +waiting for you/);
  });
});
