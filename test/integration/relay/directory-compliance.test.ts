/**
 * One suite for both directories (STYLE.md §12): LevelDB (Directory) and a NATS
 * cluster's buckets (ClusterDirectory, issue 15). Registration, look-alike
 * names, renames that release the old name, and cards kept across a restart.
 */
import assert from 'node:assert/strict';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { ClusterDirectory } from '../../../src/relay/cluster/directory.js';
import { Directory, type DirectoryStore, encodeCard } from '../../../src/relay/directory.js';
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

    it('refuses a name that differs from a taken one only by punctuation, saying which', async () => {
      const d = await kind.open();
      assert.equal(await register(d, cardOf(generateIdentity(), 'bob')), null);
      for (const name of ['bob.', 'bob_', 'b.ob', 'bo-b', 'B.O.B', "bob'", 'bob~']) {
        const r = d.reserve(cardOf(generateIdentity(), name));
        assert.deepEqual(
          'code' in r ? [r.code, r.message] : r,
          [
            'E_PSEUDONYM_TAKEN',
            `register: '${name}' looks too much like 'bob', a name taken on this relay`,
          ],
          name,
        );
      }
      assert.equal(await register(d, cardOf(generateIdentity(), 'carol')), null);
      assert.equal(await register(d, cardOf(generateIdentity(), 'c4rol')), null, 'digits stay');
      assert.equal(await register(d, cardOf(generateIdentity(), 'bobby')), null);
    });

    it('refuses the second of two names that differ only by punctuation while the first registers', async () => {
      const d = await kind.open();
      const first = d.reserve(cardOf(generateIdentity(), 'bob.'));
      assert.ok(!('code' in first));
      assert.equal(await register(d, cardOf(generateIdentity(), 'bob_')), 'E_PSEUDONYM_TAKEN');
      assert.equal(await d.commit(first), null);
      assert.equal(await register(d, cardOf(generateIdentity(), 'bob')), 'E_PSEUDONYM_TAKEN');
    });

    it('lets a user move to a spelling of their own name with other punctuation, and frees the old one after', async () => {
      const d = await kind.open();
      const id = generateIdentity();
      assert.equal(await register(d, cardOf(id, 'bob')), null);
      assert.equal(await register(d, cardOf(id, 'bob.')), null);
      assert.equal(await register(d, cardOf(generateIdentity(), 'bob')), 'E_PSEUDONYM_TAKEN');
      assert.equal(await register(d, cardOf(id, 'robert')), null);
      assert.equal(await register(d, cardOf(generateIdentity(), 'bob')), null);
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

describe('directory: names registered before punctuation was ignored', () => {
  const stores = relayStores();
  afterEach(() => stores.teardown());
  after(removeTempDirs);

  it('keeps both owners working: each renews its own name and updates its card; new names are refused', async () => {
    const store = await stores.open();
    const bob = cardOf(generateIdentity(), 'bob');
    const bobDot = cardOf(generateIdentity(), 'bob.');
    // As an older relay stored them: both registered, nothing folded '.' away.
    await store.kv.write(
      [bob, bobDot].map((card) => ({
        type: 'put' as const,
        key: `u1!${toHex(card.userId)}`,
        value: encodeCard(card),
      })),
      { sync: true },
    );
    const d = new Directory(await stores.open(), silentLogger);
    await d.open();
    assert.equal(d.byUserId(toHex(bobDot.userId))?.pseudonym, 'bob.');
    assert.equal(await register(d, bobDot), null, 'bob. registers its own name again');
    assert.equal(await register(d, bob), null, 'and so does bob');
    assert.equal(await register(d, cardOf(generateIdentity(), 'bob_')), 'E_PSEUDONYM_TAKEN');
  });
});
