/**
 * One natter client of the files benchmark (files.ts), in its own process so its peak
 * RSS is its own, run as compiled: tsc's output in build/, without the TypeScript loader
 * (relay-child.mjs says why). Presence off; the relay is 127.0.0.1:PORT.
 *
 *   node files-peer.mjs send PROFILE PORT TO PATH
 *       connects, prints {"ready"}; on a line on stdin sends PATH to TO and prints
 *       {"offered"} when sendFile returns and {"uploaded"} once every chunk is acked
 *   node files-peer.mjs receive PROFILE PORT DIR
 *       accepts the first offer into DIR as soon as it is shown, prints {"accepted"},
 *       then {"received"} once it is verified and saved; prints {"ready"} when connected
 *
 * Times are epoch milliseconds with sub-millisecond precision (performance.timeOrigin +
 * now()), comparable across the processes of one machine. Every child ends with
 * {"peakMb", "cpuS"}: VmHWM from /proc/self/status, read after its client closed, and
 * the CPU seconds (user + system) it used in all.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileCipherName } from '../../build/crypto/file-cipher.js';
import { NatterClient } from '../../build/peer/index.js';

const [role, profileDir, portArg, target, path] = process.argv.slice(2);
if ((role !== 'send' && role !== 'receive') || !profileDir || !portArg || !target) {
  console.error('usage: files-peer.mjs send PROFILE PORT TO PATH | receive PROFILE PORT DIR');
  process.exit(2);
}

const say = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const now = () => performance.timeOrigin + performance.now();
const peakMb = () =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

function fail(step, err) {
  say({ error: `${step}: ${err?.code ?? ''} ${err?.message ?? String(err)}` });
  process.exit(1);
}

const client = await NatterClient.open({
  profileDir,
  relay: { host: '127.0.0.1', port: Number(portArg) },
  presence: false,
}).catch((err) => fail('open', err));

async function finish() {
  await client.close();
  const { user, system } = process.cpuUsage();
  say({ peakMb: peakMb(), cpuS: (user + system) / 1e6 });
  process.exit(0);
}

if (role === 'send') {
  await client.connect({ timeoutMs: 60_000 }).catch((err) => fail('connect', err));
  say({ ready: true, cipher: fileCipherName() });
  const lines = createInterface({ input: process.stdin });
  await new Promise((resolve) => lines.once('line', resolve));
  const t0 = now();
  say({ started: t0 });
  try {
    const info = await client.sendFile({ to: target }, [path]);
    say({ offered: now(), id: info.id });
    const done = await client.waitForTransfer(info.id);
    if (done.state !== 'done') throw new Error(`upload ended ${done.state}: ${done.error?.code}`);
    say({ uploaded: now(), id: info.id });
  } catch (err) {
    fail('send', err);
  }
  await finish();
} else {
  const dir = target;
  let accepted = false;
  const received = new Promise((resolve) => {
    client.on('file:received', (offer) => resolve(offer));
  });
  client.on('transfer:finished', (t) => {
    if (t.direction === 'download' && t.state !== 'done') {
      fail('download', new Error(`${t.state}: ${t.error?.code} ${t.error?.message}`));
    }
  });
  client.on('file:offer', (offer) => {
    if (accepted || offer.state !== 'offered') return;
    accepted = true;
    say({ accepted: now(), id: offer.id, size: offer.size });
    client.acceptFile(offer.id, { dir }).catch((err) => fail('accept', err));
  });
  const t0 = now();
  await client.connect({ timeoutMs: 60_000 }).catch((err) => fail('connect', err));
  say({ ready: true, connectMs: now() - t0, cipher: fileCipherName() });
  const offer = await received;
  say({ received: now(), savedAs: offer.savedAs, id: offer.id });
  await finish();
}
