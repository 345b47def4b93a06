import assert from 'node:assert/strict';
import {
  directedBroadcasts,
  LOOPBACK_BROADCAST,
  listenScope,
  scopeReaches,
  specificIPv4,
} from '../../../src/presence/targets.js';
import { ipv4, LAPTOP, LAPTOP_BROADCASTS } from './interfaces.js';

describe('presence targets: where a beacon may go', () => {
  describe('directedBroadcasts', () => {
    it('gives one broadcast per non-internal IPv4 subnet, never loopback or a /32 link', () => {
      assert.deepEqual(directedBroadcasts(LAPTOP), LAPTOP_BROADCASTS);
      assert.ok(!directedBroadcasts(LAPTOP).includes(LOOPBACK_BROADCAST));
    });

    it('gives nothing for a /31 point-to-point link (RFC 3021) or an unparsable entry', () => {
      assert.deepEqual(
        directedBroadcasts({ p2p: [ipv4('10.1.1.0', '255.255.255.254'), ipv4('x', 'y')] }),
        [],
      );
    });
  });

  describe('listenScope', () => {
    it('announces on every interface and answers anyone for a wildcard listen address', () => {
      for (const host of ['0.0.0.0', '::', '', '0:0:0:0:0:0:0:0', '::ffff:0.0.0.0']) {
        const scope = listenScope(LAPTOP, host);
        assert.deepEqual(scope.targets, LAPTOP_BROADCASTS, host);
        assert.equal(scope.reaches, 'any', host);
        assert.equal(scope.problem, null, host);
        assert.ok(scopeReaches(scope, '203.0.113.9'));
      }
    });

    it('announces only on loopback for a loopback listen address, whatever the interfaces', () => {
      for (const host of ['127.0.0.1', '127.0.0.2', '127.1.2.3', '::ffff:127.0.0.1']) {
        for (const interfaces of [LAPTOP, {}]) {
          const scope = listenScope(interfaces, host);
          assert.deepEqual(scope.targets, [LOOPBACK_BROADCAST], host);
          assert.equal(scope.problem, null, host);
          assert.ok(scopeReaches(scope, '127.0.0.1'));
          assert.ok(scopeReaches(scope, '127.200.0.1'));
          assert.ok(!scopeReaches(scope, '192.168.1.20'), 'a LAN source is out of reach');
          assert.ok(!scopeReaches(scope, '10.0.7.21'));
        }
      }
    });

    it('announces only on the subnet of the interface that holds a specific address', () => {
      const scope = listenScope(LAPTOP, '192.168.1.5');
      assert.deepEqual(scope.targets, ['192.168.1.255']);
      assert.equal(scope.problem, null);
      assert.ok(scopeReaches(scope, '192.168.1.200'));
      assert.ok(!scopeReaches(scope, '192.168.2.1'));
      assert.ok(!scopeReaches(scope, '10.0.7.21'), 'another interface is out of reach');
      assert.ok(!scopeReaches(scope, '127.0.0.1'));
      assert.deepEqual(listenScope(LAPTOP, '10.0.7.20').targets, ['10.0.255.255']);
      assert.deepEqual(listenScope(LAPTOP, '::ffff:192.168.1.6').targets, ['192.168.1.255']);
    });

    it('announces on every interface holding the address when several do', () => {
      assert.deepEqual(listenScope(LAPTOP, '172.16.0.1').targets, [
        '172.16.255.255',
        '172.16.0.255',
      ]);
    });

    it('announces nowhere, with a problem to report, for an address no interface holds', () => {
      const scope = listenScope(LAPTOP, '192.168.1.7');
      assert.deepEqual(scope.targets, []);
      assert.match(scope.problem ?? '', /no interface holds/);
      assert.ok(!scopeReaches(scope, '192.168.1.20'));
      assert.ok(!scopeReaches(scope, '127.0.0.1'));
    });

    it('announces nowhere on a link with no broadcast address, but answers across it', () => {
      const scope = listenScope(LAPTOP, '10.8.0.2');
      assert.deepEqual(scope.targets, []);
      assert.match(scope.problem ?? '', /no broadcast address/);
      assert.ok(scopeReaches(scope, '10.8.0.2'));
      assert.ok(!scopeReaches(scope, '10.8.0.1'));
    });

    it('announces nowhere for an IPv6 address or a host name: beacons are IPv4 and name no host', () => {
      for (const host of ['::1', 'fe80::5', 'localhost', 'relay.example', '192.168.1']) {
        const scope = listenScope(LAPTOP, host);
        assert.deepEqual(scope.targets, [], host);
        assert.notEqual(scope.problem, null, host);
        assert.ok(!scopeReaches(scope, '127.0.0.1'), host);
      }
    });

    it('never answers a source that is not an IPv4 address', () => {
      assert.ok(!scopeReaches(listenScope(LAPTOP, '127.0.0.1'), '::1'));
      assert.ok(scopeReaches(listenScope(LAPTOP, '127.0.0.1'), '::ffff:127.0.0.1'));
    });
  });

  describe('specificIPv4', () => {
    it('names the IPv4 address a listener is bound to, and nothing for a wildcard or IPv6', () => {
      assert.equal(specificIPv4('127.0.0.1'), '127.0.0.1');
      assert.equal(specificIPv4('::ffff:192.168.1.5'), '192.168.1.5');
      assert.equal(specificIPv4(' 10.0.7.20 '), '10.0.7.20');
      for (const host of ['0.0.0.0', '::', '', '::1', 'localhost']) {
        assert.equal(specificIPv4(host), null, host);
      }
    });
  });
});
