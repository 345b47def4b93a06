/**
 * An ordered JetStream consumer that is made again, from where its reader is,
 * whenever it falls silent or ends (stream-delivery.ts for a session's mail,
 * group-reader.ts for the groups' stream).
 *
 * The client library makes an ordered pull consumer again after missed
 * heartbeats only once it has asked the old one's server for its info; when
 * that server is frozen (a cable cut, SIGSTOP: no RST) the question times out
 * and is asked again forever, and mail for the session stopped for as long as
 * the node stayed silent (the frozen-node test, issue 15). Here, STALL_BEATS
 * missed heartbeats in a row close the consumer and a new one starts after the
 * last seq its reader took; so does an end the reader did not ask for.
 */
import { type ConsumerMessages, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { ClusterLink } from './connection.js';
import {
  CONSUMER_HEARTBEAT_MS,
  CONSUMER_INACTIVE_MS,
  CONSUMER_PULL_EXPIRES_MS,
} from './consumers.js';
import { retrying } from './retry.js';

/**
 * Heartbeats (CONSUMER_HEARTBEAT_MS apart) missed in a row before the consumer is
 * made again: past the library's own reset (at two), and shorter than the seconds a
 * relay takes to leave a silent NATS node.
 */
export const STALL_BEATS = 4;
/** The pause before a consumer that could not be made is tried again. */
const REMAKE_PAUSE_MS = 1_000;

export interface KeptConsumerOptions {
  link: ClusterLink;
  clock: Clock;
  log: Logger;
  stream: string;
  filter: string;
  /** Messages pulled ahead at most. */
  maxMessages: number;
  /** The last seq the reader took: a consumer (re)made starts after it. */
  position: () => number;
  /** Each message in stream order; resolves false to stop for good. */
  take: (m: JsMsg) => Promise<boolean> | boolean;
  /** How long making a consumer is tried before `failed` hears of it (retry.ts's budget by default). */
  makeBudgetMs?: number;
  /** Making the consumer failed for the budget: true to keep trying, false to stop. */
  failed: (err: unknown) => boolean;
}

export class KeptConsumer {
  private messages: ConsumerMessages | null = null;
  private stopped = false;

  constructor(private readonly o: KeptConsumerOptions) {}

  /**
   * Makes the first consumer; resolves once it consumes (reading goes on in the
   * background), or once making it failed for the budget and `failed` said to keep
   * trying: it starts after the reader's position whenever it is made, so nothing is
   * skipped meanwhile. (A session whose NATS node froze at its login lost its mail
   * consumer, and its session, when the first failure was final.)
   */
  async start(): Promise<void> {
    let first: ConsumerMessages | null;
    try {
      first = await this.make();
    } catch (err) {
      if (!this.o.failed(err)) throw err;
      first = null;
    }
    if (this.stopped) return;
    void this.run(first).catch((err: unknown) => {
      if (!this.stopped) this.o.log.error('cluster consumer ended', describeError(err));
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.messages?.close().catch(() => {});
  }

  private async make(): Promise<ConsumerMessages | null> {
    const { link, clock } = this.o;
    const consumer = await retrying(
      clock,
      () =>
        link.js.consumers.get(this.o.stream, {
          filter_subjects: this.o.filter,
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: this.o.position() + 1,
          inactive_threshold: CONSUMER_INACTIVE_MS,
        }),
      this.o.makeBudgetMs,
    );
    const messages = await consumer.consume({
      max_messages: this.o.maxMessages,
      expires: CONSUMER_PULL_EXPIRES_MS,
      idle_heartbeat: CONSUMER_HEARTBEAT_MS,
    });
    if (this.stopped) {
      void messages.close().catch(() => {});
      return null;
    }
    this.messages = messages;
    return messages;
  }

  private async run(first: ConsumerMessages | null): Promise<void> {
    let messages: ConsumerMessages | null = first ?? (await this.remake());
    while (messages !== null && !this.stopped) {
      const silent = this.watch(messages);
      let reason = 'ended';
      try {
        for await (const m of messages) {
          if (this.stopped) return;
          if (!(await this.o.take(m))) {
            this.stopped = true;
            void messages.close().catch(() => {});
            return;
          }
        }
      } catch (err) {
        reason = describeError(err).message;
      }
      // The relay is closing its NATS connection: nothing to make again.
      if (this.stopped || this.o.link.nc.isClosed() || this.o.link.nc.isDraining()) return;
      this.o.log.warn('cluster consumer made again', {
        stream: this.o.stream,
        reason: silent.value ? 'silent' : reason,
      });
      messages = await this.remake();
    }
  }

  /** Closes `messages` once STALL_BEATS heartbeats in a row are missed; `value` says so. */
  private watch(messages: ConsumerMessages): { value: boolean } {
    const silent = { value: false };
    void (async () => {
      for await (const s of messages.status()) {
        if (s.type === 'heartbeats_missed' && s.count >= STALL_BEATS) {
          silent.value = true;
          void messages.close().catch(() => {});
          return;
        }
      }
    })().catch(() => {});
    return silent;
  }

  /** A new consumer after the reader's position, tried until made, stopped, or given up. */
  private async remake(): Promise<ConsumerMessages | null> {
    for (;;) {
      if (this.stopped) return null;
      try {
        return await this.make();
      } catch (err) {
        if (this.stopped || !this.o.failed(err)) return null;
        await new Promise<void>((r) => {
          const t = this.o.clock.setTimeout(r, REMAKE_PAUSE_MS);
          (t as { unref?: () => void }).unref?.();
        });
      }
    }
  }
}
