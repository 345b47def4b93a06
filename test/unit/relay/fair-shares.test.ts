import assert from 'node:assert/strict';
import { addressOf, ConnectionShares } from '../../../src/relay/address-shares.js';
import { REFUSAL_LOG_INTERVAL_MS, RefusalLog } from '../../../src/relay/refusal-log.js';
import { RegistrationGate } from '../../../src/relay/registration-gate.js';
import { ManualClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';

describe('relay fair shares (pure parts)', () => {
  describe('ConnectionShares', () => {
    const limits = { maxConnections: 5, maxConnectionsPerAddress: 3, maxPreloginPerAddress: 2 };

    it('admits an address up to its share before login, then again once one logs in', () => {
      const shares = new ConnectionShares(limits);
      const a = shares.admit('10.0.0.1:1000');
      assert.equal(typeof shares.admit('10.0.0.1:1001'), 'object');
      assert.equal(shares.admit('10.0.0.1:1002'), 'prelogin');
      assert.equal(typeof shares.admit('10.0.0.2:1000'), 'object', 'another address');
      shares.loggedIn('10.0.0.1:1000');
      assert.equal(typeof shares.admit('10.0.0.1:1003'), 'object');
      assert.equal(shares.admit('10.0.0.1:1004'), 'address', 'three open from it in all');
      assert.equal(typeof a, 'object');
      if (typeof a === 'object') shares.release(a);
      assert.deepEqual(shares.countOf('10.0.0.1'), { open: 2, prelogin: 2 });
    });

    it('refuses every address at maxConnections, and a release is safe to repeat', () => {
      const shares = new ConnectionShares({ ...limits, maxConnections: 2 });
      const a = shares.admit('10.0.0.1:1');
      shares.admit('10.0.0.2:1');
      assert.equal(shares.admit('10.0.0.3:1'), 'relay');
      if (typeof a !== 'object') assert.fail('admitted');
      shares.release(a);
      shares.release(a);
      assert.equal(shares.size, 1);
      assert.deepEqual(shares.countOf('10.0.0.1'), { open: 0, prelogin: 0 });
    });

    it('takes the address of IPv4 and IPv6 remotes', () => {
      assert.equal(addressOf('127.0.0.1:5555'), '127.0.0.1');
      assert.equal(addressOf('::ffff:10.0.0.1:5555'), '::ffff:10.0.0.1');
      assert.equal(addressOf('fe80::1:443'), 'fe80::1');
    });
  });

  describe('RefusalLog', () => {
    it('says an address once an interval, with the refusals held back since', () => {
      const log = new RefusalLog();
      assert.equal(log.note('a', 0), 1);
      assert.equal(log.note('a', 10), 0);
      assert.equal(log.note('a', 20), 0);
      assert.equal(log.note('b', 20), 1, 'each address on its own');
      assert.equal(log.note('a', REFUSAL_LOG_INTERVAL_MS), 3);
    });
  });

  describe('RegistrationGate', () => {
    it('gives an address its burst, then a token per 60 / registrationsPerMinute s', () => {
      const clock = new ManualClock(0);
      const limits = { registrationBurst: 2, registrationsPerMinute: 2, maxUsers: 100 };
      const gate = new RegistrationGate(limits, clock, silentLogger);
      assert.equal(gate.admit('a', 0), null);
      assert.equal(gate.admit('a', 1), null);
      const refused = gate.admit('a', 2);
      assert.equal(refused?.code, 'E_TOO_MANY_REGISTRATIONS');
      assert.match(refused?.message ?? '', /try again in 30 s/);
      assert.equal(gate.admit('b', 2), null, 'another address');
      clock.advance(30_000);
      assert.equal(gate.admit('a', 3), null);
    });

    it('refuses everyone with E_RELAY_USERS_FULL at maxUsers', () => {
      const limits = { registrationBurst: 5, registrationsPerMinute: 5, maxUsers: 3 };
      const gate = new RegistrationGate(limits, new ManualClock(0), silentLogger);
      assert.equal(gate.admit('a', 3)?.code, 'E_RELAY_USERS_FULL');
      assert.equal(gate.admit('a', 2), null);
    });
  });
});
