/**
 * What the relay says of its mail store (StoreStatus frames, proto/natter.proto): told
 * before Ready when it cannot reach it (Ready.pending then counts nothing), and whenever
 * that changes. The core says it as 'relay:store' once per change as the user sees it:
 * down at a Ready or during a session, back during one or at the Ready of a session
 * (on this relay or another) whose store answers. A lost connection changes nothing.
 */
import type { PeerEventMap, PeerEvents } from '../events.js';

export class RelayStoreState {
  /** What this connection was told; null: reachable (the default a relay says nothing of). */
  private told: string | null = null;
  /** What the UI was told last. */
  private shown: string | null = null;
  private ready = false;

  constructor(private readonly events: PeerEvents) {}

  /** A StoreStatus frame: `code` '' when reachable. */
  heard(code: string): void {
    this.told = code === '' ? null : code;
    if (this.ready) this.settle();
  }

  /** The session is ready: what it was told before Ready holds now. */
  onReady(): void {
    this.ready = true;
    this.settle();
  }

  /** The connection is gone: the next one starts as reachable until told otherwise. */
  onOffline(): void {
    this.ready = false;
    this.told = null;
  }

  private settle(): void {
    if (this.told === this.shown) return;
    this.shown = this.told;
    this.events.emit(
      'relay:store',
      this.told === null ? { reachable: true } : { reachable: false, code: this.told },
    );
  }
}

/** The words for a 'relay:store' event, as the inbox and the chat say them. */
export function relayStoreLine(e: PeerEventMap['relay:store']): string {
  return e.reachable
    ? 'the relay reaches its mail store again; waiting mail follows'
    : `the relay cannot reach its mail store; waiting mail will arrive when it is back (${e.code})`;
}
