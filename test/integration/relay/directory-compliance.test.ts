/**
 * One suite for both directories (STYLE.md §12): LevelDB (Directory) and a NATS
 * cluster's buckets (ClusterDirectory, issue 15). Registration, look-alike
 * names, renames that release the old name, and cards kept across a restart.
 */
import assert from 'node:assert/strict';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { ClusterDirectory } from '../../../src/relay/cluster/directory.js';
import { Directory, type DirectoryStore } from '../../../src/relay/directory.js';
import { toHex } from '../../../src/util/bytes.js';
import { silentLogger } from '../../../src/util/logger.js';
import type { Card } from '../../../src/wire/types.js';
import { natsServerPath } from '../../helpers/nats.js';
import { cardOf } from '../../helpers/raw-client.js';
import { clusterLinks, relayStores } from '../../helpers/stores.js';
import { removeTempDirs } from '../../helpers/tmp.js';

interface Kind {
  /** A directory on the same data as the ones opened before (a restart, or another relay). */
  open(): Promise<DirectoryStore>;
  teardown(): Promise<void>;
}

function levelKind(): Kind {
  const stores = relayStores();
  return {
    async open() {
      const d = new Directory(await stores.open(), silentLogger);
      await d.open();
      return d;
    },
    teardown: () => stores.teardown(),
  };
}

function natsKind(): Kind {
  const links = clusterLinks();
  return {
    async open() {
      const d = new ClusterDirectory(await links.open(), silentLogger);
      links.onTeardown(() => d.close());
      await d.open();
      return d;
    },
    teardown: () => links.teardown(),
  };
}

async function register(d: DirectoryStore, card: Card): Promise<string | null> {
  const r = d.reserve(card);
  if ('code' in r) return r.code;
  const refused = await d.commit(r);
  return refused === null ? null : refused.code;
}

const kinds: Array<[string, () => Kind, boolean]> = [
  ['LevelDB (Directory)', levelKind, true],
  ['NATS JetStream (ClusterDirectory)', natsKind, natsServerPath !== null],
];

for (const [name, make, available] of kinds) {
  (available ? describe : describe.skip)(`directory compliance: ${name}`, function () {
    this.timeout(20_000);
    let kind: Kind;
    beforeEach(() => {
      kind = make();
    });
    afterEach(async () => {
      await kind.teardown();
    });
    after(removeTempDirs);

    it('registers a card and finds it by id and by its name in any case', async () => {
      const d = await kind.open();
      const alice = cardOf(generateIdentity(), 'Alice');
      assert.equal(await register(d, alice), null);
      assert.equal(d.byUserId(toHex(alice.userId))?.pseudonym, 'Alice');
      assert.equal(d.byPseudonym('alice')?.pseudonym, 'Alice');
      assert.equal(d.size, 1);
    });

    it('refuses a taken name (or a look-alike) to another identity', async () => {
      const d = await kind.open();
      assert.equal(await register(d, cardOf(generateIdentity(), 'alice')), null);
      assert.equal(await register(d, cardOf(generateIdentity(), 'ALICE')), 'E_PSEUDONYM_TAKEN');
    });

    it('says which name a look-alike is too like, and a name taken as it is as taken', async () => {
      const d = await kind.open();
      assert.equal(await register(d, cardOf(generateIdentity(), 'alice')), null);
      const refusals = ['a1ice', 'alice'].map((name) =>
        d.reserve(cardOf(generateIdentity(), name)),
      );
      assert.deepEqual(
        refusals.map((r) => ('message' in r ? r.message : r)),
        [
          "register: 'a1ice' looks too much like 'alice', a name taken on this relay",
          "register: 'alice' is already taken",
        ],
      );
    });

    it('gives the old name back when a user takes a new one', async () => {
      const d = await kind.open();
      const id = generateIdentity();
      assert.equal(await register(d, cardOf(id, 'alice')), null);
      assert.equal(await register(d, cardOf(id, 'alicia')), null);
      assert.equal(d.byPseudonym('alicia')?.pseudonym, 'alicia');
      assert.equal(d.byPseudonym('alice'), undefined);
      assert.equal(await register(d, cardOf(generateIdentity(), 'alice')), null);
    });

    it('keeps cards across a restart', async () => {
      const d = await kind.open();
      const bob = cardOf(generateIdentity(), 'bob');
      assert.equal(await register(d, bob), null);
      const again = await kind.open();
      assert.equal(again.byPseudonym('bob')?.pseudonym, 'bob');
      assert.equal(await register(again, cardOf(generateIdentity(), 'bob')), 'E_PSEUDONYM_TAKEN');
    });
  });
}
