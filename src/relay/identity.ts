/**
 * The relay's long-term signing key (its relay id), kept in the data dir as
 * relay-key.json (mode 0600, written atomically). Clients pin the public half.
 * This is the relay's own key; the relay never loads users' key files. Key
 * material comes from src/crypto, like every other key in natter.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newSigningSeed, signingKeyPairFromSeed } from '../crypto/sign.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { fromHex, toHex } from '../util/bytes.js';
import { RelayFailureCode, relayFailure } from './errors.js';

export interface RelayKey {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

const FILE = 'relay-key.json';

export async function loadOrCreateRelayKey(dataDir: string): Promise<RelayKey> {
  return (await relayKeyIn(dataDir)).key;
}

/**
 * The data dir's relay key, and whether this call created it: a new relay id, which the
 * start-up line says (clients that knew another id must accept it).
 */
export async function relayKeyIn(dataDir: string): Promise<{ key: RelayKey; created: boolean }> {
  const path = join(dataDir, FILE);
  let text: string | null = null;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== null) return { key: relayKeyFromJson(text, path), created: false };
  const seed = newSigningSeed();
  await writeFileAtomic(path, relayKeyJson(seed));
  return { key: signingKeyPairFromSeed(seed), created: true };
}

/** A relay key as stored: relay-key.json here, the cluster's in NATS (cluster/service-key.ts). */
export function relayKeyJson(seed: Uint8Array): string {
  return JSON.stringify({ version: 1, seed: toHex(seed) });
}

/** The key stored as `text`; E_RELAY_KEY_CORRUPT naming `where` if it is not one. */
export function relayKeyFromJson(text: string, where: string): RelayKey {
  try {
    const parsed = JSON.parse(text) as { version: number; seed: string };
    const seed = fromHex(parsed.seed);
    if (parsed.version !== 1 || seed.length !== 32) throw new Error('bad version or seed');
    return signingKeyPairFromSeed(seed);
  } catch (err) {
    throw relayFailure(
      RelayFailureCode.KeyCorrupt,
      `relay: ${where} is not a valid relay key: restore it from a backup, or remove it to make a new one, knowing a new key is a new relay id that every client must accept (--accept-new-relay-key)`,
      err,
    );
  }
}
