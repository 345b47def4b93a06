/**
 * The control socket's file requests (issue 12), for `natter files`, `transfers`,
 * `accept`, `decline` and `send-file` beside a running client (natter chat holds the
 * profile): the running client lists, accepts, declines and sends, and streams one
 * transfer's progress to the command that waits for it (`transfer.watch`). Registered
 * in the table of control-ops.ts; the commands' side is commands/file-control.ts.
 */
import { isAbsolute } from 'node:path';
import type {
  FileSettingsChange,
  FileSettingsView,
  FileTarget,
  NatterClient,
  OfferInfo,
  TransferInfo,
} from '../peer/index.js';
import { describeError } from '../util/errors.js';
import { runningLinkUp } from './connect.js';
import {
  badRequest as bad,
  type HandlerTable,
  type NoFields,
  optionalMs,
  textField as text,
} from './control-fields.js';
import { offerFiles } from './file-wait.js';

/** What the running client must offer for these requests. */
export type FileControlTarget = Pick<
  NatterClient,
  | 'fileOffers'
  | 'transfers'
  | 'acceptFile'
  | 'declineFile'
  | 'sendFile'
  | 'groups'
  | 'waitForTransfer'
  | 'fileSettings'
  | 'setFileSettings'
  | 'on'
  | 'connect'
>;

/** Each file request kind: its fields and its answer's (merged into ControlOps). */
export interface FileControlOps {
  'files.list': { request: NoFields; answer: { offers: OfferInfo[] } };
  'transfers.list': { request: NoFields; answer: { transfers: TransferInfo[] } };
  'files.accept': { request: { ref: string; dir?: string }; answer: { transfer: TransferInfo } };
  'files.decline': { request: { ref: string }; answer: { offer: OfferInfo | null } };
  /** `waitMs` (and `failFastMs`): how long the command would wait for the relay alone. */
  'files.send': {
    request: {
      target: FileTarget;
      paths: string[];
      chunkBytes?: number;
      waitMs?: number;
      failFastMs?: number;
    };
    answer: { transfer: TransferInfo };
  };
  /** `natter config` for download-dir, auto-accept, max-incoming: the change, then the settings. */
  'files.settings': {
    request: { change?: FileSettingsChange };
    answer: { settings: FileSettingsView };
  };
  /**
   * The transfer as it is now, then {"event":"transfer:progress"|"transfer:finished",
   * "transfer":{...}} lines, or one {"event":"transfer:error","code","message"}.
   */
  'transfer.watch': { request: { id: string }; answer: { transfer: TransferInfo | null } };
}

/** A watched transfer's lines after the answer. */
export type TransferEvent =
  | { event: 'transfer:progress' | 'transfer:finished'; transfer: TransferInfo }
  | { event: 'transfer:error'; code: string; message: string };

/** Paths in one send-file request: a shell's glob, not a backup. */
export const MAX_CONTROL_FILE_PATHS = 10_000;

function fileTarget(raw: unknown): FileTarget {
  const t = (raw ?? {}) as Record<string, unknown>;
  if (typeof t.to === 'string') return { to: t.to };
  if (typeof t.group === 'string') return { group: t.group };
  throw bad('target: {to} or {group}');
}

function absolutePaths(raw: unknown): string[] {
  if (
    !Array.isArray(raw) ||
    raw.length === 0 ||
    raw.length > MAX_CONTROL_FILE_PATHS ||
    !raw.every((p) => typeof p === 'string' && isAbsolute(p))
  )
    throw bad(`paths: 1 to ${MAX_CONTROL_FILE_PATHS} absolute paths`);
  return raw as string[];
}

export const FILE_OPS: HandlerTable<FileControlOps, FileControlTarget> = {
  'files.list': { parse: () => ({}), run: async (t) => ({ offers: t.fileOffers() }) },
  'transfers.list': { parse: () => ({}), run: async (t) => ({ transfers: t.transfers() }) },
  'files.accept': {
    parse(raw) {
      const dir = raw.dir === undefined ? undefined : text(raw, 'dir');
      if (dir !== undefined && !isAbsolute(dir)) throw bad('dir: an absolute path');
      return { ref: text(raw, 'ref'), ...(dir === undefined ? {} : { dir }) };
    },
    run: async (t, r) => ({
      transfer: await acceptOrResume(t, r.ref, r.dir === undefined ? {} : { dir: r.dir }),
    }),
  },
  'files.decline': {
    parse: (raw) => ({ ref: text(raw, 'ref') }),
    async run(t, r) {
      const offer = findOffer(t.fileOffers(), r.ref) ?? null;
      await t.declineFile(r.ref);
      return { offer };
    },
  },
  'files.send': {
    parse(raw) {
      const chunk = raw.chunkBytes;
      if (chunk !== undefined && (typeof chunk !== 'number' || !Number.isSafeInteger(chunk)))
        throw bad('chunkBytes: a number of bytes');
      return {
        target: fileTarget(raw.target),
        paths: absolutePaths(raw.paths),
        ...(chunk === undefined ? {} : { chunkBytes: chunk as number }),
        ...optionalMs(raw, 'waitMs'),
        ...optionalMs(raw, 'failFastMs'),
      };
    },
    async run(t, r) {
      if (r.waitMs !== undefined) await runningLinkUp(t, r.waitMs, r.failFastMs);
      const chunk = r.chunkBytes === undefined ? {} : { chunkBytes: r.chunkBytes };
      return { transfer: await offerFiles(t, r.target, r.paths, chunk) };
    },
  },
  'files.settings': {
    parse(raw) {
      if (raw.change === undefined) return {};
      const c = (raw.change ?? {}) as Record<string, unknown>;
      const change: FileSettingsChange = {};
      if (c.downloadDir !== undefined) {
        if (
          c.downloadDir !== null &&
          (typeof c.downloadDir !== 'string' || !isAbsolute(c.downloadDir))
        )
          throw bad('change.downloadDir: an absolute path or null');
        change.downloadDir = c.downloadDir;
      }
      if (c.autoAcceptFrom !== undefined) {
        const names = c.autoAcceptFrom;
        if (!Array.isArray(names) || !names.every((n) => typeof n === 'string'))
          throw bad('change.autoAcceptFrom: names');
        change.autoAcceptFrom = names as string[];
      }
      if (c.maxIncomingBytes !== undefined) {
        const n = c.maxIncomingBytes;
        if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
          throw bad('change.maxIncomingBytes: a number of bytes');
        change.maxIncomingBytes = n;
      }
      return { change };
    },
    async run(t, r) {
      if (r.change !== undefined) await t.setFileSettings(r.change);
      return { settings: t.fileSettings() };
    },
  },
  'transfer.watch': {
    parse: (raw) => ({ id: text(raw, 'id') }),
    async run(t, { id }, session) {
      const write = (e: TransferEvent) => session.write(e);
      const progress = (transfer: TransferInfo) => {
        if (transfer.id === id) write({ event: 'transfer:progress', transfer });
      };
      // Subscribed before the answer is written, so no progress falls in between.
      const off = t.on('transfer:progress', progress);
      session.onClose(off);
      // The end comes after the answer line, whenever it comes (setImmediate: also when
      // the transfer had already finished and waitForTransfer resolves at once).
      t.waitForTransfer(id).then(
        (transfer) =>
          setImmediate(() => {
            off();
            write({ event: 'transfer:finished', transfer });
          }),
        (err: unknown) =>
          setImmediate(() => {
            off();
            write({ event: 'transfer:error', ...describeError(err) });
          }),
      );
      return { transfer: t.transfers().find((x) => x.id === id) ?? null };
    },
  },
};

/**
 * `natter accept ID`: accepts a waiting offer; one accepted before (a download stopped by
 * Ctrl-C, which the core resumes by itself once connected) is followed where it is, and
 * one received already is said as done.
 */
export async function acceptOrResume(
  t: Pick<FileControlTarget, 'fileOffers' | 'transfers' | 'acceptFile'>,
  ref: string,
  opts: { dir?: string },
): Promise<TransferInfo> {
  const offer = findOffer(t.fileOffers(), ref);
  if (offer !== undefined && (offer.state === 'accepted' || offer.state === 'received')) {
    const running = t.transfers().find((x) => x.id === offer.id);
    if (running !== undefined) return running;
    if (offer.state === 'received') return receivedView(offer);
  }
  return t.acceptFile(ref, opts);
}

/** A received offer as a finished download. */
function receivedView(o: OfferInfo): TransferInfo {
  return {
    id: o.id,
    shortId: o.shortId,
    direction: 'download',
    name: o.name,
    peer: o.group === null ? `@${o.from}` : `#${o.group}`,
    from: o.from,
    size: o.size,
    doneBytes: o.size,
    rateBytesPerSec: 0,
    etaMs: null,
    state: 'done',
    waitingForSender: false,
    savedAs: o.savedAs,
    error: null,
    replies: [],
  };
}

/** The offer whose id starts with `ref` (any case), when exactly one does. */
export function findOffer(offers: readonly OfferInfo[], ref: string): OfferInfo | undefined {
  const p = ref.toLowerCase();
  const matches = offers.filter((o) => o.id.startsWith(p));
  return matches.length === 1 ? matches[0] : undefined;
}
