/**
 * How the file commands print offers, transfers and progress (issue 12): aligned rows,
 * peer text sanitised, JSON that is safe on a terminal, and progress lines at most once
 * a second however many events come.
 */
import assert from 'node:assert/strict';
import {
  describeFile,
  leftOutText,
  offerJson,
  offerRows,
  progressJson,
  progressLine,
  savedWords,
  transferJson,
  transferRows,
} from '../../../src/cli/file-format.js';
import { barPayload, LineProgress, PROGRESS_LINE_MS } from '../../../src/cli/progress.js';
import type { OfferInfo, TransferInfo } from '../../../src/peer/index.js';

const ID = '1a2b3c4d'.padEnd(32, '0');

const offer = (over: Partial<OfferInfo> = {}): OfferInfo => ({
  id: ID,
  shortId: ID.slice(0, 8),
  conversation: '@bob' as OfferInfo['conversation'],
  from: 'bob',
  group: null,
  name: 'report.pdf',
  size: 2_202_009,
  files: 0,
  mime: 'application/pdf',
  offeredAtMs: Date.UTC(2025, 2, 4, 12),
  sentAtMs: Date.UTC(2025, 2, 4, 11, 59),
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
  size: 2 * 1024 * 1024,
  doneBytes: 1024 * 1024,
  rateBytesPerSec: 512 * 1024,
  etaMs: 2_000,
  state: 'running',
  waitingForSender: false,
  savedAs: null,
  error: null,
  replies: [],
  ...over,
});

describe('cli file formatting', () => {
  it('describes a file and a folder with their sizes', () => {
    assert.equal(describeFile(offer()), 'report.pdf (2.1 MiB)');
    assert.equal(
      describeFile(offer({ name: 'photos', files: 12, size: 40 * 1024 ** 2 })),
      'photos/ (12 files, 40.0 MiB)',
    );
  });

  it('lists offers in aligned columns: id, from, group, name, size, state', () => {
    const rows = offerRows([
      offer(),
      offer({
        id: `ffff${ID.slice(4)}`,
        shortId: 'ffff3c4d',
        from: 'carol',
        group: 'team',
        name: 'photos',
        files: 3,
        size: 5 * 1024 ** 2,
        state: 'received',
        savedAs: '/home/a/Downloads/natter/photos',
      }),
    ]);
    assert.deepEqual(rows, [
      '1a2b3c4d  bob    -      report.pdf         2.1 MiB  offered',
      'ffff3c4d  carol  #team  photos/ (3 files)  5.0 MiB  received → /home/a/Downloads/natter/photos',
    ]);
  });

  it('says an offer its sender cancelled is cancelled by the sender, not a failure of mine', () => {
    const cancelled = offer({
      state: 'failed',
      error: { code: 'E_FILE_CANCELLED', message: 'the sender cancelled it' },
    });
    assert.deepEqual(offerRows([cancelled]), [
      '1a2b3c4d  bob  -  report.pdf  2.1 MiB  cancelled by the sender',
    ]);
    assert.equal(JSON.parse(offerJson(cancelled)).error.code, 'E_FILE_CANCELLED');
  });

  it('says where several paths sent at once were saved, each under its own name', () => {
    const several = {
      savedAs: '/home/a/Downloads/natter',
      savedItems: ['notes.txt', 'report (1).pdf', 'sc\u001bans/'],
    };
    assert.equal(
      savedWords(several),
      ': saved in /home/a/Downloads/natter: notes.txt, report (1).pdf, scans/',
    );
    assert.equal(savedWords({ savedAs: '/d/x.pdf' }), ': saved as /d/x.pdf');
    assert.equal(savedWords({ savedAs: null }), '');
    const [row] = offerRows([offer({ state: 'received', ...several })]);
    assert.match(
      row!,
      /received → \/home\/a\/Downloads\/natter: notes\.txt, report \(1\)\.pdf, scans\/$/,
    );
  });

  it('says why an offer failed, with its code', () => {
    const [row] = offerRows([
      offer({
        state: 'failed',
        error: { code: 'E_FILE_BAD_PATH', message: 'an entry leaves the folder' },
      }),
    ]);
    assert.match(row!, /failed: an entry leaves the folder \(E_FILE_BAD_PATH\)$/);
  });

  it('caps the name column: a long name is cut with an ellipsis, and other rows are not padded to it', () => {
    const long = `${'x'.repeat(115)}\u001b.bin`;
    const rows = offerRows([
      offer({ name: long }),
      offer({ id: `ffff${ID.slice(4)}`, shortId: 'ffff3c4d' }),
    ]);
    const [cut, short] = rows;
    assert.match(cut!, /x… {2}2\.1 MiB {2}offered$/);
    assert.doesNotMatch(cut!, /\u001b/);
    assert.equal(cut!.length, short!.length, 'aligned');
    assert.ok(short!.length < 80, short);
    assert.equal(short!.indexOf('2.1 MiB'), cut!.indexOf('2.1 MiB'));
    const [up] = transferRows([transfer({ name: long })]);
    assert.ok(up!.length < 120, up);
    assert.match(up!, /x… /);
  });

  it('sanitises peer text in rows, and escapes it in JSON', () => {
    const evil = offer({ from: 'bo\x1b[31mb', name: 'a\u202egpj.exe' });
    const [row] = offerRows([evil]);
    assert.doesNotMatch(row!, /[\x1b\u202e]/);
    const json = offerJson(evil);
    assert.doesNotMatch(json, /\u202e/);
    const parsed = JSON.parse(json) as { name: string; from: string; offeredAt: string };
    assert.equal(parsed.name, 'a\u202egpj.exe', 'JSON keeps the text, escaped');
    assert.equal(parsed.offeredAt, '2025-03-04T12:00:00.000Z');
  });

  it('lists a transfer not ended as paused when no client runs, not as waiting for the relay', () => {
    const [waiting, moving] = transferRows(
      [transfer({ state: 'waiting', rateBytesPerSec: 0, etaMs: null }), transfer()],
      false,
    );
    assert.match(waiting!, /50% .*paused: resumes when natter runs on this profile$/);
    assert.match(moving!, /paused: resumes when natter runs on this profile$/);
    assert.match(
      transferRows([transfer({ state: 'waiting', rateBytesPerSec: 0, etaMs: null })], true)[0]!,
      /waiting for the relay$/,
    );
  });

  it('lists transfers with bytes, percent, rate and time left', () => {
    const rows = transferRows([
      transfer(),
      transfer({
        id: `9999${ID.slice(4)}`,
        shortId: '99993c4d',
        direction: 'download',
        peer: '#team',
        name: 'big.iso',
        doneBytes: 0,
        rateBytesPerSec: 0,
        etaMs: null,
        state: 'waiting',
      }),
    ]);
    assert.match(
      rows[0]!,
      /^1a2b3c4d {2}↑ {2}@bob {3}report\.pdf {2}1\.0 MiB of 2\.0 MiB {2}50% {2}512\.0 KiB\/s {2}ETA 0:02 {2}running$/,
    );
    assert.match(rows[1]!, /^99993c4d {2}↓ {2}#team {2}big\.iso +0 B of 2\.0 MiB +0% +- +waiting$/);
  });

  it("says what an upload's recipients answered after its state, names sanitised", () => {
    const [row] = transferRows([
      transfer({
        state: 'done',
        doneBytes: 2 * 1024 * 1024,
        rateBytesPerSec: 0,
        etaMs: 0,
        replies: [
          { name: 'bob', outcome: 'received' },
          { name: 'car\u001bol', outcome: 'declined' },
        ],
      }),
    ]);
    assert.match(row!, /done; received by bob, declined by carol$/);
    assert.ok(!row!.includes('\u001b'));
  });

  it('says an upload on the relay that nobody answered yet is done with no answer yet, a download done', () => {
    const done = {
      state: 'done' as const,
      doneBytes: 2 * 1024 * 1024,
      rateBytesPerSec: 0,
      etaMs: 0,
    };
    const [up, down] = transferRows([
      transfer(done),
      transfer({ ...done, direction: 'download', shortId: '99993c4d' }),
    ]);
    assert.match(up!, /done; no answer yet$/);
    assert.match(down!, / done$/);
  });

  it('prints one progress line with the numbers of the core', () => {
    assert.equal(
      progressLine(transfer()),
      '1a2b3c4d ↑ report.pdf  1.0 MiB of 2.0 MiB  50%  512.0 KiB/s  ETA 0:02',
    );
    const json = JSON.parse(progressJson(transfer())) as Record<string, unknown>;
    assert.equal(json.type, 'progress');
    assert.equal(json.doneBytes, 1024 * 1024);
    assert.equal(json.etaMs, 2_000);
  });

  it('writes a progress line at most every PROGRESS_LINE_MS, and always the last', () => {
    let now = 0;
    const lines: string[] = [];
    const p = new LineProgress(
      (l) => lines.push(l),
      (t) => String(t.doneBytes),
      () => now,
    );
    for (let done = 0; done <= 100; done += 10) {
      p.update(transfer({ size: 100, doneBytes: done }));
      now += PROGRESS_LINE_MS / 4;
    }
    assert.deepEqual(lines, ['0', '40', '80', '100']);
    p.update(transfer({ size: 100, doneBytes: 100 }));
    assert.equal(lines.length, 4, 'no repeat of the same state');
  });

  it('says at once when a transfer waits for the relay, in words instead of a rate', () => {
    assert.equal(
      progressLine(transfer({ state: 'waiting', rateBytesPerSec: 0, etaMs: null })),
      '1a2b3c4d ↑ report.pdf  1.0 MiB of 2.0 MiB  50%  waiting for the relay',
    );
    let now = 0;
    const lines: string[] = [];
    const p = new LineProgress(
      (l) => lines.push(l),
      (t) => `${t.doneBytes} ${t.state}`,
      () => now,
    );
    p.update(transfer({ size: 100, doneBytes: 10 }));
    now += 1;
    p.update(transfer({ size: 100, doneBytes: 10, state: 'waiting' }));
    now += 1;
    p.update(transfer({ size: 100, doneBytes: 10 }));
    assert.deepEqual(lines, ['10 running', '10 waiting', '10 running']);
  });

  it("says a download waits for the sender's upload, in the list, the line and JSON, at once", () => {
    const behind = transfer({
      direction: 'download',
      doneBytes: 0,
      rateBytesPerSec: 0,
      etaMs: null,
      waitingForSender: true,
    });
    assert.equal(
      progressLine(behind),
      "1a2b3c4d ↓ report.pdf  0 B of 2.0 MiB  0%  waiting for the sender's upload",
    );
    assert.match(transferRows([behind])[0]!, /waiting for the sender's upload$/);
    assert.equal(JSON.parse(progressJson(behind)).waitingForSender, true);
    const lines: string[] = [];
    const p = new LineProgress(
      (l) => lines.push(l),
      (t) => `${t.doneBytes} ${t.waitingForSender}`,
      () => 0,
    );
    p.update(transfer({ size: 100, doneBytes: 0 }));
    p.update(transfer({ size: 100, doneBytes: 0, waitingForSender: true }));
    assert.deepEqual(lines, ['0 false', '0 true'], 'said at once, within the throttle');
  });

  it("shows no time left in the bar or the list while a download waits for the sender's upload", () => {
    // A stale ETA from the chunks before the wait, as a core from before gave it.
    const behind = transfer({ direction: 'download', etaMs: 0, waitingForSender: true });
    const bar = barPayload(behind);
    assert.equal(bar.rate, "waiting for the sender's upload");
    assert.equal(bar.left, '');
    assert.doesNotMatch(transferRows([behind])[0]!, /ETA/);
    assert.equal(barPayload(transfer({ etaMs: 1_000 })).left, ' | ETA 0:01');
  });

  it('lists several paths sent at once as what they are, not as a folder', () => {
    const several = offer({
      name: 'a.pdf, b.txt and c.png',
      files: 3,
      several: true,
      size: 1.2 * 1024 ** 2,
    });
    assert.equal(describeFile(several), 'a.pdf, b.txt and c.png (3 files, 1.2 MiB)');
    const row = offerRows([several])[0]!;
    assert.match(row, / a\.pdf, b\.txt and c\.png \(3 files\) {2}1\.2 MiB /);
    assert.doesNotMatch(row, /c\.png\//);
    assert.equal(JSON.parse(offerJson(several)).several, true);
  });

  it('labels a folder the same in natter files, transfers, progress lines and words (one label)', () => {
    const folder = { name: 'proj', files: 6, size: 3 * 1024 ** 2 };
    const listed = offerRows([offer(folder)])[0]!;
    const moving = transferRows([transfer(folder)])[0]!;
    assert.match(listed, / proj\/ \(6 files\) {2}3\.0 MiB /);
    assert.match(moving, / @bob {2}proj\/ \(6 files\) {2}1\.0 MiB of 3\.0 MiB /);
    assert.match(progressLine(transfer(folder)), /^1a2b3c4d ↑ proj\/ \(6 files\) {2}/);
    assert.equal(describeFile(transfer(folder)), 'proj/ (6 files, 3.0 MiB)');
    assert.equal(describeFile(offer(folder)), 'proj/ (6 files, 3.0 MiB)');
    // --json has no label: the name as kept, and the count of files, for a folder too.
    const json = JSON.parse(transferJson(transfer(folder))) as Record<string, unknown>;
    assert.deepEqual([json.name, json.files, json.several], ['proj', 6, undefined]);
    assert.equal(JSON.parse(transferJson(transfer())).files, undefined, 'one file: none');
  });

  it("names a group's members left out of a file over their limit, sanitised, in words and JSON", () => {
    const up = transfer({ peer: '#team', state: 'done', leftOut: ['carol', 'd\x1b[2Jave'] });
    assert.equal(
      leftOutText(up),
      'carol and d[2Jave will not get report.pdf: it is over the size they accept',
    );
    assert.match(
      transferRows([up])[0]!,
      /done; no answer yet; not for carol and d\[2Jave \(over their limit\)$/,
    );
    assert.deepEqual(JSON.parse(transferJson(up)).leftOut, ['carol', 'd\x1b[2Jave']);
    assert.equal(leftOutText(transfer()), null);
  });
});
