/**
 * Sends in flight relay-wide (issue 14, overload). A session stops being read once it has
 * maxInflightSendsPerSession sends awaiting their durable ack (read-gate.ts); with many
 * sessions sending at once, that alone let the relay hold 256 messages for each of them
 * (10,000 connections: 2.56 million). Here the sessions with sends in flight share
 * maxRelayInflightSends equally: each may have its share, at most the per-session limit
 * and never fewer than MIN_INFLIGHT_SHARE, so what the relay holds in flight is bounded
 * by the larger of the total and MIN_INFLIGHT_SHARE per connection, whatever the number
 * of senders. A few busy senders still get the full per-session limit.
 *
 * Measured (docs/decisions.md, "Offered more than it can take"): 500 TLS clients offered
 * 200,000 msgs/s, past the relay's capacity, got 487,000-524,000 deliveries in the phase
 * with their share (65 each) against 450,000-459,000 with 256 each, in 532-561 MB of
 * peak RSS against 757-788. The total has to cover the relay's rate times the sender's
 * wait for its ack (a share of 16 could not carry 100,000 msgs/s over 500 clients).
 */
import type { RelayLimits } from './limits.js';

/** The least a session with sends in flight may have, however many share the total. */
export const MIN_INFLIGHT_SHARE = 16;

export class InflightShares {
  /** Sessions with at least one send in flight. */
  private busy = 0;
  private readonly total: number;
  private readonly perSession: number;

  constructor(limits: Pick<RelayLimits, 'maxRelayInflightSends' | 'maxInflightSendsPerSession'>) {
    this.total = limits.maxRelayInflightSends;
    this.perSession = limits.maxInflightSendsPerSession;
  }

  /** A session's first send in flight. */
  started(): void {
    this.busy++;
  }

  /** A session's last send in flight finished. */
  finished(): void {
    this.busy--;
  }

  /** Sessions with sends in flight (tests, stats). */
  get sessions(): number {
    return this.busy;
  }

  /** What one session may have in flight now: its equal share, within the bounds. */
  get limit(): number {
    const share = Math.floor(this.total / Math.max(1, this.busy));
    return Math.min(this.perSession, Math.max(MIN_INFLIGHT_SHARE, share));
  }
}
