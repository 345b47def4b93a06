/**
 * Which group a send names (`send --group`, `send-file --group`), asked once the
 * profile has caught up with the relay.
 */
import { groupNameKey, type NatterClient, PeerCode } from '../peer/index.js';
import { isNatterError, NatterError } from '../util/errors.js';
import { connectRelay } from './connect.js';
import type { CliContext } from './context.js';
import { bareGroupName, groupLabel } from './group-format.js';

/**
 * The group (its id) that a send to `name` goes to (`send --group`, `send-file --group`),
 * resolved once this profile has caught up with the relay: a group someone else added us
 * to is known only once the relay has brought its stream after Ready (a new member's
 * first `send --group` failed with E_UNKNOWN_GROUP; a new-user trial), and a rename heard
 * only then makes `name` a former name, refused before anything is queued (a QA trial:
 * `send --group OLDNAME` was delivered to the renamed group, then said E_UNKNOWN_GROUP).
 * `connecting` is the command's one attempt to connect; when it fails, what the profile
 * knows decides, and the messages wait in the outbox as any send's do.
 */
export async function knownGroup(
  ctx: CliContext,
  client: NatterClient,
  name: string,
  waitMs: number,
  connecting: Promise<void> = connectRelay(ctx, client, { waitMs }),
): Promise<string> {
  let offline: unknown = null;
  try {
    await connecting;
    await client.waitForInbox({ timeoutMs: waitMs });
  } catch (err) {
    offline = err;
  }
  try {
    return (await client.group(name)).groupId;
  } catch (err) {
    if (!isNatterError(err) || err.code !== PeerCode.UnknownGroup) throw err;
    if (offline !== null) throw offline;
    throw await leftGroupError(client, name, err);
  }
}

/**
 * `err` (E_UNKNOWN_GROUP for `name`), or E_NOT_GROUP_MEMBER when `name` was a group I
 * have been removed from or left since: that is the reason a send to it fails.
 */
async function leftGroupError(client: NatterClient, name: string, err: Error): Promise<Error> {
  const wanted = groupNameKey(bareGroupName(name));
  const left = (await client.groups()).find(
    (g) =>
      g.myRole === null &&
      [g.name, ...(g.formerNames ?? []).map((f) => f.name)].some((n) => groupNameKey(n) === wanted),
  );
  if (left === undefined) return err;
  return new NatterError(
    PeerCode.NotGroupMember,
    `send: you are no longer a member of ${groupLabel(left.name)}`,
  );
}
