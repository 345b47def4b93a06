/**
 * The relay's defaults that `natter relay --help` names, in a module of their own: the
 * CLI reads them without loading the relay (commands/relay.ts; the relay is imported
 * only when it runs, commands/relay-run.ts). limits.ts re-exports them.
 */

/** The relay's TCP port unless configured: one above natter's presence UDP port's neighbour. */
export const DEFAULT_RELAY_PORT = 47474;

/**
 * Stored file bytes per uploader, counted at FilePut by the size it announces (so a
 * refusal comes before any chunk: E_FILE_QUOTA). 8 GiB holds a few disk images or a
 * season of video per person while 100 users still fit a modest disk.
 */
export const FILE_QUOTA_BYTES = 8 * 1024 * 1024 * 1024;

/**
 * A LAN has hundreds of users (DESIGN.md §2); 10,000 leaves room for a campus and
 * bounds the directory held in memory (a card is a few hundred bytes). `natter relay
 * --max-users` raises it.
 */
export const MAX_USERS = 10_000;
