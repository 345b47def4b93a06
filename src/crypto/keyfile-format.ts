/**
 * The identity file's format: JSON whose secret keys are stored in clear or
 * sealed with a passphrase (keyfile-seal.ts):
 *
 *   { "version": 1, "signPk": hex, "boxPk": hex, "boxSig": hex,
 *     "secret": { "signSeed": hex, "boxSk": hex } }                  (unsealed), or
 *     "sealed": { "kdf": "scrypt", "N", "r", "p", "salt", "nonce", "box" }   (sealed)
 *
 * A sealed box holds the "secret" object as compact JSON. Decoding validates
 * every field (presence, hex, length, ranges) and throws E_KEYFILE_CORRUPT or
 * E_KEYFILE_UNSUPPORTED; its messages never quote the input, which holds secret keys.
 */

import { fromHex, toHex, utf8 } from '../util/bytes.js';
import type { NatterError } from '../util/errors.js';
import { NONCE_BYTES } from './box.js';
import { CryptoCode, cryptoError } from './errors.js';
import {
  MIN_SEALED_BOX_BYTES,
  SALT_BYTES,
  type SealedSecrets,
  scryptParamsAllowed,
} from './keyfile-seal.js';
import { BOX_PUBLIC_KEY_BYTES, BOX_SECRET_KEY_BYTES } from './keys.js';
import { SIGN_PUBLIC_KEY_BYTES, SIGN_SEED_BYTES, SIGNATURE_BYTES } from './sign.js';

export const KEYFILE_VERSION = 1;

export interface Secrets {
  signSeed: Uint8Array;
  boxSk: Uint8Array;
}

export interface PublicParts {
  signPk: Uint8Array;
  boxPk: Uint8Array;
  boxSig: Uint8Array;
}

/** A key file's contents: the public parts and exactly one of the secrets in clear or sealed. */
export type KeyFile = PublicParts &
  ({ secret: Secrets; sealed?: undefined } | { sealed: SealedSecrets; secret?: undefined });

/** The file's text: two-space indented JSON with a final newline. */
export function serializeKeyFile(file: KeyFile): string {
  const doc: Record<string, unknown> = {
    version: KEYFILE_VERSION,
    signPk: toHex(file.signPk),
    boxPk: toHex(file.boxPk),
    boxSig: toHex(file.boxSig),
  };
  if (file.sealed === undefined) {
    doc.secret = secretsDoc(file.secret);
  } else {
    const { N, r, p, salt, nonce, box } = file.sealed;
    doc.sealed = {
      kdf: 'scrypt',
      N,
      r,
      p,
      salt: toHex(salt),
      nonce: toHex(nonce),
      box: toHex(box),
    };
  }
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The plaintext that a sealed file seals: the "secret" object as compact JSON. */
export function encodeSecrets(secrets: Secrets): Uint8Array {
  return utf8(JSON.stringify(secretsDoc(secrets)));
}

/** Secrets from an opened sealed box. */
export function decodeSecrets(bytes: Uint8Array): Secrets {
  return parseSecrets(parseJson(bytes));
}

/** A key file from its bytes, every field validated. */
export function decodeKeyFile(bytes: Uint8Array): KeyFile {
  const json = parseJson(bytes);
  if (!isRecord(json)) throw corrupt('not a JSON object');
  if (typeof json.version !== 'number') throw corrupt('missing version');
  if (json.version !== KEYFILE_VERSION) {
    throw cryptoError(
      CryptoCode.KeyfileUnsupported,
      `load identity: unsupported key file version ${json.version}`,
    );
  }
  const publics: PublicParts = {
    signPk: hexField(json, 'signPk', SIGN_PUBLIC_KEY_BYTES),
    boxPk: hexField(json, 'boxPk', BOX_PUBLIC_KEY_BYTES),
    boxSig: hexField(json, 'boxSig', SIGNATURE_BYTES),
  };
  const secret = json.secret === undefined ? undefined : parseSecrets(json.secret);
  const sealed = json.sealed === undefined ? undefined : parseSealed(json.sealed);
  if (secret !== undefined && sealed === undefined) return { ...publics, secret };
  if (sealed !== undefined && secret === undefined) return { ...publics, sealed };
  throw corrupt('expected exactly one of "secret" and "sealed"');
}

/** E_KEYFILE_CORRUPT: the file is not a key file this version can use. */
export function corrupt(detail: string): NatterError {
  return cryptoError(CryptoCode.KeyfileCorrupt, `load identity: ${detail}`);
}

function secretsDoc(secrets: Secrets): { signSeed: string; boxSk: string } {
  return { signSeed: toHex(secrets.signSeed), boxSk: toHex(secrets.boxSk) };
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    // No `cause`: V8's SyntaxError message quotes the input, which may contain secret keys.
    throw corrupt('not valid UTF-8 JSON');
  }
}

function parseSecrets(json: unknown): Secrets {
  if (!isRecord(json)) throw corrupt('secret is not an object');
  return {
    signSeed: hexField(json, 'signSeed', SIGN_SEED_BYTES),
    boxSk: hexField(json, 'boxSk', BOX_SECRET_KEY_BYTES),
  };
}

function parseSealed(json: unknown): SealedSecrets {
  if (!isRecord(json) || json.kdf !== 'scrypt') throw corrupt('sealed: unknown kdf');
  const { N, r, p } = json;
  if (
    !isPositiveInteger(N) ||
    !isPositiveInteger(r) ||
    !isPositiveInteger(p) ||
    !scryptParamsAllowed({ N, r, p })
  ) {
    throw corrupt('sealed: scrypt parameters out of range');
  }
  const box = hexField(json, 'box');
  if (box.byteLength < MIN_SEALED_BOX_BYTES) throw corrupt('sealed: box too short');
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
