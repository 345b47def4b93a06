/**
 * Sizes, rates and times left as people read them (issue 12: `natter transfers`, the
 * progress bar, the chat's status line), shared by the CLI and the chat screen. Binary
 * units throughout (1 KiB = 1024 bytes), as `natter config set max-incoming 2G` reads
 * them, so what is typed and what is shown mean the same number.
 */

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** `2202009` → '2.1 MiB'; under 1 KiB in bytes ('512 B'). */
export function formatSize(n: number): string {
  if (!Number.isFinite(n) || n < 1024) return `${Math.max(0, Math.round(n || 0))} B`;
  let value = n;
  let unit = 'B';
  for (const u of UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  // One decimal always ('2.1 MiB', '512.0 MiB'): the core's history lines use this too.
  return `${value.toFixed(1)} ${unit}`;
}

/** Bytes per second as '3.4 MiB/s'; '-' when idle. */
export function formatRate(bytesPerSec: number): string {
  return bytesPerSec > 0 ? `${formatSize(bytesPerSec)}/s` : '-';
}

/** Time left: '0:07', '12:30', '2:05:00'; '-' when unknown. */
export function formatEta(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '-';
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Whole percent done, 100 for an empty file. */
export function percentDone(done: number, size: number): number {
  if (size <= 0) return 100;
  return Math.min(100, Math.floor((done / size) * 100));
}
