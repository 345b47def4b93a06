/**
 * Real clients on a cluster of two relays (issue 15): a client given both
 * addresses talks to a user on the other relay, and when its relay goes away
 * it continues through the other by itself, its outbox delivered, nothing twice.
 */
import assert from 'node:assert/strict';
import type { NatterClient } from '../../../src/peer/client.js';
import type { ReceivedMessage } from '../../../src/peer/events.js';
import { nextEvent } from '../../helpers/events.js';
import { type NatsNode, natsServerPath, startNats } from '../../helpers/nats.js';
import { makeClient } from '../../helpers/profile.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';

function collect(client: NatterClient): ReceivedMessage[] {
  const out: ReceivedMessage[] = [];
  client.on('message:received', (m) => out.push(m));
  return out;
}

async function until(test: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

(natsServerPath ? describe : describe.skip)(
  'clients on a cluster of relays (integration)',
  function () {
    this.timeout(40_000);
    let nats: NatsNode;
    let a: TestRelay;
    let b: TestRelay;
    const clients: NatterClient[] = [];
    const fast = { reconnect: { baseMs: 20, maxMs: 100 } };

    const client = async (name: string, first: TestRelay, second: TestRelay) => {
      const c = await makeClient(
        name,
        { host: first.host, port: first.port, also: [{ host: second.host, port: second.port }] },
        fast,
      );
      clients.push(c);
      return c;
    };

    beforeEach(async () => {
      nats = await startNats();
      const cluster = { servers: [nats.url] };
      a = await startTestRelay({ cluster });
      b = await startTestRelay({ cluster });
    });

    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await a.close();
      await b.close();
      await nats.stop();
      await removeTempDirs();
    });

    it('chats across relays, and moves to the other relay when its own goes away', async () => {
      const alice = await client('alice', a, b);
      const bob = await client('bob', b, a);
      await Promise.all([alice.connect(), bob.connect()]);
      const atBob = collect(bob);
      const delivered = nextEvent(alice, 'message:status', (e) => e.state === 'delivered');
      await alice.send('bob', 'across relays');
      await delivered;
      await until(() => atBob.length === 1, 'the first message');

      await a.close();
      // Sent while alice has no relay: kept in her outbox, sent once she is on b.
      const ids = [
        await alice.send('bob', 'after a went away 1'),
        await alice.send('bob', 'after a went away 2'),
      ];
      await until(() => atBob.length === 3, 'the messages sent while moving');
      assert.deepEqual(
        atBob.map((m) => m.text),
        ['across relays', 'after a went away 1', 'after a went away 2'],
      );
      assert.deepEqual(
        atBob.slice(1).map((m) => m.msgId),
        ids,
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(atBob.length, 3, 'nothing delivered twice');
    });
  },
);
