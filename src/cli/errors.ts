/**
 * The command line's own failure codes, as one union with a factory.
 */
import { errorFactory } from '../util/errors.js';

export const CliCode = {
  BadRequest: 'E_BAD_REQUEST',
  BadStatus: 'E_BAD_STATUS',
  Control: 'E_CONTROL',
  ControlUnsafe: 'E_CONTROL_UNSAFE',
  KeyChanged: 'E_KEY_CHANGED',
  NotATerminal: 'E_NOT_A_TERMINAL',
  NotGroupMember: 'E_NOT_GROUP_MEMBER',
  NotQueued: 'E_NOT_QUEUED',
  NotRunning: 'E_NOT_RUNNING',
  NoIdentity: 'E_NO_IDENTITY',
  NoRelay: 'E_NO_RELAY',
  /** send-file: a path that is missing, unreadable, or neither a file nor a folder. */
  NoSuchFile: 'E_FILE_NOT_FOUND',
  ProfileInUse: 'E_PROFILE_IN_USE',
  PassphraseEmpty: 'E_PASSPHRASE_EMPTY',
  PassphraseFile: 'E_PASSPHRASE_FILE',
  PassphraseRequired: 'E_PASSPHRASE_REQUIRED',
  PseudonymTaken: 'E_PSEUDONYM_TAKEN',
  RelayData: 'E_RELAY_DATA',
  RelayListen: 'E_RELAY_LISTEN',
  RelayTimeout: 'E_RELAY_TIMEOUT',
  /** Something answered at the relay's address, but not in TLS 1.3: not a relay, or an old one. */
  RelayTlsFailed: 'E_RELAY_TLS_FAILED',
  RelayUnreachable: 'E_RELAY_UNREACHABLE',
  /** fingerprint/trust NAME: NAME is this profile's own. */
  Self: 'E_SELF',
  SendFailed: 'E_SEND_FAILED',
  TooLarge: 'E_TOO_LARGE',
  /** history: a NAME that is no contact and has no conversation here (the core's code too). */
  UnknownContact: 'E_UNKNOWN_CONTACT',
  UnknownUser: 'E_UNKNOWN_USER',
} as const;

export type CliCodeValue = (typeof CliCode)[keyof typeof CliCode];

/** An error of this layer with its stable code. */
export const cliError = errorFactory<CliCodeValue>();
