/**
 * Chat screen settings: `ui.json` in the profile directory, overridden by
 * `natter chat` flags. Every key is optional; unknown keys and bad values are
 * reported and ignored, never fatal. Pure: the CLI reads the file.
 *
 *   {
 *     "autoAwayMinutes": 5,           // idle minutes before 'away'; 0 turns it off
 *     "bell": true,                   // terminal bell for messages not on screen
 *     "desktopNotifications": "off",  // "off" | "osc9" | "osc777"
 *     "sidebarWidth": 22,             // columns, 12-40
 *     "historyPageSize": 200          // messages loaded at a time when scrolling back
 *   }
 */
import type { DesktopNotifications } from './notify.js';

export interface UiSettings {
  autoAwayMinutes: number;
  bell: boolean;
  desktopNotifications: DesktopNotifications;
  sidebarWidth: number;
  historyPageSize: number;
}

export const DEFAULT_SETTINGS: Readonly<UiSettings> = {
  autoAwayMinutes: 5,
  bell: true,
  desktopNotifications: 'off',
  sidebarWidth: 22,
  historyPageSize: 200,
};

/** A week: anything longer is a typo, not an idle timeout. */
export const MAX_AUTO_AWAY_MINUTES = 7 * 24 * 60;
export const MAX_HISTORY_PAGE = 5_000;

const CHECKS: { [K in keyof UiSettings]: { valid: (v: unknown) => boolean; expect: string } } = {
  autoAwayMinutes: {
    valid: (v) =>
      typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_AUTO_AWAY_MINUTES,
    expect: `minutes, 0-${MAX_AUTO_AWAY_MINUTES}`,
  },
  bell: { valid: (v) => typeof v === 'boolean', expect: 'true or false' },
  desktopNotifications: {
    valid: (v) => v === 'off' || v === 'osc9' || v === 'osc777',
    expect: '"off", "osc9" or "osc777"',
  },
  sidebarWidth: {
    valid: (v) => Number.isInteger(v) && (v as number) >= 12 && (v as number) <= 40,
    expect: 'columns, 12-40',
  },
  historyPageSize: {
    valid: (v) => Number.isInteger(v) && (v as number) >= 20 && (v as number) <= MAX_HISTORY_PAGE,
    expect: `messages, 20-${MAX_HISTORY_PAGE}`,
  },
};

/** Settings from parsed JSON (or flags), over `base`; `problems` says what was ignored. */
export function parseSettings(
  raw: unknown,
  base: Readonly<UiSettings> = DEFAULT_SETTINGS,
): { settings: UiSettings; problems: string[] } {
  const settings: UiSettings = { ...base };
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { settings, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { settings, problems: ['ui settings: expected a JSON object'] };
  }
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in CHECKS)) {
      problems.push(`ui settings: unknown key "${key}"`);
      continue;
    }
    const k = key as keyof UiSettings;
    if (value === undefined) continue;
    if (!CHECKS[k].valid(value)) {
      problems.push(`ui settings: ${key} must be ${CHECKS[k].expect}`);
      continue;
    }
    (settings as unknown as Record<string, unknown>)[k] = value;
  }
  return { settings, problems };
}
