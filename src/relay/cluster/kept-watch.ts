/**
 * A key-value bucket watched through a kept consumer (kept-consumer.ts) on the
 * bucket's stream (directory.ts, file-records.ts, group-cursors.ts), instead of
 * the client library's watch.
 *
 * The library's watch is an ordered push consumer. After its NATS node froze
 * it did not recover within 35 s of the relay's reconnection in the frozen-node
 * test, and it gives up for good after thirty failed attempts if it has not
 * received anything yet: a new-user trial's relay then kept refusing downloads of
 * files uploaded through another relay (E_FILE_UNKNOWN) after its NATS node came
 * back from a silent cut (issue 15). A kept consumer is made again, after the
 * last revision applied, within seconds of falling silent.
 *
 * Every bucket here keeps one value per key (history 1), so reading the stream
 * from its start gives each key's last value, as the library's watch would.
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { CLUSTER_SETUP_TIMEOUT_MS, type ClusterLink } from './connection.js';
import { KeptConsumer } from './kept-consumer.js';
import { retrying } from './retry.js';

/** What the relay reads of a bucket entry (the library's KvEntry has all of it too). */
export interface WatchedEntry {
  readonly key: string;
  readonly value: Uint8Array;
  readonly revision: number;
  readonly operation: 'PUT' | 'DEL' | 'PURGE';
  string(): string;
}

const decoder = new TextDecoder();

/** Entries pulled ahead at most. */
const WATCH_BUFFER = 512;

export interface KeptWatchOptions {
  link: ClusterLink;
  clock: Clock;
  log: Logger;
  /** The bucket's name (its stream is KV_<bucket>). */
  bucket: string;
  /** 'updates': only what is written from now on; 'all': every key's last value first. */
  from: 'updates' | 'all';
  ignoreDeletes?: boolean;
  apply: (entry: WatchedEntry) => void;
}

export class KeptWatch {
  /** The highest revision applied; the bucket's last one when an 'updates' watch began. */
  private revision = 0;
  private consumer: KeptConsumer | null = null;
  private stopped = false;

  constructor(private readonly o: KeptWatchOptions) {}

  /**
   * Starts watching; resolves once the consumer is made, or once it is being tried again
   * in the background (it starts after the revision above either way: nothing is skipped).
   */
  async start(): Promise<void> {
    const { link, clock, log, bucket } = this.o;
    const stream = `KV_${bucket}`;
    if (this.o.from === 'updates') {
      const info = await retrying(
        clock,
        () => link.jsm.streams.info(stream),
        CLUSTER_SETUP_TIMEOUT_MS,
      );
      this.revision = info.state.last_seq;
    }
    const prefix = `$KV.${bucket}.`;
    const consumer = new KeptConsumer({
      link,
      clock,
      log: log.child({ bucket }),
      stream,
      filter: `${prefix}>`,
      maxMessages: WATCH_BUFFER,
      position: () => this.revision,
      take: (m) => {
        if (this.stopped) return false;
        this.revision = m.seq;
        const entry = entryOf(m, prefix);
        if (entry.operation !== 'PUT' && this.o.ignoreDeletes) return true;
        this.o.apply(entry);
        return true;
      },
      makeBudgetMs: CLUSTER_SETUP_TIMEOUT_MS,
      // Never given up while the relay runs: a relay that stops watching serves stale state.
      failed: () => !this.stopped && !link.nc.isClosed(),
    });
    this.consumer = consumer;
    await consumer.start();
  }

  stop(): void {
    this.stopped = true;
    void this.consumer?.stop();
  }
}

function entryOf(m: JsMsg, prefix: string): WatchedEntry {
  const op = m.headers?.get('KV-Operation');
  const value = m.data;
  return {
    key: m.subject.slice(prefix.length),
    value,
    revision: m.seq,
    operation: op === 'DEL' || op === 'PURGE' ? op : 'PUT',
    string: () => decoder.decode(value),
  };
}
