/**
 * Groups a blocked key put me in, still to leave. The mark is written in the same batch as
 * the change that made me a member (apply.ts), so a command that exits before its leave
 * went (`natter send` applied the change and logged out: a QA trial's group stayed joined,
 * `member` in `group list`) leaves it at the next connect; each mark goes once the group is
 * left.
 */
import type { GroupInfo } from '../events.js';
import { type KvOp, type PeerStore, PREFIX } from '../store.js';

/** The mark for group `gid` (hex), put with the change that added me. */
export const owedLeaveOps = (gid: string): KvOp[] => [
  { type: 'put', key: PREFIX.owedLeave + gid, value: '1' },
];

export class OwedLeaves {
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: PeerStore,
    private readonly groups: { list(): GroupInfo[]; leave(ref: string): Promise<void> },
  ) {}

  /** Leaves every marked group I am still in, one run at a time (two would leave twice). */
  run(): Promise<void> {
    const run = this.running.then(() => this.leaveAll());
    this.running = run.catch(() => undefined);
    return run;
  }

  private async leaveAll(): Promise<void> {
    const marks: string[] = [];
    for await (const [key] of this.store.scanBytes(PREFIX.owedLeave)) marks.push(key);
    for (const key of marks) {
      const gid = key.slice(PREFIX.owedLeave.length);
      const group = this.groups.list().find((g) => g.groupId === gid);
      if (group !== undefined && group.myRole !== null) await this.groups.leave(group.conversation);
      await this.store.write([{ type: 'del', key }]);
    }
  }
}
