/**
 * A relay from before file transfer announces no RELAY_FEATURE_FILES in its Challenge,
 * and would close a session on any file frame (an unknown kind). A client of this build
 * then sends none: messaging goes on, and the file commands say why they cannot work.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signCard } from '../../../../src/crypto/card.js';
import { generateIdentity } from '../../../../src/crypto/keys.js';
import type { NatterClient } from '../../../../src/peer/index.js';
import { isNatterError } from '../../../../src/util/errors.js';
import { duplexPair } from '../../../helpers/duplex.js';
import {
  FAKE_RELAY_KEY,
  FakeRelay,
  fakeChannel,
  honestRelay,
} from '../../../helpers/fake-relay.js';
import { makeClient, makeProfile } from '../../../helpers/profile.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';

describe('file transfer beside a relay from before it', () => {
  let client: NatterClient | null = null;
  afterEach(async () => {
    await client?.close();
    client = null;
    await removeTempDirs();
  });

  it('sends no file frame to a relay that does not announce files, and refuses file commands with E_RELAY_NO_FILES', async () => {
    const identity = generateIdentity();
    const profile = await makeProfile('alice', { identity });
    const relays: FakeRelay[] = [];
    client = await makeClient(
      'alice',
      { host: '10.0.0.5', port: 47474 },
      {
        profile,
        presence: false,
        connect: async () => {
          const [near, far] = duplexPair();
          const relay = new FakeRelay(
            far,
            honestRelay(signCard(identity, 'alice')),
            FAKE_RELAY_KEY,
          );
          relay.features = 0;
          relays.push(relay);
          return fakeChannel(near, FAKE_RELAY_KEY.publicKey);
        },
      },
    );
    await client.connect({ timeoutMs: 5000 });
    const src = await makeTempDir('natter-src-');
    await writeFile(join(src, 'a.txt'), 'hello');
    await assert.rejects(client.sendFile({ to: 'bob' }, [join(src, 'a.txt')]), (e) =>
      isNatterError(e, 'E_RELAY_NO_FILES'),
    );
    await new Promise((r) => setTimeout(r, 50));
    const kinds = relays.flatMap((r) => r.frames.map((f) => f.type));
    assert.ok(kinds.includes('login') || kinds.includes('register'), kinds.join(','));
    assert.deepEqual(
      kinds.filter((k) => k.startsWith('file-')),
      [],
      'no file frame reached the older relay',
    );
    assert.equal(relays.length, 1, 'the session was never closed and redialled');
  });
});
