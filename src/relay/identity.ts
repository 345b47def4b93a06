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
  const path = join(dataDir, FILE);
  let text: string | null = null;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== null) {
    try {
      const parsed = JSON.parse(text) as { version: number; seed: string };
      const seed = fromHex(parsed.seed);
      if (parsed.version !== 1 || seed.length !== 32) throw new Error('bad version or seed');
      return signingKeyPairFromSeed(seed);
    } catch (err) {
      throw relayFailure(
        RelayFailureCode.KeyCorrupt,
        `relay: ${path} is not a valid relay key`,
        err,
      );
    }
  }
  const seed = newSigningSeed();
  await writeFileAtomic(path, JSON.stringify({ version: 1, seed: toHex(seed) }));
  return signingKeyPairFromSeed(seed);
}
