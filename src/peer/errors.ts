/**
 * The client core's own failure codes (the link has its own: link/errors.ts), as one
 * union with a factory; the UI and the CLI branch on these, never on message text.
 */
import { errorFactory } from '../util/errors.js';

export const PeerCode = {
  /** A group ref that names more than one of my groups (a shared name, a short id prefix). */
  AmbiguousGroup: 'E_AMBIGUOUS_GROUP',
  BadCard: 'E_BAD_CARD',
  BadConversation: 'E_BAD_CONVERSATION',
  BadGroupName: 'E_BAD_GROUP_NAME',
  BadPseudonym: 'E_BAD_PSEUDONYM',
  BadRelayAddress: 'E_BAD_RELAY_ADDRESS',
  BadSafetyNumber: 'E_BAD_SAFETY_NUMBER',
  /** A setting's value out of its range (keep-history). */
  BadSetting: 'E_BAD_SETTING',
  BadStatus: 'E_BAD_STATUS',
  Closed: 'E_CLOSED',
  Config: 'E_CONFIG',
  EmptyMessage: 'E_EMPTY_MESSAGE',
  /** A create or rename to a name one of the groups I am in has already (case-insensitive). */
  GroupNameTaken: 'E_GROUP_NAME_TAKEN',
  Internal: 'E_INTERNAL',
  /** The contact's key changed and waits for trust(): not added to a group meanwhile. */
  KeyChanged: 'E_KEY_CHANGED',
  NoRelay: 'E_NO_RELAY',
  /** I am not (or no longer) a member of the group, or the person named is not one. */
  NotGroupMember: 'E_NOT_GROUP_MEMBER',
  ProfileExists: 'E_PROFILE_EXISTS',
  ProfileIncomplete: 'E_PROFILE_INCOMPLETE',
  ProfileInUse: 'E_PROFILE_IN_USE',
  RelayKeyChanged: 'E_RELAY_KEY_CHANGED',
  /** Several relays announce themselves and this profile has none yet: the user chooses (--relay). */
  SeveralRelays: 'E_SEVERAL_RELAYS',
  SafetyNumberMismatch: 'E_SAFETY_NUMBER_MISMATCH',
  Self: 'E_SELF',
  Store: 'E_STORE',
  StoreClosed: 'E_STORE_CLOSED',
  StoreCorrupt: 'E_STORE_CORRUPT',
  TooLarge: 'E_TOO_LARGE',
  UnknownContact: 'E_UNKNOWN_CONTACT',
  UnknownGroup: 'E_UNKNOWN_GROUP',
  /** Nobody of that name is registered on the relay. */
  UnknownUser: 'E_UNKNOWN_USER',
} as const;

export type PeerCodeValue = (typeof PeerCode)[keyof typeof PeerCode];

/** An error of this layer with its stable code. */
export const peerError = errorFactory<PeerCodeValue>();
