/**
 * `natter send-file`, `files`, `accept`, `decline`, `transfers` and the file settings of
 * `natter config` (issue 12) against a real relay on loopback, each command a fresh
 * in-process CLI run as a user at a shell would: a file sent to someone offline, listed
 * and fetched by them later, verified byte for byte; a folder declined; the JSON shapes;
 * the refusals with their codes; and the same commands beside a running client.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ControlServer,
  controlSocketPath,
  startControlServer,
} from '../../../src/cli/control.js';
import { NatterClient } from '../../../src/peer/client.js';
import { silentLogger } from '../../../src/util/logger.js';
import { type CliRun, jsonLines, profileCli, runCli } from '../../helpers/cli.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

interface OfferJson {
  id: string;
  shortId: string;
  from: string;
  group: string | null;
  name: string;
  size: number;
  files: number;
  state: string;
  savedAs: string | null;
  offeredAt: string;
}

interface TransferJson {
  type?: string;
  id: string;
  shortId: string;
  direction: string;
  name: string;
  peer: string;
  size: number;
  doneBytes: number;
  rateBytesPerSec: number;
  etaMs: number | null;
  state: string;
  savedAs: string | null;
  error: unknown;
}

const errorCode = (r: CliRun) => /\((E_[A-Z_]+)\)\n$/.exec(r.stderr)?.[1];

describe('cli files against a real relay', function () {
  this.timeout(60_000);
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  const { as, ok } = profileCli(() => ({ dir, env }));
  const offers = async (who: string) => jsonLines<OfferJson>(await ok(who, ['files', '--json']));

  beforeEach(async () => {
    relay = await startTestRelay();
    dir = await makeTempDir();
    env = { NATTER_RELAY: `${relay.host}:${relay.port}`, NATTER_PRESENCE_INTERFACES: '0' };
    await ok('a', ['init', '--name', 'alice']);
    await ok('b', ['init', '--name', 'bob']);
    // bob is known to the relay (registered) but offline from here on.
    await ok('b', ['inbox']);
  });

  afterEach(async () => {
    await relay.close();
    await removeTempDirs();
  });

  it('sends a file to someone offline, who lists it, accepts it and gets an exact copy', async () => {
    const data = randomBytes(50_000);
    const path = join(dir, 'report.bin');
    await writeFile(path, data);
    const sent = await ok('a', ['send-file', '--to', 'bob', path, '--chunk-bytes', '4K']);
    const lines = sent.stdout.trim().split('\n');
    assert.match(
      lines.at(-1)!,
      /^sent report\.bin \(48\.8 KiB\) to bob: every chunk is on the relay \(transfer [0-9a-f]{8}\)$/,
    );
    assert.equal(lines.length, 1, 'progress is not data: stdout has the result only');
    assert.match(
      sent.stderr.trim().split('\n').at(-1)!,
      /^[0-9a-f]{8} ↑ report\.bin {2}48\.8 KiB of 48\.8 KiB {2}100%/,
      'plain progress, not a bar',
    );

    const [offer, ...more] = await offers('b');
    assert.equal(more.length, 0);
    assert.equal(offer?.from, 'alice');
    assert.equal(offer?.name, 'report.bin');
    assert.equal(offer?.size, data.length);
    assert.equal(offer?.state, 'offered');
    assert.equal(offer?.group, null);
    assert.match(offer?.shortId ?? '', /^[0-9a-f]{8}$/);
    const listed = await ok('b', ['files', '--local']);
    assert.match(
      listed.stdout,
      new RegExp(`^${offer!.shortId} {2}alice {2}- {2}report\\.bin {2}48\\.8 KiB {2}offered\\n$`),
    );

    const out = join(dir, 'downloads');
    await mkdir(out);
    const got = await ok('b', ['accept', offer!.shortId.slice(0, 4), '--out', out]);
    assert.match(
      got.stdout,
      /received report\.bin \(48\.8 KiB\) from alice: saved as .*report\.bin\n$/,
    );
    assert.deepEqual(await readFile(join(out, 'report.bin')), data);
    const [after] = await offers('b');
    assert.equal(after?.state, 'received');
    assert.equal(after?.savedAs, join(out, 'report.bin'));
    // bob's answer reaches alice while she sends (which prints no answers); her next inbox
    // says it on stderr, once; transfers lists it.
    await ok('a', ['send', '--to', 'bob', 'did it arrive?']);
    const inbox = await ok('a', ['inbox']);
    assert.match(inbox.stderr, /^natter: bob received report\.bin \(transfer [0-9a-f]{8}\)$/m);
    assert.doesNotMatch((await ok('a', ['inbox'])).stderr, /received report/, 'said once');
    assert.match((await ok('a', ['transfers'])).stdout, /done; received by bob$/m);
  });

  it('declines a folder, which is then never fetched', async () => {
    const folder = join(dir, 'photos');
    await mkdir(join(folder, 'day1'), { recursive: true });
    await writeFile(join(folder, 'day1', 'a.jpg'), randomBytes(3_000));
    await writeFile(join(folder, 'b.jpg'), randomBytes(2_000));
    await ok('a', ['send-file', '--to', 'bob', folder]);
    const [offer] = await offers('b');
    assert.equal(offer?.files, 2);
    const declined = await ok('b', ['decline', offer!.id]);
    assert.equal(
      declined.stdout,
      `declined photos/ (2 files, 4.9 KiB) from alice (${offer!.shortId})\n`,
    );
    assert.equal((await offers('b'))[0]?.state, 'declined');
    const again = await as('b', ['accept', offer!.shortId]);
    assert.equal(again.code, 1);
  });

  it('prints progress and the transfer as JSON lines, and lists transfers with --json', async () => {
    const path = join(dir, 'data.bin');
    await writeFile(path, randomBytes(20_000));
    const sent = jsonLines<TransferJson>(
      await ok('a', ['send-file', '--to', 'bob', path, '--json', '--chunk-bytes', '4K']),
    );
    const last = sent.at(-1)!;
    assert.equal(last.type, undefined);
    assert.deepEqual(Object.keys(last).sort(), [
      'direction',
      'doneBytes',
      'error',
      'etaMs',
      'from',
      'id',
      'name',
      'peer',
      'rateBytesPerSec',
      'replies',
      'savedAs',
      'shortId',
      'size',
      'state',
      'waitingForSender',
    ]);
    assert.deepEqual((last as { replies?: unknown }).replies, [], 'nobody answered yet');
    assert.equal(last.state, 'done');
    assert.equal(last.direction, 'upload');
    assert.equal(last.peer, '@bob');
    assert.equal((last as { from?: unknown }).from, null, 'an upload has no sender to name');
    assert.equal(last.doneBytes, 20_000);
    assert.ok(sent.slice(0, -1).every((l) => l.type === 'progress'));

    await writeFile(path, randomBytes(30_000));
    const offered = await ok('a', ['send-file', '--to', 'bob', path, '--no-wait']);
    assert.match(
      offered.stdout,
      /^offered data\.bin \(29\.3 KiB\) to bob \(transfer [0-9a-f]{8}\); the upload resumes/,
    );
    const transfers = jsonLines<TransferJson>(await ok('a', ['transfers', '--json']));
    const pending = transfers.find((t) => t.state !== 'done');
    assert.equal(pending?.direction, 'upload');
    assert.equal(pending?.size, 30_000);
    assert.equal(typeof pending?.doneBytes, 'number');
    assert.match((await ok('a', ['transfers'])).stdout, /↑ {2}@bob {2}data\.bin/);
  });

  it('stops at Ctrl-C with the upload resumable, and says so', async () => {
    const path = join(dir, 'big.bin');
    await writeFile(path, randomBytes(4 * 1024 * 1024));
    let stop: (signal: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => {
      stop = resolve;
    });
    const r = await as('a', ['send-file', '--to', 'bob', path, '--chunk-bytes', '4K', '--json'], {
      stop: stopped,
      // Ctrl-C once the first progress line is out (--json: on stdout): the upload has begun.
      onStdout: () => stop('SIGINT'),
    });
    assert.equal(r.code, 130, r.stderr);
    assert.match(
      r.stderr,
      /send-file: interrupted at \d+% .*the offer stands.*the upload resumes where it stopped.*natter transfers --follow/,
    );
    const [t] = jsonLines<TransferJson>(await ok('a', ['transfers', '--json']));
    assert.equal(t?.direction, 'upload');
    assert.ok(t!.doneBytes < t!.size, 'not all of it went');
    assert.notEqual(t?.state, 'done');

    // transfers --follow finishes it; bob then gets an exact copy.
    const resumed = await ok('a', ['transfers', '--follow']);
    assert.match(resumed.stdout, /^sent big\.bin \(4\.0 MiB\) to bob: every chunk is on the relay/);
    const [offer] = await offers('b');
    const out = join(dir, 'dl');
    await mkdir(out);
    await ok('b', ['accept', offer!.shortId, '--out', out]);
    assert.deepEqual(await readFile(join(out, 'big.bin')), await readFile(path));
  });

  /** alice sends 3 MiB to bob, who accepts it into `out` and stops at Ctrl-C once it began. */
  async function stoppedDownload() {
    const data = randomBytes(3 * 1024 * 1024);
    const path = join(dir, 'video.bin');
    await writeFile(path, data);
    await ok('a', ['send-file', '--to', 'bob', path, '--chunk-bytes', '4K']);
    const [offer] = await offers('b');
    const out = join(dir, 'dl');
    await mkdir(out);
    let stop: (signal: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => {
      stop = resolve;
    });
    const first = await as('b', ['accept', offer!.shortId, '--out', out, '--json'], {
      stop: stopped,
      onStdout: () => stop('SIGINT'),
    });
    assert.equal(first.code, 130, first.stderr);
    return { data, out, offer: offer!, first };
  }

  it('resumes a download stopped by Ctrl-C when accept is run again', async () => {
    const { data, out, offer, first } = await stoppedDownload();
    assert.match(
      first.stderr,
      /accept: interrupted at \d+% .*natter accept [0-9a-f]{8} resumes it/,
    );
    const again = await ok('b', ['accept', offer.shortId]);
    assert.match(again.stdout, /received video\.bin \(3\.0 MiB\) from alice: saved as /);
    assert.deepEqual(await readFile(join(out, 'video.bin')), data, 'into the folder first chosen');
  });

  it('answers the sender when transfers --follow finishes a download stopped by Ctrl-C', async () => {
    const { data, out } = await stoppedDownload();
    const followed = await ok('b', ['transfers', '--follow']);
    assert.match(followed.stdout, /received video\.bin/);
    assert.deepEqual(await readFile(join(out, 'video.bin')), data);
    // alice's next command hears bob's answer, which the follow sent before it left.
    const inbox = await ok('a', ['inbox']);
    assert.match(inbox.stderr, /^natter: bob received video\.bin \(transfer [0-9a-f]{8}\)$/m);
  });

  it('refuses a missing path, a bad id and an unknown one, with their codes', async () => {
    const missing = await as('a', ['send-file', '--to', 'bob', join(dir, 'nope.pdf')]);
    assert.equal(missing.code, 1);
    assert.equal(errorCode(missing), 'E_FILE_NOT_FOUND');
    const both = await as('a', ['send-file', '--to', 'bob', '--group', 'x', join(dir, 'nope.pdf')]);
    assert.equal(both.code, 2);
    const bad = await as('b', ['accept', 'zz']);
    assert.equal(bad.code, 2);
    assert.equal(errorCode(bad), 'E_USAGE');
    const unknown = await as('b', ['accept', 'abcd']);
    assert.equal(unknown.code, 1);
    assert.equal(errorCode(unknown), 'E_UNKNOWN_TRANSFER');
    const none = await as('b', ['files']);
    assert.equal(none.code, 0);
    assert.match(none.stderr, /no files offered to you/);
  });

  it('refuses a folder the receiver would refuse before offering or uploading any of it (E_FILE_BAD_PATH)', async () => {
    const folder = join(dir, 'weird');
    await mkdir(folder);
    await writeFile(join(folder, 'fine.txt'), randomBytes(1_000));
    await writeFile(join(folder, 'new\nline.txt'), randomBytes(1_000));
    const r = await as('a', ['send-file', '--to', 'bob', folder]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(errorCode(r), 'E_FILE_BAD_PATH');
    assert.match(r.stderr, /"new\\nline\.txt"/, 'the path named, its newline escaped');
    assert.equal(r.stdout, '');
    assert.deepEqual(jsonLines(await ok('a', ['transfers', '--json'])), [], 'nothing uploaded');
    assert.deepEqual(await offers('b'), [], 'nothing offered');
  });

  it('keeps the file settings: download-dir, auto-accept, max-incoming', async () => {
    const downloads = join(dir, 'dl');
    await ok('b', ['config', 'set', 'download-dir', downloads]);
    await ok('b', ['config', 'set', 'auto-accept', 'alice,carol']);
    const max = await ok('b', ['config', 'set', 'max-incoming', '2G']);
    assert.equal(max.stdout, 'max-incoming 2.0 GiB (2147483648 bytes)\n');
    const settings = JSON.parse((await ok('b', ['config', 'get', '--json'])).stdout) as Record<
      string,
      unknown
    >;
    assert.equal(settings.pseudonym, 'bob');
    assert.equal(settings.downloadDir, downloads);
    assert.deepEqual(settings.autoAccept, ['alice', 'carol']);
    assert.equal(settings.maxIncomingBytes, 2 * 1024 ** 3);
    assert.match(
      (await ok('b', ['config', 'get', 'auto-accept'])).stdout,
      /^auto-accept +alice, carol\n$/,
    );
    assert.equal((await as('b', ['config', 'set', 'max-incoming', '2 apples'])).code, 2);
    assert.equal((await as('b', ['config', 'set', 'auto-accept', 'not a name!'])).code, 2);
    const other = await as('b', ['config', 'set', 'pseudonym', 'x']);
    assert.equal(other.code, 2);
    assert.match(
      other.stderr,
      /'pseudonym' cannot be set: the keys are relay, download-dir, auto-accept, max-incoming, keep-history \(the pseudonym changes with natter rename\)/,
    );
  });

  it("shows a sealed profile's settings without asking for its passphrase, the file settings with it", async () => {
    const secret = join(dir, 'passphrase');
    await writeFile(secret, 'correct horse battery staple\n');
    await ok('s', ['init', '--name', 'sam', '--passphrase-file', secret]);
    const plain = await ok('s', ['config', 'get'], { stdinTTY: true });
    assert.match(plain.stdout, /^pseudonym +sam$/m);
    assert.doesNotMatch(plain.stdout, /download-dir/);
    assert.match(plain.stderr, /file settings are not shown: the key is sealed/);
    const withKey = await ok('s', ['--passphrase-file', secret, 'config', 'get', 'max-incoming']);
    assert.match(withKey.stdout, /^max-incoming +4\.0 GiB \(4294967296 bytes\)\n$/);
  });
});

describe('cli files beside a running client', function () {
  this.timeout(60_000);
  let relay: TestRelay;
  let dir: string;
  let env: Record<string, string>;
  let bob: NatterClient | null = null;
  let control: ControlServer | null = null;
  const as = (who: string, argv: string[]) =>
    runCli(['--profile', join(dir, who), ...argv], { env });

  beforeEach(async () => {
    relay = await startTestRelay();
    dir = await makeTempDir();
    env = { NATTER_RELAY: `${relay.host}:${relay.port}`, NATTER_PRESENCE_INTERFACES: '0' };
    assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
    assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
  });

  afterEach(async () => {
    await control?.close();
    await bob?.close();
    bob = null;
    control = null;
    await relay.close();
    await removeTempDirs();
  });

  it('lists, accepts and shows transfers through the client that holds the profile', async () => {
    bob = await NatterClient.open({
      profileDir: join(dir, 'b'),
      logger: silentLogger,
      relay: { host: relay.host, port: relay.port },
      presence: false,
    });
    await bob.connect({ timeoutMs: 10_000 });
    control = await startControlServer(controlSocketPath(join(dir, 'b')), bob, silentLogger);
    const data = randomBytes(12_345);
    const path = join(dir, 'notes.txt');
    await writeFile(path, data);
    const offered = new Promise((resolve) => bob!.on('file:offer', resolve));
    assert.equal((await as('a', ['send-file', '--to', 'bob', path])).code, 0);
    await offered;

    const listed = await as('b', ['files', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const [offer] = jsonLines<OfferJson>(listed);
    assert.equal(offer?.name, 'notes.txt');
    const out = join(dir, 'out');
    await mkdir(out);
    const got = await as('b', ['accept', offer!.shortId, '--out', out]);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /received notes\.txt \(12\.1 KiB\) from alice: saved as /);
    assert.deepEqual(await readFile(join(out, 'notes.txt')), data);
    const transfers = await as('b', ['transfers', '--json']);
    assert.equal(transfers.code, 0, transfers.stderr);
    const settings = await as('b', ['config', 'set', 'max-incoming', '1G']);
    assert.equal(settings.code, 0, settings.stderr);
    assert.equal(bob.fileSettings().maxIncomingBytes, 1024 ** 3);

    // A second offer declined, and a file sent back, both by the running client.
    const again = new Promise((resolve) => bob!.on('file:offer', resolve));
    assert.equal((await as('a', ['send-file', '--to', 'bob', path])).code, 0);
    await again;
    const second = bob.fileOffers().find((o) => o.state === 'offered')!;
    const declined = await as('b', ['decline', second.shortId]);
    assert.equal(declined.code, 0, declined.stderr);
    assert.match(declined.stdout, /^declined notes\.txt \(12\.1 KiB\) from alice/);
    assert.equal(bob.fileOffers().find((o) => o.id === second.id)?.state, 'declined');
    const back = await as('b', ['send-file', '--to', 'alice', path]);
    assert.equal(back.code, 0, back.stderr);
    assert.match(
      back.stdout,
      /^sent notes\.txt \(12\.1 KiB\) to alice: every chunk is on the relay/,
    );
    const [toAlice] = jsonLines<OfferJson>(await as('a', ['files', '--json']));
    assert.equal(toAlice?.from, 'bob');
  });
});
