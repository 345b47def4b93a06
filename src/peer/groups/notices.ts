/**
 * What a group's stream tells the user besides messages and changes
 * (docs/decisions.md "Group notices: held bound and gaps"), as the conversation
 * notices of 1:1 (messaging/notices.ts), written with the unit that saw them and
 * announced as 'conversation:notice':
 *
 * - 'gap': a sender's message opened at a chain index past the next one its chain
 *   expected. A receiver chain starts at the share's index (a later epoch's chain
 *   is a new chain, and messages sealed before my share are not for me), holds for
 *   a key and restarts keep its place, so what is skipped was sealed for me and has
 *   not come: lost at the relay (its TTL), or overtaken and still on its way.
 * - 'held': the group's messages waiting for a sender's key filled the bound and its
 *   stream stopped (stream.ts): until they opened, with a relay that sends the rest
 *   again (`resumes`, resend.ts), else for the session.
 */
import type { ConversationNotice, PeerRef } from '../events.js';
import { conversationOf } from './book.js';

/** The notice for a message at chain index `index` opened by a chain whose next index was `expected`, if any. */
export function gapNotice(o: {
  gid: string;
  groupName: string;
  from: PeerRef;
  index: number;
  expected: number;
  atMs: number;
}): ConversationNotice | undefined {
  if (o.index <= o.expected) return undefined;
  return {
    kind: 'gap',
    conversation: conversationOf(o.gid),
    from: o.from,
    counter: o.index + 1,
    previousCounter: o.expected,
    missing: o.index - o.expected,
    group: { name: o.groupName },
    atMs: o.atMs,
  };
}

/** The notice for a group stopped at `gseq` with `waiting` messages held for a sender's key. */
export function heldNotice(o: {
  gid: string;
  groupName: string;
  from: PeerRef;
  gseq: number;
  previousGseq: number;
  waiting: number;
  resumes: boolean;
  atMs: number;
}): ConversationNotice {
  return {
    kind: 'held',
    conversation: conversationOf(o.gid),
    from: o.from,
    counter: o.gseq,
    previousCounter: o.previousGseq,
    missing: o.waiting,
    group: { name: o.groupName },
    resumes: o.resumes,
    atMs: o.atMs,
  };
}
