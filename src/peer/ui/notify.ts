/**
 * Whether a new message rings the bell or raises a desktop notification, and the
 * terminal sequences for the latter. Pure.
 *
 * Desktop notifications go through the terminal: OSC 9 (iTerm2, Windows Terminal,
 * ConEmu, WezTerm, foot) or OSC 777 (urxvt, foot, Ghostty, some VTE terminals). Off by
 * default: a terminal that does not know the sequence may print its text.
 */
import type { PresenceStatus } from '../index.js';
import { sanitize, truncate } from './text.js';

export type DesktopNotifications = 'off' | 'osc9' | 'osc777';

export interface NotifySettings {
  bell: boolean;
  desktop: DesktopNotifications;
}

/** Longest notification body, in columns: a preview, not the message. */
export const MAX_NOTIFICATION_COLS = 80;

/**
 * Bell and desktop notifications are for messages the user cannot see: in a
 * conversation not on screen. None at all while the user is busy.
 */
export function notificationFor(
  event: { onScreen: boolean },
  ownStatus: PresenceStatus,
  settings: NotifySettings,
): { bell: boolean; desktop: boolean } {
  if (ownStatus === 'busy' || event.onScreen) return { bell: false, desktop: false };
  return { bell: settings.bell, desktop: settings.desktop !== 'off' };
}

/**
 * The OSC sequence announcing a message from `from`. Both parts are peer text:
 * sanitised (no ESC or BEL can end the sequence early and smuggle another one in),
 * and ';' is kept out of OSC 777's title, where it separates fields.
 */
export function desktopNotification(
  kind: Exclude<DesktopNotifications, 'off'>,
  from: string,
  text: string,
): string {
  const who = truncate(sanitize(from), 32);
  const body = truncate(sanitize(text), MAX_NOTIFICATION_COLS);
  if (kind === 'osc9') return `\x1b]9;${who}: ${body}\x07`;
  return `\x1b]777;notify;natter: ${who.replace(/;/g, ',')};${body}\x07`;
}
