/**
 * The status the user chose (`natter status`, the chat's /status, `--status`), kept in
 * the profile: the next `natter chat` or `inbox --follow` announces it again, as a busy
 * or away set in Slack or Teams outlasts a restart (a trial found `busy` gone after
 * logging in again). An automatic change (the chat's idle away, and back) is not a
 * choice and is not kept. A value that does not check (an older or damaged store) is
 * ignored: the default, online, is announced.
 */
import type { OpenOptions } from '../client-options.js';
import type { PresenceStatus } from '../events.js';
import { type KvOp, type PeerStore, PREFIX, putJson } from '../store.js';
import type { ClientPresence } from './client-presence.js';
import { checkStatus, checkStatusText } from './options.js';

const KEY = `${PREFIX.meta}status`;

export interface ChosenStatus {
  status: PresenceStatus;
  text: string;
}

/** The op that keeps `chosen` (checked by the caller: setStatus threw on a bad one). */
export function chosenStatusOp(chosen: ChosenStatus): KvOp {
  return putJson(KEY, chosen);
}

/** The status last chosen, if any and still valid. */
export async function loadChosenStatus(store: PeerStore): Promise<ChosenStatus | undefined> {
  try {
    const raw = await store.getJson<Partial<ChosenStatus>>(KEY);
    if (raw === undefined) return undefined;
    return {
      status: checkStatus(raw.status as PresenceStatus),
      text: checkStatusText(typeof raw.text === 'string' ? raw.text : ''),
    };
  } catch {
    return undefined;
  }
}

/**
 * At open, for a client that announces: `--status`/`--status-text` given are a choice,
 * kept; without them the status kept last is taken up (before presence starts, so the
 * first heartbeat and the relay hear it).
 */
export async function takeUpChosenStatus(
  parts: { store: PeerStore; presence: ClientPresence },
  presence: OpenOptions['presence'],
): Promise<void> {
  if (!presence) return;
  if (presence.status !== undefined || presence.statusText !== undefined) {
    await parts.store.write([chosenStatusOp(parts.presence.own())]);
    return;
  }
  const kept = await loadChosenStatus(parts.store);
  if (kept) await parts.presence.setStatus(kept.status, kept.text);
}
