/**
 * Groups as a test drives them: signed changes built on a local copy of the
 * group's state (src/crypto/group-log.ts), and sealed messages under one sender
 * chain per member (src/crypto/sender-keys.ts), as the real client makes them.
 */
import type { GroupChangeBody } from '../../src/crypto/group-change.js';
import {
  applyChange,
  type GroupState,
  prepareChange,
  prepareCreate,
  signChange,
} from '../../src/crypto/group-log.js';
import type { Identity } from '../../src/crypto/keys.js';
import { randomBytes } from '../../src/crypto/random.js';
import {
  newSenderChain,
  type SenderChain,
  sealGroupMessage,
} from '../../src/crypto/sender-keys.js';
import { toHex, utf8 } from '../../src/util/bytes.js';
import type { FrameOf, GroupChange } from '../../src/wire/types.js';

type Body = Exclude<GroupChangeBody, { op: 'create' }>;

export class TestGroup {
  state: GroupState;
  readonly log: GroupChange[] = [];
  private readonly chains = new Map<string, SenderChain>();

  private constructor(create: GroupChange) {
    this.state = applyChange(null, create);
    this.log.push(create);
  }

  /** A group created (locally) by `admin` with `others` as members. */
  static create(admin: Identity, name: string, others: readonly Uint8Array[] = []): TestGroup {
    return new TestGroup(
      signChange(admin.signSk, prepareCreate(admin.signPk, name, others)) as GroupChange,
    );
  }

  get create(): GroupChange {
    return this.log[0]!;
  }

  get groupId(): Uint8Array {
    return this.state.groupId;
  }

  get gidHex(): string {
    return toHex(this.state.groupId);
  }

  /** The next change by `author`, signed but not applied (for refusals). */
  sign(author: Identity, body: Body): GroupChange {
    return signChange(author.signSk, prepareChange(this.state, author.signPk, body)) as GroupChange;
  }

  /** The next change by `author`, signed and applied locally. */
  change(author: Identity, body: Body): GroupChange {
    return this.apply(this.sign(author, body));
  }

  apply(change: GroupChange): GroupChange {
    this.state = applyChange(this.state, change);
    this.log.push(change);
    return change;
  }

  /** `text` sealed by `sender` for the current epoch, as a GroupSend. */
  send(sender: Identity, text: string, epoch = this.state.epoch): FrameOf<'group-send'> {
    const key = `${toHex(sender.signPk)}:${epoch}`;
    let chain = this.chains.get(key);
    if (!chain) {
      chain = newSenderChain();
      this.chains.set(key, chain);
    }
    const msgId = randomBytes(16);
    const body = sealGroupMessage(
      chain,
      { groupId: this.groupId, epoch, sender: sender.signPk, messageId: msgId },
      utf8(text),
    );
    return { type: 'group-send', groupId: this.groupId, msgId, body };
  }
}

/** A GroupChangeRequest frame. */
export function changeRequest(change: GroupChange, requestId = 1): FrameOf<'group-change'> {
  return { type: 'group-change', requestId, change };
}
