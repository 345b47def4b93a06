/**
 * Two relays on one LAN (the LAN-newcomer trial): new clients refuse to choose between
 * them (E_SEVERAL_RELAYS), so each relay says the other is there, in its log, once,
 * with the other's short id and address. Real relays, real UDP on loopback broadcast.
 */
import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import { fingerprint } from '../../../src/crypto/keys.js';
import type { RelayOptions } from '../../../src/relay/index.js';
import { createLogger } from '../../../src/util/logger.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';
import { freeUdpPort, sleep, waitFor } from './helpers.js';

/** Short, so several beacons of each relay arrive within the test. */
const INTERVAL_MS = 100;

interface LoggedRelay extends TestRelay {
  /** The relay's log, one parsed JSON object a line. */
  lines: Record<string, unknown>[];
}

describe('a relay hearing another relay on its LAN (integration: loopback)', function () {
  this.timeout(30_000);
  let presence: NonNullable<RelayOptions['presence']>;
  let cleanup: (() => Promise<void>)[];

  beforeEach(async () => {
    presence = {
      port: await freeUdpPort(),
      extraTargets: ['127.255.255.255'],
      broadcastInterfaces: false,
      intervalMs: INTERVAL_MS,
    };
    cleanup = [];
  });

  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    await removeTempDirs();
  });

  async function relay(dataDir?: string): Promise<LoggedRelay> {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: 'warn',
      stream: { write: (line: string) => lines.push(JSON.parse(line)) > 0 },
    });
    const r = await startTestRelay({ presence, logger, ...(dataDir ? { dataDir } : {}) });
    cleanup.push(() => r.close());
    return { ...r, lines };
  }

  const warningsOf = (r: LoggedRelay) =>
    r.lines.filter((l) => l.level === 'warn' && l.code === 'E_SEVERAL_RELAYS');

  it("warns once on each relay, naming the other's short id and address", async () => {
    const office = await relay();
    const stray = await relay();
    for (const r of [office, stray])
      await waitFor(() => warningsOf(r).length > 0, 5000, 'a warning');
    // Many more beacons of each: still one line each.
    await sleep(20 * INTERVAL_MS);
    for (const [self, other] of [
      [office, stray],
      [stray, office],
    ] as const) {
      const warnings = warningsOf(self);
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      const msg = String(warnings[0]?.msg);
      const id = fingerprint(other.relay.relayId);
      assert.ok(
        msg.includes(`another natter relay is on this LAN: ${id} at 127.0.0.1:${other.port}`),
        msg,
      );
      assert.ok(msg.includes(`E_SEVERAL_RELAYS`), msg);
      assert.ok(!msg.includes(fingerprint(self.relay.relayId)), 'not its own beacon');
    }
  });

  it('says nothing when it is the only relay on the LAN', async () => {
    const office = await relay();
    await sleep(10 * INTERVAL_MS);
    assert.deepEqual(warningsOf(office), []);
  });

  const twinWarningsOf = (r: LoggedRelay) =>
    r.lines.filter((l) => l.level === 'warn' && l.code === 'E_RELAY_TWIN');

  it('warns at once on each of two relays run on copies of one data dir, naming the other address, and not of several relays', async () => {
    const first = await relay();
    await first.close();
    const copy = await makeTempDir('natter-relay-copy-');
    await cp(first.dataDir, copy, { recursive: true });
    const office = await relay(first.dataDir);
    const twin = await relay(copy);
    assert.deepEqual(twin.relay.relayId, office.relay.relayId, 'one relay id');
    for (const r of [office, twin])
      await waitFor(() => twinWarningsOf(r).length > 0, 5000, 'a twin warning');
    await sleep(20 * INTERVAL_MS);
    for (const [self, other] of [
      [office, twin],
      [twin, office],
    ] as const) {
      const warnings = twinWarningsOf(self);
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      const msg = String(warnings[0]?.msg);
      assert.ok(
        msg.includes(
          `another relay announces this relay's id ${fingerprint(self.relay.relayId)} at 127.0.0.1:${other.port}: a copy of this relay's data directory is running there`,
        ),
        msg,
      );
      assert.equal(warnings[0]?.twinAddress, `127.0.0.1:${other.port}`);
      assert.deepEqual(warningsOf(self), [], 'not another relay: the same one twice');
    }
  });

  it('says nothing of its own beacons looping back on loopback broadcast', async () => {
    const office = await relay();
    await sleep(10 * INTERVAL_MS);
    assert.deepEqual(twinWarningsOf(office), []);
  });
});
