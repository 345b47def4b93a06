/**
 * The client's side of keep-history (messaging/history-keep.ts): passes that delete every
 * conversation's entries kept longer than the setting, one at a time, at open, when the
 * setting changes and every HISTORY_PRUNE_EVERY_MS; each conversation through the
 * client's own deleteHistory() (one deletion at a time, 'history:deleted' for each). What
 * the passes took is kept until a UI takes it (takePruned: a chat says it once, however
 * many passes ran before it looked), and announced as 'history:pruned'.
 */
import { describeError } from '../util/errors.js';
import { Periodic } from '../util/periodic.js';
import type { ClientComponents } from './components.js';
import type { ConversationId } from './conversations/ids.js';
import { PeerCode, peerError } from './errors.js';
import type { HistoryDeletion } from './messaging/history-delete.js';
import {
  conversationsBefore,
  HISTORY_PRUNE_EVERY_MS,
  type HistoryPruned,
  historyKeepOps,
  readHistoryKeep,
  validHistoryKeep,
} from './messaging/history-keep.js';

type Delete = (conversation: ConversationId, beforeMs: number) => Promise<HistoryDeletion>;

export class HistoryKeeper {
  private periodic: Periodic | null = null;
  /** Closing: a pass stops between conversations. */
  private stopped = false;
  /** Passes, one at a time. */
  private pruning: Promise<unknown> = Promise.resolve();
  /** What passes took since a UI last took it (takePruned). */
  private unseen: HistoryPruned | null = null;

  constructor(
    private readonly c: ClientComponents,
    private readonly remove: Delete,
  ) {}

  keep(): Promise<number | null> {
    return readHistoryKeep(this.c.store);
  }

  async setKeep(keepMs: number | null): Promise<HistoryPruned> {
    if (!validHistoryKeep(keepMs))
      throw peerError(PeerCode.BadSetting, 'keep-history: between an hour and 100 years');
    await this.c.store.write(historyKeepOps(keepMs));
    return this.prune();
  }

  prune(): Promise<HistoryPruned> {
    const run = this.pruning.then(() => this.pass());
    this.pruning = run.catch(() => undefined);
    return run;
  }

  /** What the passes took since the last call (after the one under way), or null if nothing. */
  async takePruned(): Promise<HistoryPruned | null> {
    await this.pruning;
    const taken = this.unseen;
    this.unseen = null;
    return taken;
  }

  /** At open: a pass now (in the background) and every HISTORY_PRUNE_EVERY_MS. */
  start(): void {
    this.c.tasks.run(this.prune());
    this.periodic = new Periodic(
      this.c.clock,
      HISTORY_PRUNE_EVERY_MS,
      () => this.prune(),
      (err) => this.c.log.warn('history could not be pruned', describeError(err)),
    );
    this.periodic.start();
  }

  /** At close: no more passes, the one under way stopped at its next conversation. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.periodic?.stop();
    await this.pruning;
  }

  private async pass(): Promise<HistoryPruned> {
    const keepMs = await this.keep();
    const beforeMs = keepMs === null ? null : this.c.clock.now() - keepMs;
    const sum = { keepMs, beforeMs, conversations: 0, messages: 0, events: 0, kept: 0 };
    if (beforeMs === null || this.stopped) return sum;
    for (const conversation of await conversationsBefore(this.c.store, beforeMs)) {
      if (this.stopped) break;
      const done = await this.remove(conversation, beforeMs);
      if (done.messages + done.events > 0) sum.conversations++;
      sum.messages += done.messages;
      sum.events += done.events;
      sum.kept += done.kept;
    }
    if (sum.messages + sum.events > 0) {
      const u = this.unseen;
      this.unseen =
        u === null
          ? sum
          : {
              ...sum,
              conversations: u.conversations + sum.conversations,
              messages: u.messages + sum.messages,
              events: u.events + sum.events,
              kept: sum.kept,
            };
      this.c.events.emit('history:pruned', sum);
    }
    return sum;
  }
}
