import assert from 'node:assert/strict';
import {
  DEFAULT_RELAY_PORT,
  formatRelayAddress,
  parseRelayAddress,
  relayAddresses,
  resolveRelayAddress,
  withAlternates,
} from '../../../src/peer/relay-address.js';
import { isNatterError } from '../../../src/util/errors.js';

describe('relay addresses: what to dial', () => {
  it('parses host:port, a bare host and bracketed IPv6, and rejects the rest', () => {
    assert.deepEqual(parseRelayAddress('10.0.0.5:4000'), { host: '10.0.0.5', port: 4000 });
    assert.deepEqual(parseRelayAddress('relay.lan'), {
      host: 'relay.lan',
      port: DEFAULT_RELAY_PORT,
    });
    assert.deepEqual(parseRelayAddress('[::1]:5'), { host: '::1', port: 5 });
    for (const bad of ['', ':80', 'h:0', 'h:65536', 'h:x', 'a:b:c', 'h o:1']) {
      assert.throws(
        () => parseRelayAddress(bad),
        (e) => isNatterError(e, 'E_BAD_RELAY_ADDRESS'),
        bad,
      );
    }
  });

  it('takes the relay from --relay, then NATTER_RELAY, then the config, then discovery', () => {
    const config = { relay: 'c:3', pinnedRelays: {} };
    const discovered = () => ({ host: 'd', port: 4 });
    const env = { NATTER_RELAY: 'e:2' };
    assert.equal(resolveRelayAddress({ explicit: 'x:1', env, config, discovered }).host, 'x');
    assert.equal(resolveRelayAddress({ env, config, discovered }).host, 'e');
    assert.equal(resolveRelayAddress({ env: {}, config, discovered }).host, 'c');
    assert.equal(resolveRelayAddress({ env: {}, discovered }).host, 'd');
    assert.throws(
      () => resolveRelayAddress({ env: {} }),
      (e) => isNatterError(e, 'E_NO_RELAY'),
    );
  });

  it('formats an address as it parses back, bracketing an IPv6 host', () => {
    assert.equal(formatRelayAddress({ host: '10.0.0.5', port: 4000 }), '10.0.0.5:4000');
    assert.equal(formatRelayAddress({ host: '::1', port: 5 }), '[::1]:5');
    for (const address of [
      { host: 'relay.lan', port: DEFAULT_RELAY_PORT },
      { host: 'fe80::1', port: 65535 },
    ]) {
      assert.deepEqual(parseRelayAddress(formatRelayAddress(address)), address);
    }
  });

  it('takes several relays of one cluster, comma-separated, dialled in the order given', () => {
    const address = parseRelayAddress('a.lan:1, [::1]:2,c.lan');
    assert.deepEqual(relayAddresses(address), [
      { host: 'a.lan', port: 1 },
      { host: '::1', port: 2 },
      { host: 'c.lan', port: DEFAULT_RELAY_PORT },
    ]);
    assert.equal(formatRelayAddress(address), `a.lan:1,[::1]:2,c.lan:${DEFAULT_RELAY_PORT}`);
    assert.deepEqual(parseRelayAddress(formatRelayAddress(address)), address);
    assert.throws(
      () => parseRelayAddress('a.lan:1,,b.lan:2'),
      (e) => isNatterError(e, 'E_BAD_RELAY_ADDRESS'),
    );
  });

  it('keeps the addresses heard after the chosen one as its alternates, not those refused before it', () => {
    const heard = [1, 2, 3].map((i) => ({ host: `10.0.0.${i}`, port: 47474 }));
    assert.deepEqual(withAlternates(heard[1]!, heard), { ...heard[1]!, also: [heard[2]!] });
    assert.deepEqual(withAlternates(heard[2]!, heard), heard[2]);
    assert.deepEqual(withAlternates(heard[0]!, heard).also, heard.slice(1));
  });
});
