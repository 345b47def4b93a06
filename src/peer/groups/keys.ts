/**
 * Where the client keeps its groups in the profile's store (STYLE.md §11: versioned
 * prefixes, numbers fixed-width so key order is numeric order). Group ids, user ids
 * and message ids are lowercase hex; epochs and log seqs u32 (10 digits); gseqs and
 * times 16 digits.
 *
 *   gstate!<gid>                                 → the verified state (JSON, state.ts)
 *   glog!<gid>!<seq>                             → one change of the log (encodeGroupChangeRecord bytes)
 *   gseq!<gid>                                   → the highest gseq applied
 *   gsend!<gid>!<epoch>                          → my sender chain and who has its share (JSON)
 *   grecv!<gid>!<epoch>!<sender>                 → a receiver chain (encodeReceiverChain bytes)
 *   gheld!<gid>!<epoch>!<sender>!<gseq>          → a message waiting for its sender's chain (JSON)
 *   gtrust!<name key hex>!<time>!<gid>!<msg id>  → an opened message waiting for trust() (JSON)
 *   gowe!<gid>!<epoch>!<member>                  → a share owed to a member whose card is unknown
 *   gname!<user id>                              → a member's pseudonym, from their verified card
 */
import { toHex, utf8 } from '../../util/bytes.js';
import { pseudonymKey } from '../../wire/text.js';
import { fixedWidth, PREFIX } from '../store.js';

const u32 = (n: number) => fixedWidth(n, 10);

export const groupKeys = {
  state: (gid: string) => `${PREFIX.groupState}${gid}`,
  seq: (gid: string) => `${PREFIX.groupSeq}${gid}`,
  log: (gid: string, seq: number) => `${PREFIX.groupLog}${gid}!${u32(seq)}`,
  mine: (gid: string, epoch: number) => `${PREFIX.senderChain}${gid}!${u32(epoch)}`,
  mineOf: (gid: string) => `${PREFIX.senderChain}${gid}!`,
  receiver: (gid: string, epoch: number, sender: string) =>
    `${PREFIX.receiverChain}${gid}!${u32(epoch)}!${sender}`,
  receiversOf: (gid: string) => `${PREFIX.receiverChain}${gid}!`,
  held: (gid: string, epoch: number, sender: string, gseq: number) =>
    `${PREFIX.heldGroup}${gid}!${u32(epoch)}!${sender}!${fixedWidth(gseq)}`,
  heldOf: (gid: string) => `${PREFIX.heldGroup}${gid}!`,
  heldFor: (gid: string, epoch: number, sender: string) =>
    `${PREFIX.heldGroup}${gid}!${u32(epoch)}!${sender}!`,
  trustHeld: (name: string, atMs: number, gid: string, msgId: string) =>
    `${trustHeldPrefix(name)}${fixedWidth(atMs)}!${gid}!${msgId}`,
  trustHeldOf: (name: string) => trustHeldPrefix(name),
  owed: (gid: string, epoch: number, member: string) =>
    `${PREFIX.owedShare}${gid}!${u32(epoch)}!${member}`,
  owedOf: (gid: string) => `${PREFIX.owedShare}${gid}!`,
  name: (userId: string) => `${PREFIX.memberName}${userId}`,
};

/** Names are hex-encoded in keys, as contacts' are, so any pseudonym sorts and ranges safely. */
function trustHeldPrefix(name: string): string {
  return `${PREFIX.heldGroupTrust}${toHex(utf8(pseudonymKey(name)))}!`;
}

/** The epoch in a key made by `mine`, `receiver`, `held` or `owed`, after `prefix`. */
export function epochIn(key: string, prefix: string): number {
  return Number(key.slice(prefix.length).split('!')[0]);
}
