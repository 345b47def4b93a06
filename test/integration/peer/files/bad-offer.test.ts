/**
 * A hostile peer's folder offer whose entry list contradicts itself, through a real relay
 * (the real upload, only the sealed offer's entries rewritten, as the trial's harness did):
 * the recipient lists it failed, E_FILE_BAD_OFFER, `accept` refuses it before fetching, and
 * nothing lands in the download folder, however often it is accepted.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BoxKeyring } from '../../../../src/crypto/box.js';
import { isNatterError } from '../../../../src/util/errors.js';
import { decodeInner, encodeInner } from '../../../../src/wire/codec.js';
import { nextEvent } from '../../../helpers/events.js';
import { makeTempDir, removeTempDirs } from '../../../helpers/tmp.js';
import { testWorld } from '../../../helpers/world.js';
import { filePair } from './helpers.js';

describe('files: a hostile offer that contradicts itself (real relay)', function () {
  this.timeout(60_000);
  const world = testWorld();
  const realSeal = BoxKeyring.prototype.seal;

  afterEach(async () => {
    BoxKeyring.prototype.seal = realSeal;
    await world.closeAll();
    await removeTempDirs();
  });

  /** Every offer sealed from now on lists `paths` as its entries. */
  function rewriteEntries(paths: string[]) {
    BoxKeyring.prototype.seal = function (this: BoxKeyring, pk, plaintext) {
      const inner = decodeInner(plaintext);
      if (inner.content.kind !== 'file-offer') return realSeal.call(this, pk, plaintext);
      const o = inner.content.offer;
      const entries = o.entries.map((e, i) => ({ ...e, path: paths[i] ?? e.path }));
      const content = { kind: 'file-offer' as const, offer: { ...o, entries } };
      return realSeal.call(this, pk, encodeInner({ ...inner, content }));
    };
  }

  for (const paths of [
    ['same', 'same'],
    ['a/b', 'a'],
    ['a', 'a/b'],
  ]) {
    it(`folder entries ${paths.join(', ')}: failed as it arrives, accept writes nothing`, async () => {
      const { alice, bob, downloads } = await filePair(world);
      const src = await makeTempDir('natter-src-');
      await mkdir(join(src, 'd'));
      await writeFile(join(src, 'd', 'a'), 'AAA');
      await writeFile(join(src, 'd', 'b'), 'BBB');
      rewriteEntries(paths);
      const offered = nextEvent(bob, 'file:offer', (o) => o.name === 'd', 10_000);
      await alice.sendFile({ to: 'bob' }, [join(src, 'd')]);
      const offer = await offered;
      assert.equal(offer.state, 'failed');
      assert.equal(offer.error?.code, 'E_FILE_BAD_OFFER');
      const listed = bob.fileOffers().find((o) => o.id === offer.id);
      assert.equal(listed?.error?.code, 'E_FILE_BAD_OFFER');
      for (let attempt = 0; attempt < 2; attempt++) {
        const code = await bob.acceptFile(offer.shortId).then(
          () => 'accepted',
          (err: unknown) => (isNatterError(err) ? err.code : String(err)),
        );
        assert.equal(code, 'E_FILE_BAD_OFFER', `attempt ${attempt}`);
        assert.deepEqual(await readdir(downloads), [], `attempt ${attempt}`);
      }
    });
  }
});
