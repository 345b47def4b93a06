/**
 * File transfer records in a cluster of relays (issue 15, docs/files.md "In a cluster"):
 * the key-value bucket natter_files_1 (keys in file-keys.ts) and users' FilePolicy in
 * natter_file_policies_1. The records bucket's TTL is the file TTL; the relays' sweep
 * deletes a transfer at the same age. Every relay watches both buckets and reports what
 * others change (FileChanges), so its memory (quota per uploader, lookups for FileGet,
 * the downloads parked at the upload front) follows the cluster's.
 */
import { type KV, Kvm } from '@nats-io/kv';
import { utf8 } from '../../util/bytes.js';
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { encodeRecord, type RecipientState, type TransferRecord } from '../files/records.js';
import type { FileChanges, StoredTransfer } from '../files/storage.js';
import type { RelayLimits } from '../limits.js';
import type { StoreRefusal } from '../store/index.js';
import {
  CLUSTER_SETUP_TIMEOUT_MS,
  type ClusterLink,
  FILE_POLICIES_BUCKET,
  FILES_BUCKET,
} from './connection.js';
import { REFUSED_CLUSTER } from './directory.js';
import {
  collect,
  doneKey,
  type FileEntry,
  haveKey,
  parseEntry,
  parsePolicy,
  recordKey,
  stateOf,
} from './file-keys.js';
import { KeptWatch, type WatchedEntry } from './kept-watch.js';
import { readAllEntries } from './kv-read.js';
import { retrying } from './retry.js';

/** A compare-and-set of `have` lost to another relay is tried again at once this often. */
const HAVE_CAS_TRIES = 4;
/** JetStream's answer to a compare-and-set on a key that moved (nats-server's errors.json). */
const JS_WRONG_LAST_SEQUENCE = 10071;

const isWrongSequence = (err: unknown) =>
  (err as { code?: unknown } | null)?.code === JS_WRONG_LAST_SEQUENCE;

export interface ClusterFileRecordsOptions {
  limits: RelayLimits;
  clock: Clock;
  log: Logger;
}

export class ClusterFileRecords {
  private records: KV | null = null;
  private policies: KV | null = null;
  private readonly watches: { stop(): void }[] = [];
  /** The last `have` seen of each transfer and its revision, for the next compare-and-set. */
  private readonly haves = new Map<string, { have: number; revision: number }>();
  /** Transfers the watch saw deleted while open() read the bucket: left out of what it read. */
  private gone: Set<string> | null = null;

  constructor(
    private readonly link: ClusterLink,
    private readonly options: ClusterFileRecordsOptions,
  ) {}

  /** Makes or opens the buckets, follows them, and reads what they hold. */
  async open(
    changes: FileChanges,
  ): Promise<{ stored: StoredTransfer[]; policies: Map<string, number> }> {
    const { clock, limits } = this.options;
    const kvm = new Kvm(this.link.nc);
    const replicas = this.link.replicas;
    const [records, policies] = await retrying(
      clock,
      () =>
        Promise.all([
          kvm.create(FILES_BUCKET, { replicas, history: 1, ttl: limits.fileTtlMs }),
          kvm.create(FILE_POLICIES_BUCKET, { replicas, history: 1 }),
        ]),
      CLUSTER_SETUP_TIMEOUT_MS,
    );
    this.records = records;
    this.policies = policies;
    // The watches first, so a change made while the rest is read is not missed.
    this.gone = new Set();
    await this.follow(FILES_BUCKET, (e) => this.apply(parseEntry(e), changes));
    await this.follow(FILE_POLICIES_BUCKET, (e) => {
      const p = parsePolicy(e);
      if (p) changes.policy(p.userHex, p.maxIncomingBytes);
    });
    const entries = await readAllEntries(this.options.clock, records);
    for (const e of entries) {
      const p = parseEntry(e);
      if (p?.kind === 'have') this.noteHave(p);
    }
    const policyMap = new Map<string, number>();
    for (const e of await readAllEntries(this.options.clock, policies)) {
      const p = parsePolicy(e);
      if (p && p.maxIncomingBytes > 0) policyMap.set(p.userHex, p.maxIncomingBytes);
    }
    const gone = this.gone;
    this.gone = null;
    const stored = collect(entries).filter((t) => !gone.has(t.record.tidHex));
    return { stored, policies: policyMap };
  }

  close(): void {
    for (const w of this.watches.splice(0)) w.stop();
  }

  /** The transfer as stored now, or null. */
  async fetch(tidHex: string): Promise<StoredTransfer | null> {
    const kv = this.bucket();
    const e = await retrying(this.options.clock, () => kv.get(recordKey(tidHex)));
    const parsed = e ? parseEntry(e) : null;
    const record = parsed?.kind === 'record' ? parsed.record : null;
    if (!record) return null;
    const [have, ...dones] = await retrying(this.options.clock, () =>
      Promise.all([
        kv.get(haveKey(tidHex)),
        ...record.recipients.map((r) => kv.get(doneKey(tidHex, r))),
      ]),
    );
    const done = new Map<string, RecipientState>();
    for (const [i, d] of dones.entries()) {
      const state = d?.operation === 'PUT' ? stateOf(d) : null;
      if (state) done.set(record.recipients[i]!, state);
    }
    const h = have ? parseEntry(have) : null;
    if (h?.kind === 'have') this.noteHave(h);
    return { record, have: h?.kind === 'have' ? h.have : 0, done };
  }

  /** The record, by `create`: 'exists' if another put took the id first. */
  async create(record: TransferRecord): Promise<StoreRefusal | 'exists' | null> {
    const kv = this.bucket();
    const key = recordKey(record.tidHex);
    const value = encodeRecord(record);
    try {
      return await retrying(this.options.clock, async () => {
        try {
          await kv.create(key, value);
          return null;
        } catch (err) {
          if (!isWrongSequence(err)) throw err;
          // Ours, stored by an earlier try whose answer was lost, or another put's.
          const e = await kv.get(key);
          return e?.operation === 'PUT' && Buffer.from(e.value).equals(value) ? null : 'exists';
        }
      });
    } catch (err) {
      this.options.log.warn('file record not stored', describeError(err));
      return REFUSED_CLUSTER;
    }
  }

  /** Raises `have` to `have` (never lowers it: a relay that lost the upload may write late). */
  async raiseHave(tidHex: string, have: number): Promise<StoreRefusal | null> {
    const kv = this.bucket();
    const key = haveKey(tidHex);
    const value = utf8(String(have));
    try {
      await retrying(this.options.clock, async () => {
        for (let i = 0; ; i++) {
          const known = this.haves.get(tidHex);
          if (known && known.have >= have) return;
          try {
            const revision = known
              ? await kv.update(key, value, known.revision)
              : await kv.create(key, value);
            this.haves.set(tidHex, { have, revision });
            return;
          } catch (err) {
            if (!isWrongSequence(err) || i + 1 >= HAVE_CAS_TRIES) throw err;
            const e = await kv.get(key);
            const p = e ? parseEntry(e) : null;
            if (p?.kind === 'have') this.noteHave(p);
            else this.haves.delete(tidHex);
          }
        }
      });
      return null;
    } catch (err) {
      this.options.log.warn('file have not stored', describeError(err));
      return REFUSED_CLUSTER;
    }
  }

  async settle(
    tidHex: string,
    userHex: string,
    state: RecipientState,
  ): Promise<StoreRefusal | null> {
    const kv = this.bucket();
    try {
      await retrying(this.options.clock, () => kv.put(doneKey(tidHex, userHex), state));
      return null;
    } catch (err) {
      this.options.log.warn('file outcome not stored', describeError(err));
      return REFUSED_CLUSTER;
    }
  }

  async setPolicy(userHex: string, maxIncomingBytes: number): Promise<StoreRefusal | null> {
    const kv = this.policies;
    if (!kv) return REFUSED_CLUSTER;
    try {
      await retrying(this.options.clock, () =>
        maxIncomingBytes === 0
          ? kv.delete(userHex)
          : kv.put(userHex, String(maxIncomingBytes)).then(() => {}),
      );
      return null;
    } catch (err) {
      this.options.log.warn('file policy not stored', describeError(err));
      return REFUSED_CLUSTER;
    }
  }

  /**
   * Deletes every key of a transfer, the record first (other relays stop serving it).
   * False when another relay deleted the record first: it deletes the chunks, so no two
   * relays delete the same messages at once (which nats-server 2.9 does not take well).
   */
  async remove(record: TransferRecord): Promise<boolean> {
    const kv = this.bucket();
    const { tidHex } = record;
    const won = await retrying(this.options.clock, async () => {
      const e = await kv.get(recordKey(tidHex));
      if (e === null || e.operation !== 'PUT') return false;
      return kv.delete(recordKey(tidHex), { previousSeq: e.revision }).then(
        () => true,
        (err: unknown) => {
          // Deleted (or changed) meanwhile by another relay: that one deletes the chunks.
          if (isWrongSequence(err)) return false;
          throw err;
        },
      );
    });
    this.haves.delete(tidHex);
    if (!won) return false;
    await retrying(this.options.clock, () =>
      Promise.all([
        kv.delete(haveKey(tidHex)),
        ...record.recipients.map((r) => kv.delete(doneKey(tidHex, r))),
      ]),
    );
    return true;
  }

  private bucket(): KV {
    if (!this.records)
      throw Object.assign(new Error('file records: not open'), { code: 'E_FILE_STORE' });
    return this.records;
  }

  private async follow(bucket: string, apply: (e: WatchedEntry) => void): Promise<void> {
    const { clock, log } = this.options;
    const watch = new KeptWatch({ link: this.link, clock, log, bucket, from: 'updates', apply });
    this.watches.push(watch);
    await watch.start();
  }

  private noteHave(p: { tidHex: string; have: number; revision: number }): void {
    const known = this.haves.get(p.tidHex);
    if (!known || known.revision < p.revision) {
      this.haves.set(p.tidHex, { have: p.have, revision: p.revision });
    }
  }

  /** A change another relay (or this one) made to the records bucket. */
  private apply(p: FileEntry | null, changes: FileChanges): void {
    if (p?.kind === 'record') {
      if (p.record) changes.added({ record: p.record, have: 0, done: new Map() });
      else {
        this.haves.delete(p.tidHex);
        this.gone?.add(p.tidHex);
        changes.removed(p.tidHex);
      }
    } else if (p?.kind === 'have') {
      this.noteHave(p);
      changes.advanced(p.tidHex, p.have);
    } else if (p?.kind === 'done') changes.settled(p.tidHex, p.userHex, p.state);
  }
}
