/**
 * One process of the presence benchmark (presence.ts), so kill -9 is real:
 *
 *   presence-child.ts beacon PORT NAME                 a LAN-only client (a Beacon)
 *   presence-child.ts client PORT NAME DIR RELAY_PORT  a full client: LAN and relay
 *   presence-child.ts receiver PORT WINDOW_MS          a Beacon that reports its CPU
 *
 * Prints one JSON line when ready ({"ready":true,"userId":...}); the receiver
 * then waits for "go\n" on stdin, measures process.cpuUsage() for WINDOW_MS and
 * prints its figures and roster.
 */
import { saveIdentity } from '../../src/crypto/keyfile.js';
import { generateIdentity } from '../../src/crypto/keys.js';
import { NatterClient } from '../../src/peer/client.js';
import { ensureProfileDir, profilePaths, updateConfig } from '../../src/peer/profile.js';
import { Beacon } from '../../src/presence/beacon.js';
import { toHex } from '../../src/util/bytes.js';

const [mode, portText, arg3, arg4, arg5] = process.argv.slice(2);
const port = Number(portText);
const lan = { port, extraTargets: ['127.255.255.255'], broadcastInterfaces: false };
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

if (mode === 'beacon') {
  const identity = generateIdentity();
  const beacon = new Beacon({ ...lan, identity, pseudonym: arg3! });
  await beacon.start();
  say({ ready: true, userId: toHex(identity.signPk) });
} else if (mode === 'client') {
  const dir = arg4!;
  const identity = generateIdentity();
  await ensureProfileDir(dir);
  await saveIdentity(profilePaths(dir).identity, identity);
  await updateConfig(profilePaths(dir), (c) => {
    c.pseudonym = arg3!;
  });
  const client = await NatterClient.open({
    profileDir: dir,
    relay: { host: '127.0.0.1', port: Number(arg5) },
    presence: lan,
  });
  await client.connect({ timeoutMs: 10_000 });
  say({ ready: true, userId: client.me.userId });
} else if (mode === 'receiver') {
  const windowMs = Number(arg3);
  const beacon = new Beacon({ ...lan, identity: generateIdentity(), pseudonym: 'receiver' });
  await beacon.start();
  say({ ready: true });
  process.stdin.once('data', async () => {
    const before = beacon.list().map((i) => `${i.pseudonym}:${i.status}`);
    const start = process.cpuUsage();
    const startedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const used = process.cpuUsage(start);
    const elapsed = performance.now() - startedAt;
    const { filter, roster } = beacon.stats();
    say({
      cores: (used.user + used.system) / 1000 / elapsed,
      before,
      after: beacon.list().map((i) => `${i.pseudonym}:${i.status}`),
      conflicts: beacon.roster.conflicts().length,
      filter,
      roster,
    });
    await beacon.stop();
    process.exit(0);
  });
} else {
  throw new Error('usage: presence-child.ts beacon|client|receiver PORT ...');
}
