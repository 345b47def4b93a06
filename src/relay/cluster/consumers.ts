/**
 * How the cluster's ordered consumers pull (stream-delivery.ts for a session's
 * mail, group-reader.ts for the groups' stream): short pulls with a heartbeat, so
 * a consumer lost with its NATS node is made again within seconds, and a short
 * inactivity threshold, so a killed relay's consumers do not linger on the server.
 */

/**
 * A consumer whose NATS node died is noticed after two missed heartbeats and made
 * again from the last seq delivered (the client library's ordered consumer). The
 * library's defaults (a pull every 30 s, a heartbeat every 15 s) left a session
 * without mail for half a minute after a node died (a new-user trial in network
 * namespaces); a heartbeat a second costs the server one small message per session.
 */
export const CONSUMER_HEARTBEAT_MS = 1_000;
/** How long one pull waits before the next is made. */
export const CONSUMER_PULL_EXPIRES_MS = 5_000;
/**
 * A consumer nobody pulls from for this long is removed by the server: a relay killed
 * with its sessions leaves its consumers behind (the client library's default is five
 * minutes; a new-user trial found them after ten). Pulls are renewed every
 * CONSUMER_PULL_EXPIRES_MS, so a live consumer is never idle this long. (One the
 * library makes again by itself, after two missed heartbeats and before kept-consumer.ts
 * would, takes the library's five minutes: its reset does not keep this setting.)
 */
export const CONSUMER_INACTIVE_MS = 15_000;
