/**
 * The stores a compliance suite opens, one restart after another: a relay
 * store on a temp dir (the previous one closed first: LevelDB holds a lock), or
 * links to a nats-server of the suite's own (helpers/nats.ts). `teardown`
 * closes what was opened.
 */
import { type ClusterLink, connectCluster } from '../../src/relay/cluster/connection.js';
import { RelayStore } from '../../src/relay/store/index.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { type NatsNode, startNats } from './nats.js';
import { makeTempDir } from './tmp.js';

export function relayStores() {
  const opened: RelayStore[] = [];
  let dir: string | null = null;
  return {
    /** The relay store on the same data dir as before, reopened. */
    async open(): Promise<RelayStore> {
      dir ??= await makeTempDir('natter-store-');
      for (const s of opened.splice(0)) await s.close();
      const store = await RelayStore.open({
        dataDir: dir,
        minFreeDiskBytes: 0,
        clock: systemClock,
        log: silentLogger,
      });
      opened.push(store);
      return store;
    },
    async teardown(): Promise<void> {
      for (const s of opened.splice(0)) await s.close();
    },
  };
}

export function clusterLinks() {
  let nats: NatsNode | null = null;
  const links: ClusterLink[] = [];
  const closers: (() => void)[] = [];
  return {
    /** Another link to the same nats-server (a restart, or another relay). */
    async open(): Promise<ClusterLink> {
      nats ??= await startNats();
      const link = await connectCluster({ servers: [nats.url] }, silentLogger);
      links.push(link);
      return link;
    },
    /** Runs `close` at teardown, before the links close. */
    onTeardown(close: () => void): void {
      closers.push(close);
    },
    async teardown(): Promise<void> {
      for (const c of closers.splice(0)) c();
      for (const l of links.splice(0)) await l.close();
      await nats?.stop();
      nats = null;
    },
  };
}
