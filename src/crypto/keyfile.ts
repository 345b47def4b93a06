import { scrypt } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import nacl from 'tweetnacl';
import { writeFileAtomic } from '../util/atomic-file.js';
import { bytesEqual, fromHex, toHex, utf8 } from '../util/bytes.js';
import { NatterError } from '../util/errors.js';
import { NONCE_BYTES, SECRET_KEY_BYTES } from './box.js';
import {
  BOX_PUBLIC_KEY_BYTES,
  BOX_SECRET_KEY_BYTES,
  type Identity,
  identityFromSecrets,
  verifyBoxKey,
} from './keys.js';
import { randomBytes } from './random.js';
import {
  SIGN_PUBLIC_KEY_BYTES,
  SIGN_SECRET_KEY_BYTES,
  SIGN_SEED_BYTES,
  SIGNATURE_BYTES,
} from './sign.js';

/**
 * The identity file in a profile directory: JSON, mode 0600, replaced atomically. The secret
 * keys are stored in clear or sealed with a passphrase (scrypt -> secretbox):
 *
 *   { "version": 1, "signPk": hex, "boxPk": hex, "boxSig": hex,
 *     "secret": { "signSeed": hex, "boxSk": hex } }                  (unsealed), or
 *     "sealed": { "kdf": "scrypt", "N", "r", "p", "salt", "nonce", "box" }   (sealed)
 *
 * Deliberately not re-exported from src/crypto/index.ts: the relay must never load secret keys.
 * Error messages never contain key material or the passphrase.
 */

export const KEYFILE_VERSION = 1;
/** A real key file is under 1 KiB; anything much bigger is not ours and is not parsed. */
export const MAX_KEYFILE_BYTES = 64 * 1024;
/** scrypt cost for new files: 32 MiB and ~100-200 ms. Stored per file, so it can be raised later. */
export const SCRYPT_N = 32768;
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;
/** Upper bound on the scrypt memory a file may ask for, so a hostile file cannot exhaust RAM. */
export const MAX_SCRYPT_MEMORY_BYTES = 256 * 1024 * 1024;
const SALT_BYTES = 16;

export interface KeyFileOptions {
  /** Seal (save) or unseal (load) the secret keys with this passphrase, NFKC-normalised. Default: none. */
  passphrase?: string;
}

interface Secrets {
  signSeed: Uint8Array;
  boxSk: Uint8Array;
}

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

interface ParsedKeyFile {
  signPk: Uint8Array;
  boxPk: Uint8Array;
  boxSig: Uint8Array;
  secret: Secrets | undefined;
  sealed: (ScryptParams & { salt: Uint8Array; nonce: Uint8Array; box: Uint8Array }) | undefined;
}

export async function saveIdentity(
  path: string,
  identity: Identity,
  options: KeyFileOptions = {},
): Promise<void> {
  assertConsistent(identity);
  const secret = {
    signSeed: toHex(identity.signSk.subarray(0, SIGN_SEED_BYTES)),
    boxSk: toHex(identity.boxSk),
  };
  const doc: Record<string, unknown> = {
    version: KEYFILE_VERSION,
    signPk: toHex(identity.signPk),
    boxPk: toHex(identity.boxPk),
    boxSig: toHex(identity.boxSig),
  };
  if (options.passphrase === undefined) {
    doc.secret = secret;
  } else {
    if (options.passphrase.length === 0) {
      throw new NatterError('E_PASSPHRASE_EMPTY', 'save identity: passphrase must not be empty');
    }
    const params = { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P };
    const salt = randomBytes(SALT_BYTES);
    const nonce = randomBytes(NONCE_BYTES);
    const key = await deriveKey(options.passphrase, salt, params);
    const plaintext = utf8(JSON.stringify(secret));
    const box = nacl.secretbox(plaintext, nonce, key);
    key.fill(0);
    plaintext.fill(0);
    doc.sealed = {
      kdf: 'scrypt',
      ...params,
      salt: toHex(salt),
      nonce: toHex(nonce),
      box: toHex(box),
    };
  }
  await writeAtomically(path, `${JSON.stringify(doc, null, 2)}\n`);
}

export async function loadIdentity(path: string, options: KeyFileOptions = {}): Promise<Identity> {
  const file = parseKeyFile(await readKeyFile(path));
  let secrets = file.secret;
  if (file.sealed !== undefined) {
    if (options.passphrase === undefined) {
      throw new NatterError('E_PASSPHRASE_REQUIRED', 'load identity: key file is sealed');
    }
    const key = await deriveKey(options.passphrase, file.sealed.salt, file.sealed);
    const opened = nacl.secretbox.open(file.sealed.box, file.sealed.nonce, key);
    key.fill(0);
    if (opened === null) {
      throw new NatterError('E_BAD_PASSPHRASE', 'load identity: wrong passphrase');
    }
    try {
      secrets = parseSecrets(parseJson(opened));
    } finally {
      opened.fill(0);
    }
  }
  if (secrets === undefined) throw corrupt('no secret keys');
  const identity = identityFromSecrets(secrets.signSeed, secrets.boxSk);
  secrets.signSeed.fill(0);
  secrets.boxSk.fill(0);
  if (!publicPartsMatch(identity, file)) {
    throw corrupt('public keys or box key signature do not match the secret keys');
  }
  return identity;
}

/** True when the file's secret keys need a passphrase. Throws like loadIdentity. */
export async function isIdentitySealed(path: string): Promise<boolean> {
  return parseKeyFile(await readKeyFile(path)).sealed !== undefined;
}

/**
 * False when group or others have any permission on the file, so callers can warn. Always
 * true on Windows, which has no POSIX modes (the profile directory's ACL applies there).
 */
export async function keyFileModeIsPrivate(path: string): Promise<boolean> {
  if (process.platform === 'win32') return true;
  try {
    return ((await stat(path)).mode & 0o077) === 0;
  } catch (err) {
    throw ioError('check key file mode', err);
  }
}

// Saving a spliced identity would produce a file that can never be loaded; refuse it up front.
function assertConsistent(identity: Identity): void {
  const { signSk, boxSk } = identity;
  if (
    signSk.byteLength !== SIGN_SECRET_KEY_BYTES ||
    boxSk.byteLength !== BOX_SECRET_KEY_BYTES ||
    !publicPartsMatch(identityFromSecrets(signSk.subarray(0, SIGN_SEED_BYTES), boxSk), identity)
  ) {
    throw new NatterError('E_BAD_KEY', 'save identity: public keys do not match the secret keys');
  }
}

function publicPartsMatch(
  derived: Identity,
  claimed: { signPk: Uint8Array; boxPk: Uint8Array; boxSig: Uint8Array },
): boolean {
  return (
    bytesEqual(derived.signPk, claimed.signPk) &&
    bytesEqual(derived.boxPk, claimed.boxPk) &&
    verifyBoxKey(claimed.signPk, claimed.boxPk, claimed.boxSig)
  );
}

async function deriveKey(
  passphrase: string,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<Uint8Array> {
  const { N, r, p } = params;
  // OpenSSL needs 128*r*(N+p+2) bytes; the slack avoids an off-by-a-little refusal.
  const maxmem = 128 * r * (N + p + 2) + 1024 * 1024;
  const password = Buffer.from(passphrase.normalize('NFKC'), 'utf8');
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      scrypt(password, salt, SECRET_KEY_BYTES, { N, r, p, maxmem }, (err, key) => {
        if (err) reject(new NatterError('E_KDF', 'key file: scrypt failed', { cause: err }));
        else resolve(new Uint8Array(key));
      });
    });
  } finally {
    password.fill(0);
  }
}

async function readKeyFile(path: string): Promise<unknown> {
  let bytes: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      // Checked before reading, so a huge file is never pulled into memory.
      if ((await fh.stat()).size > MAX_KEYFILE_BYTES) throw corrupt('file is too large');
      bytes = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw err instanceof NatterError ? err : ioError('load identity', err);
  }
  try {
    return parseJson(bytes);
  } finally {
    bytes.fill(0);
  }
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    // No `cause`: V8's SyntaxError message quotes the input, which may contain secret keys.
    throw corrupt('not valid UTF-8 JSON');
  }
}

function parseKeyFile(json: unknown): ParsedKeyFile {
  if (!isRecord(json)) throw corrupt('not a JSON object');
  if (typeof json.version !== 'number') throw corrupt('missing version');
  if (json.version !== KEYFILE_VERSION) {
    throw new NatterError(
      'E_KEYFILE_UNSUPPORTED',
      `load identity: unsupported key file version ${json.version}`,
    );
  }
  const file: ParsedKeyFile = {
    signPk: hexField(json, 'signPk', SIGN_PUBLIC_KEY_BYTES),
    boxPk: hexField(json, 'boxPk', BOX_PUBLIC_KEY_BYTES),
    boxSig: hexField(json, 'boxSig', SIGNATURE_BYTES),
    secret: json.secret === undefined ? undefined : parseSecrets(json.secret),
    sealed: json.sealed === undefined ? undefined : parseSealed(json.sealed),
  };
  if ((file.secret === undefined) === (file.sealed === undefined)) {
    throw corrupt('expected exactly one of "secret" and "sealed"');
  }
  return file;
}

function parseSecrets(json: unknown): Secrets {
  if (!isRecord(json)) throw corrupt('secret is not an object');
  return {
    signSeed: hexField(json, 'signSeed', SIGN_SEED_BYTES),
    boxSk: hexField(json, 'boxSk', BOX_SECRET_KEY_BYTES),
  };
}

function parseSealed(json: unknown): NonNullable<ParsedKeyFile['sealed']> {
  if (!isRecord(json) || json.kdf !== 'scrypt') throw corrupt('sealed: unknown kdf');
  const { N, r, p } = json;
  // The memory bound comes first: it keeps N small enough for the 32-bit power-of-two test.
  if (
    !isPositiveInteger(N) ||
    !isPositiveInteger(r) ||
    !isPositiveInteger(p) ||
    128 * r * (N + p + 2) > MAX_SCRYPT_MEMORY_BYTES ||
    N < 2 ||
    (N & (N - 1)) !== 0
  ) {
    throw corrupt('sealed: scrypt parameters out of range');
  }
  const box = hexField(json, 'box');
  if (box.byteLength < nacl.secretbox.overheadLength) throw corrupt('sealed: box too short');
  return {
    N,
    r,
    p,
    salt: hexField(json, 'salt', SALT_BYTES),
    nonce: hexField(json, 'nonce', NONCE_BYTES),
    box,
  };
}

// fromHex silently stops at the first non-hex character, so check the text first.
function hexField(json: Record<string, unknown>, name: string, bytes?: number): Uint8Array {
  const value = json[name];
  if (
    typeof value !== 'string' ||
    !/^(?:[0-9a-fA-F]{2})*$/.test(value) ||
    (bytes !== undefined && value.length !== bytes * 2)
  ) {
    throw corrupt(`field "${name}" is missing or has the wrong length`);
  }
  return fromHex(value);
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const data = Buffer.from(text, 'utf8');
  try {
    await writeFileAtomic(path, data);
  } catch (err) {
    throw new NatterError('E_KEYFILE_WRITE', `save identity: could not write ${path}`, {
      cause: err,
    });
  } finally {
    data.fill(0);
  }
}

function ioError(step: string, err: unknown): NatterError {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') {
    return new NatterError('E_KEYFILE_MISSING', `${step}: no key file`, { cause: err });
  }
  return new NatterError('E_KEYFILE_UNREADABLE', `${step}: cannot read key file`, { cause: err });
}

function corrupt(detail: string): NatterError {
  return new NatterError('E_KEYFILE_CORRUPT', `load identity: ${detail}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
