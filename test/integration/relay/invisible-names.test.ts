/**
 * Names with something hidden in them, against a real relay on loopback (seventeenth
 * sitting; QA's BUG-invisible-name-impersonation.mjs). A new name with an invisible
 * character is refused for what it holds, E_BAD_PSEUDONYM, before the directory is
 * asked whether its visible twin is taken: the refusal is the same whether or not
 * 'alice' exists, and says nothing about who is registered. A name that differs from a
 * taken one only by diacritics is E_PSEUDONYM_TAKEN, naming the holder. Names a relay
 * accepted before these rules keep working for their holders.
 */
import assert from 'node:assert/strict';
import { generateIdentity, type Identity } from '../../../src/crypto/keys.js';
import { encodeCard, USER_PREFIX } from '../../../src/relay/directory.js';
import { type RunningRelay, startRelay } from '../../../src/relay/index.js';
import { RelayStore } from '../../../src/relay/store/index.js';
import { toHex } from '../../../src/util/bytes.js';
import { systemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { cardOf, RawClient } from '../../helpers/raw-client.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

describe('relay: no invisible characters in new names (integration, loopback)', () => {
  let relay: RunningRelay | null = null;
  let dir: string;
  const clients: RawClient[] = [];

  async function start(): Promise<RunningRelay> {
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, logger: silentLogger });
    return relay;
  }

  async function user(name: string, id: Identity = generateIdentity(), mode?: 'login') {
    const r = await RawClient.login(relay!.address.port, id, name, mode);
    clients.push(r.client);
    return { ...r, id };
  }

  /** 'accepted', or the code and message of the relay's refusal. */
  async function attempt(name: string, id = generateIdentity()) {
    try {
      const { client } = await RawClient.login(relay!.address.port, id, name);
      client.close();
      return { code: 'accepted', message: '' };
    } catch (err) {
      const e = err as { code?: string; message: string };
      return { code: e.code ?? '?', message: e.message };
    }
  }

  beforeEach(async () => {
    dir = await makeTempDir('natter-invisible-');
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await relay?.close();
    relay = null;
  });

  after(removeTempDirs);

  it("refuses 'alice' + U+FE0F beside 'alice' with E_BAD_PSEUDONYM, and the trial's other names too", async () => {
    await start();
    await user('alice');
    await user('bob');
    const fe0f = await attempt('alice\ufe0f');
    assert.equal(fe0f.code, 'E_BAD_PSEUDONYM');
    assert.match(fe0f.message, /invisible character U\+FE0F/);
    for (const name of [
      'bob\u034f',
      'alice\u{e0100}',
      'carol\u115f',
      'carol\u3164'.normalize('NFKC'),
      `x${'\u0301'.repeat(31)}`,
      'x\u0300\u0301\u0302\u0303',
    ]) {
      assert.equal((await attempt(name)).code, 'E_BAD_PSEUDONYM', JSON.stringify(name));
    }
    // The same refusal with no 'alice' to pass for: it is the name, not the twin.
    assert.equal((await attempt('zed\ufe0f')).code, 'E_BAD_PSEUDONYM');
  });

  it('refuses a name that is a taken one but for diacritics as taken, naming the holder', async () => {
    await start();
    await user('Jose');
    await user('Nguyễn');
    const acute = await attempt('José');
    assert.equal(acute.code, 'E_PSEUDONYM_TAKEN');
    assert.match(acute.message, /'José' looks too much like 'Jose'/);
    assert.equal((await attempt('Nguyen')).code, 'E_PSEUDONYM_TAKEN');
    assert.equal((await attempt('NGUYÊN')).code, 'E_PSEUDONYM_TAKEN');
    for (const name of ['प्रियंका', 'สมศักดิ์', 'مُحَمَّد', '김민준', '田中たなか', 'bob❤️']) {
      assert.equal((await attempt(name)).code, 'accepted', name);
    }
    assert.equal((await attempt('محمد')).code, 'E_PSEUDONYM_TAKEN', 'vowel points aside');
    assert.equal((await attempt('bob❤')).code, 'E_PSEUDONYM_TAKEN', 'U+FE0F aside');
  });

  it('keeps serving a name registered before the rules: its holder logs in and registers it again', async () => {
    const legacy = generateIdentity();
    const alice = generateIdentity();
    // As an older relay stored them: both accepted, nothing refused U+FE0F.
    const store = await RelayStore.open({
      dataDir: dir,
      minFreeDiskBytes: 0,
      clock: systemClock,
      log: silentLogger,
    });
    await store.kv.write(
      [cardOf(alice, 'alice'), cardOf(legacy, 'alice\ufe0f')].map((card) => ({
        type: 'put' as const,
        key: `${USER_PREFIX}${toHex(card.userId)}`,
        value: encodeCard(card),
      })),
      { sync: true },
    );
    await store.close();
    await start();
    const back = await user('alice\ufe0f', legacy, 'login');
    assert.equal(back.ready.card.pseudonym, 'alice\ufe0f');
    back.client.close();
    const again = await user('alice\ufe0f', legacy);
    assert.equal(again.ready.card.pseudonym, 'alice\ufe0f', 'a registration renewed');
    await user('alice', alice, 'login');
    // Nobody else gets it, nor another invisible twin.
    assert.equal((await attempt('alice\ufe0f')).code, 'E_BAD_PSEUDONYM');
    assert.equal((await attempt('Alice')).code, 'E_PSEUDONYM_TAKEN');
  });
});
