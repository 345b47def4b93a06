/**
 * Big test files: random bytes (incompressible, no chunk repeats, as a video or an
 * archive) written a MiB at a time, and SHA-256 of a file read the same way. Shared by
 * the files e2e test and `npm run bench -- files`.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

const MIB = 1024 * 1024;

/** `mib` MiB of random bytes at `path`; returns their SHA-256 (hex). */
export async function writeRandomFile(path: string, mib: number): Promise<string> {
  const hash = createHash('sha256');
  const block = Buffer.alloc(MIB);
  const fh = await open(path, 'w');
  try {
    for (let i = 0; i < mib; i++) {
      randomFillSync(block);
      hash.update(block);
      await fh.write(block);
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

/** SHA-256 (hex) of the file at `path`, read a MiB at a time. */
export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: MIB })) hash.update(chunk);
  return hash.digest('hex');
}
