/**
 * The client core's parts, made once per opened profile and handed to the facade (client.ts)
 * as one typed object (STYLE.md: inject one components object, not constructor closures).
 * Each part gets the parts it uses; the few reactions to the link and to contact events
 * are wired here, in one place (wire()).
 */
import { BoxKeyring } from '../crypto/box.js';
import { signChange } from '../crypto/group-log.js';
import { loadIdentity } from '../crypto/keyfile.js';
import { fingerprint as fingerprintOf, type Identity } from '../crypto/keys.js';
import { toHex } from '../util/bytes.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type Logger, silentLogger } from '../util/logger.js';
import { BackgroundTasks } from './background.js';
import { Blocks } from './blocks.js';
import type { OpenOptions } from './client.js';
import { Contacts } from './contacts.js';
import { DirectConversations } from './conversations/direct.js';
import { wire } from './core-wiring.js';
import { PeerCode, peerError } from './errors.js';
import { PeerEvents } from './events.js';
import { OfferPost } from './files/offer-post.js';
import type { OfferSink } from './files/offer-sink.js';
import { FileTransfers, loadTransfers, type TransfersLoaded } from './files/transfers.js';
import { Groups, type GroupsLoaded } from './groups/groups.js';
import { Lookups } from './link/lookups.js';
import { nameClaimed } from './link/pinning.js';
import { Requests } from './link/requests.js';
import { CounterWindows, markWindowsOnRename } from './messaging/counters.js';
import { DamagedReports } from './messaging/damaged.js';
import { HeldMessages } from './messaging/held.js';
import { History } from './messaging/history.js';
import { HistoryMoves } from './messaging/history-move.js';
import { Incoming } from './messaging/incoming.js';
import { ConversationNotices } from './messaging/notices.js';
import { Outbox } from './messaging/outbox.js';
import { Receipts } from './messaging/receipts.js';
import { SeenSet } from './messaging/seen.js';
import { OutboxSender } from './messaging/sender.js';
import { ClientPresence } from './presence/client-presence.js';
import {
  claimablePseudonym,
  ensureProfileDir,
  type Me,
  type ProfilePaths,
  profilePaths,
  readConfig,
} from './profile.js';
import { RelayLink } from './relay-link.js';
import { PeerStore } from './store.js';

export interface ClientComponents {
  readonly me: Me;
  readonly paths: ProfilePaths;
  readonly clock: Clock;
  readonly log: Logger;
  readonly events: PeerEvents;
  readonly tasks: BackgroundTasks;
  readonly store: PeerStore;
  readonly contacts: Contacts;
  readonly blocks: Blocks;
  readonly history: History;
  /** A renamed contact's history moved to their name now (messaging/history-move.ts). */
  readonly moves: HistoryMoves;
  readonly outbox: Outbox;
  readonly damaged: DamagedReports;
  readonly notices: ConversationNotices;
  readonly link: RelayLink;
  readonly presence: ClientPresence;
  readonly direct: DirectConversations;
  readonly sender: OutboxSender;
  readonly incoming: Incoming;
  readonly groups: Groups;
  readonly files: FileTransfers;
}

/**
 * Opens a profile: identity, local store (E_PROFILE_IN_USE if another process
 * has it), and every part on top of them. E_PROFILE_INCOMPLETE without a pseudonym.
 */
export async function openComponents(opts: OpenOptions): Promise<ClientComponents> {
  const paths = profilePaths(opts.profileDir);
  await ensureProfileDir(paths.dir);
  const config = await readConfig(paths);
  const identity = await loadIdentity(
    paths.identity,
    opts.passphrase === undefined ? {} : { passphrase: opts.passphrase },
  );
  const pseudonym =
    opts.pseudonym === undefined ? config.pseudonym : claimablePseudonym(opts.pseudonym, 'rename');
  if (pseudonym === undefined) {
    throw peerError(
      PeerCode.ProfileIncomplete,
      `profile ${paths.dir} has no pseudonym: run natter init`,
    );
  }
  const store = await PeerStore.open(paths.db, paths.dir, { lockWaitMs: opts.lockWaitMs ?? 0 });
  try {
    await markWindowsOnRename(store, config.pseudonym, pseudonym);
    const clock = opts.clock ?? systemClock;
    const events = new PeerEvents();
    const history = await History.load(store);
    const moves = new HistoryMoves(store, history, events);
    const c = build({
      me: {
        pseudonym,
        userId: toHex(identity.signPk),
        fingerprint: fingerprintOf(identity.signPk),
      },
      identity,
      claimed: await nameClaimed(store, config.pseudonym, pseudonym),
      paths,
      opts,
      clock,
      log: (opts.logger ?? silentLogger).child({ component: 'peer' }),
      events,
      store,
      contacts: await Contacts.load(store, events, identity.signPk, clock, moves),
      blocks: await Blocks.load(store),
      history,
      moves,
      outbox: await Outbox.load(store),
      groupsLoaded: await Groups.load(store, clock),
      filesLoaded: await loadTransfers(store, clock.now()),
    });
    wire(c);
    return c;
  } catch (err) {
    await store.close();
    throw err;
  }
}

type Loaded = Pick<
  ClientComponents,
  'me' | 'paths' | 'clock' | 'log' | 'events' | 'store' | 'contacts' | 'history' | 'moves'
> &
  Pick<ClientComponents, 'outbox'> & {
    blocks: Blocks;
    identity: Identity;
    /** A relay took our name (nameClaimed): presence may announce it from the start. */
    claimed: boolean;
    opts: OpenOptions;
    groupsLoaded: GroupsLoaded;
    filesLoaded: TransfersLoaded;
  };

/** The parts above the loaded state, each given the parts it uses. */
function build(l: Loaded): ClientComponents {
  const { clock, events, store, log } = l;
  const me = { userId: l.identity.signPk, pseudonym: l.me.pseudonym };
  const keyring = new BoxKeyring(l.identity.boxSk);
  const tasks = new BackgroundTasks(events, log);
  const requests = new Requests({ send: (frame) => link.send(frame), clock });
  const link: RelayLink = new RelayLink({
    paths: l.paths,
    store,
    identity: l.identity,
    pseudonym: me.pseudonym,
    events,
    requests,
    options: l.opts,
    clock,
    logger: log,
  });
  const presence = new ClientPresence({
    self: { identity: l.identity, pseudonym: me.pseudonym, claimed: l.claimed },
    contacts: l.contacts,
    events,
    settings: l.opts.presence ?? false,
    relay: link,
    clock,
    logger: log,
  });
  const lookups = new Lookups(requests);
  const { contacts } = l;
  const direct = new DirectConversations({ contacts, lookups, keyring, me, logger: log });
  const sender = new OutboxSender({ ...l, direct, link, clock, logger: log });
  const receipts = new Receipts({ ...l, sender, clock });
  const damaged = new DamagedReports(store);
  const notices = new ConversationNotices(store);
  // File offers (and answers to mine) come through messaging and groups, made before files.
  const offers: OfferSink = {
    intakeOps: (offer, meta) => files.intakeOps(offer, meta),
    arrived: (records) => files.arrived(records),
    replied: (replies) => files.replied(replies),
    cancelled: (cancels) => files.cancelled(cancels),
  };
  const groups = new Groups(
    {
      store,
      contacts: l.contacts,
      blocks: l.blocks,
      history: l.history,
      outbox: l.outbox,
      events,
      me,
      damaged,
      requests,
      lookups,
      link,
      // The identity's secret key signs membership changes here and nowhere else.
      sign: (unsigned) => signChange(l.identity.signSk, unsigned),
      clock,
      logger: log,
      activity: () => incoming.activity(),
      kick: () => sender.kick(),
      offers,
      maxHeldGroupBytes: l.opts.maxHeldGroupBytes,
    },
    l.groupsLoaded,
  );
  const incoming: Incoming = new Incoming({
    ...l,
    held: new HeldMessages(store),
    seen: new SeenSet(store),
    counters: new CounterWindows(store),
    damaged,
    notices,
    keyring,
    audience: direct,
    link,
    receipts,
    senderKeys: groups,
    offers,
    tasks,
    clock,
    logger: log,
  });
  const files: FileTransfers = new FileTransfers(
    {
      store,
      link,
      requests,
      poster: new OfferPost({
        store,
        outbox: l.outbox,
        history: l.history,
        contacts: l.contacts,
        myName: me.pseudonym,
        direct,
        sender,
        groups,
        events,
      }),
      events,
      clock,
    },
    l.filesLoaded,
  );
  // The identity's secret keys stay with the parts that use them (link, keyring, groups).
  const {
    identity: _identity,
    claimed: _claimed,
    opts: _opts,
    groupsLoaded: _groups,
    filesLoaded: _files,
    ...loaded
  } = l;
  return {
    ...loaded,
    tasks,
    damaged,
    notices,
    link,
    presence,
    direct,
    sender,
    incoming,
    groups,
    files,
  };
}
