import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as publicApi from '../../../src/crypto/index.js';
import {
  isIdentitySealed,
  keyFileModeIsPrivate,
  loadIdentity,
  MAX_KEYFILE_BYTES,
  saveIdentity,
} from '../../../src/crypto/keyfile.js';
import { generateIdentity, type Identity } from '../../../src/crypto/keys.js';
import { toHex } from '../../../src/util/bytes.js';
import { isNatterError } from '../../../src/util/errors.js';

const posix = process.platform !== 'win32';
const PASSPHRASE = 'correct horse battery staple';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return isNatterError(err) ? err.code : 'not a NatterError';
  }
  return undefined;
}

async function messageOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return '';
}

function sealedParams(N: number): Record<string, unknown> {
  const zeros = (bytes: number) => '00'.repeat(bytes);
  return { kdf: 'scrypt', N, r: 8, p: 1, salt: zeros(16), nonce: zeros(24), box: zeros(80) };
}

function assertSameIdentity(actual: Identity, expected: Identity): void {
  for (const field of ['signPk', 'signSk', 'boxPk', 'boxSk', 'boxSig'] as const) {
    assert.equal(toHex(actual[field]), toHex(expected[field]), field);
  }
}

describe('crypto/keyfile', () => {
  let dir: string;
  const identity = generateIdentity();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'natter-keyfile-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });

  it('round-trips an unsealed identity through a 0600 file, leaving no temp files', async () => {
    const path = join(dir, 'identity.json');
    await saveIdentity(path, identity);
    assertSameIdentity(await loadIdentity(path), identity);
    assert.equal(await isIdentitySealed(path), false);
    assert.deepEqual(await readdir(dir), ['identity.json']);
    if (posix) assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(await keyFileModeIsPrivate(path), true);
  });

  it('replaces an existing key file', async () => {
    const path = join(dir, 'identity.json');
    await saveIdentity(path, generateIdentity());
    await saveIdentity(path, identity);
    assertSameIdentity(await loadIdentity(path), identity);
    assert.deepEqual(await readdir(dir), ['identity.json']);
  });

  it('creates a missing profile directory with mode 0700', async () => {
    const path = join(dir, 'profile', 'nested', 'identity.json');
    await saveIdentity(path, identity);
    assertSameIdentity(await loadIdentity(path), identity);
    if (posix) assert.equal((await stat(join(dir, 'profile'))).mode & 0o777, 0o700);
  });

  it('reports a key file readable by group or others as not private', async function () {
    if (!posix) this.skip();
    const path = join(dir, 'identity.json');
    await saveIdentity(path, identity);
    await chmod(path, 0o644);
    assert.equal(await keyFileModeIsPrivate(path), false);
  });

  describe('sealed with a passphrase', () => {
    let path: string;
    let text: string;

    beforeEach(async () => {
      path = join(dir, 'sealed.json');
      await saveIdentity(path, identity, { passphrase: PASSPHRASE });
      text = await readFile(path, 'utf8');
    });

    it('round-trips with the right passphrase', async () => {
      assert.equal(await isIdentitySealed(path), true);
      assertSameIdentity(await loadIdentity(path, { passphrase: PASSPHRASE }), identity);
      if (posix) assert.equal((await stat(path)).mode & 0o777, 0o600);
    });

    it('keeps the secret keys and the passphrase out of the file', () => {
      const json = JSON.parse(text) as Record<string, unknown>;
      assert.equal(json.secret, undefined);
      assert.equal(text.includes(toHex(identity.signSk.subarray(0, 32))), false);
      assert.equal(text.includes(toHex(identity.boxSk)), false);
      assert.equal(text.includes(PASSPHRASE), false);
      assert.equal(text.includes(Buffer.from(PASSPHRASE).toString('hex')), false);
    });

    it('fails with E_BAD_PASSPHRASE for a wrong passphrase, without echoing it', async () => {
      const attempt = loadIdentity(path, { passphrase: 'wrong horse' });
      assert.equal(await codeOf(attempt), 'E_BAD_PASSPHRASE');
      const message = await messageOf(loadIdentity(path, { passphrase: 'wrong horse' }));
      assert.equal(message.includes('wrong horse'), false);
    });

    it('fails with E_PASSPHRASE_REQUIRED when no passphrase is given', async () => {
      assert.equal(await codeOf(loadIdentity(path)), 'E_PASSPHRASE_REQUIRED');
    });

    it('normalises the passphrase with NFKC, so composed and decomposed forms both work', async () => {
      const nfcPath = join(dir, 'nfc.json');
      await saveIdentity(nfcPath, identity, { passphrase: 'caf\u00e9' });
      assertSameIdentity(await loadIdentity(nfcPath, { passphrase: 'cafe\u0301' }), identity);
    });

    it('reports E_KEYFILE_CORRUPT when the sealed box decrypts but the public keys do not match', async () => {
      const json = JSON.parse(text) as Record<string, unknown>;
      json.signPk = toHex(generateIdentity().signPk);
      await writeFile(path, JSON.stringify(json));
      assert.equal(
        await codeOf(loadIdentity(path, { passphrase: PASSPHRASE })),
        'E_KEYFILE_CORRUPT',
      );
    });
  });

  it('refuses to seal with an empty passphrase', async () => {
    const path = join(dir, 'identity.json');
    assert.equal(
      await codeOf(saveIdentity(path, identity, { passphrase: '' })),
      'E_PASSPHRASE_EMPTY',
    );
  });

  it('refuses to save an identity whose public keys do not match its secrets', async () => {
    const other = generateIdentity();
    const spliced: Identity = { ...identity, boxPk: other.boxPk, boxSig: other.boxSig };
    assert.equal(await codeOf(saveIdentity(join(dir, 'identity.json'), spliced)), 'E_BAD_KEY');
    assert.deepEqual(await readdir(dir), []);
  });

  it('reports E_KEYFILE_MISSING for a file that does not exist', async () => {
    const path = join(dir, 'nope.json');
    assert.equal(await codeOf(loadIdentity(path)), 'E_KEYFILE_MISSING');
    assert.equal(await codeOf(isIdentitySealed(path)), 'E_KEYFILE_MISSING');
    assert.equal(await codeOf(keyFileModeIsPrivate(path)), 'E_KEYFILE_MISSING');
  });

  describe('corrupt files', () => {
    let good: Record<string, unknown>;

    beforeEach(async () => {
      const path = join(dir, 'good.json');
      await saveIdentity(path, identity);
      good = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    });

    const cases: [string, (json: Record<string, unknown>) => unknown][] = [
      ['a file that is not JSON', () => 'not json {'],
      ['a JSON array', () => []],
      ['a missing version', (j) => ({ ...j, version: undefined })],
      ['a short public key', (j) => ({ ...j, signPk: (j.signPk as string).slice(2) })],
      ['non-hex characters', (j) => ({ ...j, boxSig: `zz${(j.boxSig as string).slice(2)}` })],
      [
        'a public key that belongs to someone else',
        (j) => ({ ...j, signPk: toHex(generateIdentity().signPk) }),
      ],
      [
        'a box signature that does not verify',
        (j) => ({ ...j, boxSig: toHex(new Uint8Array(64)) }),
      ],
      ['no secret at all', (j) => ({ ...j, secret: undefined })],
      ['both secret and sealed', (j) => ({ ...j, sealed: sealedParams(32768) })],
      ['a secret of the wrong length', (j) => ({ ...j, secret: { signSeed: '00', boxSk: '00' } })],
      [
        'scrypt parameters that would need gigabytes of memory',
        (j) => ({
          ...j,
          secret: undefined,
          sealed: sealedParams(2 ** 30),
        }),
      ],
      [
        'scrypt parameters within the memory bound that would take hours (N·r·p past MAX_SCRYPT_WORK)',
        (j) => ({
          ...j,
          secret: undefined,
          sealed: { ...sealedParams(2 ** 17), r: 1, p: 1000 },
        }),
      ],
    ];

    for (const [name, mutate] of cases) {
      it(`reports E_KEYFILE_CORRUPT for ${name}`, async () => {
        const path = join(dir, 'bad.json');
        const content = mutate(good);
        await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
        assert.equal(await codeOf(loadIdentity(path)), 'E_KEYFILE_CORRUPT');
      });
    }

    it(`reports E_KEYFILE_CORRUPT for a file larger than MAX_KEYFILE_BYTES`, async () => {
      const path = join(dir, 'big.json');
      await writeFile(path, JSON.stringify({ ...good, padding: 'x'.repeat(MAX_KEYFILE_BYTES) }));
      assert.equal(await codeOf(loadIdentity(path)), 'E_KEYFILE_CORRUPT');
    });

    it('reports E_KEYFILE_UNSUPPORTED for a version from the future', async () => {
      const path = join(dir, 'future.json');
      await writeFile(path, JSON.stringify({ ...good, version: 2 }));
      assert.equal(await codeOf(loadIdentity(path)), 'E_KEYFILE_UNSUPPORTED');
    });

    it('never quotes the secret keys in its error, though V8 quotes JSON near a syntax error', async () => {
      const path = join(dir, 'broken.json');
      // V8 reports this as: Unexpected token 'x', ..."","boxSk":x<first hex digits>"... is not valid JSON
      const boxSk = toHex(identity.boxSk);
      await writeFile(
        path,
        JSON.stringify(good).replace(`"boxSk":"${boxSk}"`, `"boxSk":x${boxSk}`),
      );
      const error = await loadIdentity(path).catch((err: unknown) => err);
      assert.ok(isNatterError(error, 'E_KEYFILE_CORRUPT'));
      const everything = `${error.message} ${String(error.cause)} ${error.stack}`;
      assert.equal(everything.includes(boxSk.slice(0, 8)), false);
    });
  });

  it('is not reachable through the public crypto API, which the relay imports', () => {
    for (const name of [
      'loadIdentity',
      'saveIdentity',
      'isIdentitySealed',
      'keyFileModeIsPrivate',
    ]) {
      assert.equal(name in publicApi, false, name);
    }
  });
});
