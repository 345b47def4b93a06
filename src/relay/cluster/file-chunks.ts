/**
 * File chunks in a cluster of relays (issue 15, docs/files.md "In a cluster"): the stream
 * NATTER_FILES_1, one subject per chunk, `natter.1.file.<transfer id hex>.<index>`, with at
 * most one message a subject, so a chunk sent again (a resume, a relay that died before
 * its ack) replaces its copy instead of being stored twice, and a reader asks for exactly
 * the chunk it wants (last by subject) with no index to keep. Chunks are sealed by the
 * sender with the index in the nonce, so a copy sent again is the same bytes. A chunk is
 * acked to the uploader only after JetStream acked its publish; the stream's max_age is
 * the file TTL, and a transfer's chunks go with one purge of its subjects.
 */
import {
  DeliverPolicy,
  DiscardPolicy,
  type MsgRequest,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Clock } from '../../util/clock.js';
import { MAX_FILE_CHUNK_DATA_BYTES } from '../../wire/limits.js';
import type { Transfer } from '../files/transfer.js';
import type { RelayLimits } from '../limits.js';
import { type ClusterLink, FILE_SUBJECT_PREFIX, FILES_STREAM } from './connection.js';
import { Publisher } from './publisher.js';

/** Seqs listed per fetch when a transfer's chunks are deleted, and how long a fetch may wait. */
const LIST_BATCH = 1024;
const LIST_EXPIRES_MS = 2_000;

import { retrying } from './retry.js';
import { ensureStream } from './streams.js';

/** JetStream refusals that mean it has no room (nats-server's errors.json). */
const NO_ROOM_CODES = new Set([10047, 10039]);
/**
 * Headers a chunk's message carries besides its bytes (`Nats-Msg-Id` and the framing of
 * the header block, under 100 bytes): max_msg_size counts them too, and the largest
 * chunk was refused as too large without this allowance.
 */
const CHUNK_HEADER_BYTES = 1024;
/**
 * JetStream's duplicate window by default: a publish tried again within it is stored
 * once. It may not exceed max_age, so a shorter file TTL (tests) shortens it.
 */
const DUPLICATE_WINDOW_MS = 120_000;

export function chunkSubject(tidHex: string, index: number): string {
  return `${FILE_SUBJECT_PREFIX}${tidHex}.${index}`;
}

/** The stream's configuration, made or brought up to date at every start. */
export async function ensureFileStream(
  link: ClusterLink,
  limits: RelayLimits,
  clock: Clock,
): Promise<void> {
  const config = {
    name: FILES_STREAM,
    subjects: [`${FILE_SUBJECT_PREFIX}*.*`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    num_replicas: link.replicas,
    // One copy of each chunk: the last one sent (the same bytes as any before it).
    max_msgs_per_subject: 1,
    discard: DiscardPolicy.Old,
    max_age: nanos(limits.fileTtlMs),
    duplicate_window: nanos(Math.min(DUPLICATE_WINDOW_MS, limits.fileTtlMs)),
    max_msg_size: MAX_FILE_CHUNK_DATA_BYTES + CHUNK_HEADER_BYTES,
    // Chunks are read with direct gets: the bytes as they are, not base64 in JSON.
    allow_direct: true,
  };
  await ensureStream(link, clock, config);
}

/** A coded failure retry.ts takes as final (E_ codes are answers, not hiccups). */
const failure = (code: string, message: string, cause?: unknown): Error =>
  Object.assign(new Error(message, cause === undefined ? {} : { cause }), { code });

export class ClusterChunks {
  private readonly publisher: Publisher;

  constructor(
    private readonly link: ClusterLink,
    private readonly clock: Clock,
  ) {
    this.publisher = new Publisher(link.nc, clock);
  }

  /**
   * Publishes chunks `first`, … of `t`, all at once, and resolves once JetStream acked
   * every one. Each carries `Nats-Msg-Id: <transfer>.<index>`: a publish tried again
   * after a lost ack is not stored twice.
   */
  async write(t: Transfer, first: number, parts: readonly Uint8Array[]): Promise<void> {
    try {
      await Promise.all(
        parts.map((data, i) => {
          const index = first + i;
          return retrying(this.clock, () =>
            this.publisher.publish(chunkSubject(t.tidHex, index), data, `${t.tidHex}.${index}`),
          );
        }),
      );
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'number' && NO_ROOM_CODES.has(code)) {
        throw failure('ENOSPC', 'file: JetStream has no room for the chunk', err);
      }
      throw err;
    }
  }

  /**
   * Reads chunks `from`, … of `t` into `targets`, all at once. A direct get answers with
   * the bytes as they are (the leader's STREAM.MSG.GET sends them as base64 in JSON:
   * 33 against 76 MB/s for a 64 MiB file through two relays in one process), but any
   * replica may answer it, and one may not have a chunk the uploader was already acked
   * for: a chunk it lacks is asked of the leader. Every copy of a chunk is the same
   * bytes, so a replica that has it is as good as the leader.
   */
  async readInto(t: Transfer, from: number, targets: readonly Uint8Array[]): Promise<void> {
    const { jsm } = this.link;
    await Promise.all(
      targets.map(async (target, i) => {
        const query = { last_by_subj: chunkSubject(t.tidHex, from + i) } as MsgRequest;
        let data = (await retrying(this.clock, () => jsm.direct.getMessage(FILES_STREAM, query)))
          ?.data;
        data ??= (await retrying(this.clock, () => jsm.streams.getMessage(FILES_STREAM, query)))
          ?.data;
        if (data === undefined) {
          throw failure('E_FILE_STORE', `file: chunk ${from + i} is not stored`);
        }
        if (data.length !== target.length) {
          throw failure('E_FILE_STORE', `file: chunk ${from + i} has the wrong length`);
        }
        target.set(data);
      }),
    );
  }

  /**
   * Deletes every chunk of a transfer, one message at a time: their seqs are listed by a
   * consumer that reads headers only (no chunk's bytes cross the network to delete it).
   * Not a purge of the transfer's subjects: nats-server 2.9 replays a purge limited to
   * subjects as a purge of the whole stream when a node recovers, which would take every
   * other transfer's chunks with it (docs/decisions.md "No purges").
   */
  async deleteAll(tidHex: string): Promise<void> {
    const { link, clock } = this;
    const consumer = await retrying(clock, () =>
      link.js.consumers.get(FILES_STREAM, {
        filter_subjects: `${FILE_SUBJECT_PREFIX}${tidHex}.*`,
        deliver_policy: DeliverPolicy.All,
        headers_only: true,
      }),
    );
    const seqs: number[] = [];
    for (;;) {
      const batch = await consumer.fetch({ max_messages: LIST_BATCH, expires: LIST_EXPIRES_MS });
      let last: { seq: number; pending: number } | null = null;
      for await (const m of batch) {
        seqs.push(m.seq);
        last = { seq: m.seq, pending: m.info.pending };
      }
      if (last === null || last.pending === 0) break;
    }
    await Promise.all(
      seqs.map((seq) => retrying(clock, () => this.publisher.deleteMessage(FILES_STREAM, seq))),
    );
  }

  close(): void {
    this.publisher.close();
  }
}
