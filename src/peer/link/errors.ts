/**
 * The codes of the client's link to its relay, as one union with a factory
 * (the style of src/relay/errors.ts). Relay refusals keep the relay's own codes
 * (handshake.ts FINAL_CODES); these are the link's own failures.
 */
import { errorFactory } from '../../util/errors.js';

export const LinkCode = {
  /** No live session: a frame or request could not be sent, or the link dropped under it. */
  Offline: 'E_OFFLINE',
  /** The client (or its link) was closed for good. */
  Closed: 'E_CLOSED',
  /** The relay did not reach Ready within the caller's deadline; the link keeps trying. */
  RelayTimeout: 'E_RELAY_TIMEOUT',
  /** TCP connect failed or timed out. */
  Unreachable: 'E_RELAY_UNREACHABLE',
  /** TCP connected but no TLS 1.3 handshake completed: a natter 1 relay, or not a relay. */
  TlsFailed: 'E_RELAY_TLS_FAILED',
  /**
   * The key that authenticated the TLS channel is not the relay id the Challenge claims
   * (or no Ed25519 key at all): something in between terminated the channel.
   */
  TlsKeyMismatch: 'E_RELAY_TLS_KEY_MISMATCH',
  /** The relay's Challenge was not signed by the relay id it claims. */
  BadRelaySignature: 'E_RELAY_BAD_SIGNATURE',
  /** A relay found by its beacon answered with another key than the beacon's. */
  RelayIdMismatch: 'E_RELAY_ID_MISMATCH',
  /** The relay speaks another protocol version. */
  BadVersion: 'E_BAD_VERSION',
  /** Ready carried a card for another user. */
  AuthFailed: 'E_AUTH_FAILED',
  /** A caller ignored backpressure and the writer's queue reached its bound. */
  LinkFull: 'E_LINK_FULL',
  /** A request was not answered within its timeout. */
  RequestTimeout: 'E_REQUEST_TIMEOUT',
  /** MAX_OUTSTANDING_REQUESTS are already waiting for replies. */
  TooManyRequests: 'E_TOO_MANY_REQUESTS',
  /** The relay answered a request id with a reply of the wrong kind. */
  BadReply: 'E_BAD_REPLY',
} as const;

export type LinkCodeValue = (typeof LinkCode)[keyof typeof LinkCode];

export const linkError = errorFactory<LinkCodeValue>();
