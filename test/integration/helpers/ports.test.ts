/** The port picker of the tests that spawn processes (test/helpers/ports.ts). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { freeTcpPort, freeTcpPorts } from '../../helpers/ports.js';

const ephemeralStart = Number(
  readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
);

describe('test helpers: free loopback ports', () => {
  before(function () {
    // A machine whose ephemeral range starts near 10,000 gets the kernel's picks instead.
    if (ephemeralStart - 10_000 < 1000) this.skip();
  });

  it('picks distinct ports below the ephemeral range, where no outgoing connection takes them', async () => {
    const ports = [...(await freeTcpPorts(6)), await freeTcpPort()];
    assert.equal(new Set(ports).size, ports.length);
    for (const p of ports) {
      assert.ok(p >= 10_000 && p < ephemeralStart, `${p} outside [10000, ${ephemeralStart})`);
    }
  });

  it('passes over a port something already listens on', async () => {
    // The picker walks on from its last pick: the port after it is its next candidate.
    let [last] = await freeTcpPorts(1);
    while (last! + 2 >= ephemeralStart) [last] = await freeTcpPorts(1); // past the wrap-around
    const next = last! + 1;
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(next, '127.0.0.1', () => r()));
    try {
      const [pick] = await freeTcpPorts(1);
      assert.notEqual(pick, next);
      assert.equal(pick, next + 1);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });
});
