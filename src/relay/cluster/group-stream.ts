/**
 * The groups' stream of a cluster (cluster/groups.ts): its configuration, its
 * subjects, and reading one item back. One stream holds every group: a
 * group's changes on `natter.1.group.<gid>.log`, its messages on `.msg`, and
 * the stream's sequence is the group's gseq (increasing within a group, with
 * gaps, as on one relay after a restart). An item is stored as the
 * GroupDeliver frame with gseq 0, the gseq set when it is read back.
 */
import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { Clock } from '../../util/clock.js';
import { decodeFrame, encodeFrame } from '../../wire/codec.js';
import { frame } from '../../wire/framing.js';
import { MAX_FRAME_BYTES } from '../../wire/limits.js';
import type { FrameOf } from '../../wire/types.js';
import type { GroupItemOut } from '../groups/index.js';
import {
  CLUSTER_SETUP_TIMEOUT_MS,
  type ClusterLink,
  GROUP_CURSORS_BUCKET,
  GROUP_STREAM,
  GROUP_SUBJECT_PREFIX,
} from './connection.js';
import { retrying } from './retry.js';
import { ensureStream } from './streams.js';

const GID_HEX_CHARS = 32;

export function logSubject(gidHex: string): string {
  return `${GROUP_SUBJECT_PREFIX}${gidHex}.log`;
}

export function msgSubject(gidHex: string): string {
  return `${GROUP_SUBJECT_PREFIX}${gidHex}.msg`;
}

/** Both subjects of a group (a wildcard STREAM.MSG.GET and consumers take). */
export function groupSubjects(gidHex: string): string {
  return `${GROUP_SUBJECT_PREFIX}${gidHex}.*`;
}

/** The group and kind a stored subject names, or null for anything else. */
export function parseGroupSubject(subject: string): { gidHex: string; kind: 'log' | 'msg' } | null {
  if (!subject.startsWith(GROUP_SUBJECT_PREFIX)) return null;
  const rest = subject.slice(GROUP_SUBJECT_PREFIX.length);
  const gidHex = rest.slice(0, GID_HEX_CHARS);
  const kind = rest.slice(GID_HEX_CHARS);
  if (!/^[0-9a-f]{32}$/.test(gidHex)) return null;
  if (kind === '.log') return { gidHex, kind: 'log' };
  if (kind === '.msg') return { gidHex, kind: 'msg' };
  return null;
}

/** The stream and the cursors' bucket, made or brought up to date; retried while JetStream elects. */
export async function ensureGroupStream(link: ClusterLink, clock: Clock): Promise<void> {
  const config = {
    name: GROUP_STREAM,
    subjects: [`${GROUP_SUBJECT_PREFIX}*.*`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    num_replicas: link.replicas,
    // No age limit: a group's log must outlive its messages. Messages leave by deletes
    // (every member past them, or the mail TTL: cluster/groups.ts sweep).
    max_msg_size: MAX_FRAME_BYTES,
  };
  await ensureStream(link, clock, config);
}

/** The cursors' bucket, made or opened. */
export function openCursorBucket(link: ClusterLink, clock: Clock) {
  const kvm = new Kvm(link.nc);
  return retrying(
    clock,
    () => kvm.create(GROUP_CURSORS_BUCKET, { replicas: link.replicas, history: 1 }),
    CLUSTER_SETUP_TIMEOUT_MS,
  );
}

/** A stored item as published: the GroupDeliver frame, gseq 0. */
export function storedItem(f: Omit<FrameOf<'group-deliver'>, 'type' | 'gseq'>): Uint8Array {
  return encodeFrame({ type: 'group-deliver', ...f, gseq: 0 });
}

/** A stored item decoded, or null if it is not one (only relays publish here). */
export function decodeStoredItem(data: Uint8Array): FrameOf<'group-deliver'> | null {
  try {
    const f = decodeFrame(data);
    return f.type === 'group-deliver' ? f : null;
  } catch {
    return null;
  }
}

/** The item as sessions receive it, its gseq the stream's sequence. */
export function itemOut(
  gidHex: string,
  seq: number,
  stored: FrameOf<'group-deliver'>,
): GroupItemOut {
  return { gidHex, gseq: seq, framed: frame(encodeFrame({ ...stored, gseq: seq })) };
}
