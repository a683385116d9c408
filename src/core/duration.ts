import { UsageError } from './errors.js';

export interface DurationRange {
  /** Shortest allowed, in seconds. */
  readonly min: number;
  /** Longest allowed, in seconds. */
  readonly max: number;
  /** What the duration is for, in messages: "session_duration", "--duration". */
  readonly what: string;
}

/** MFA session lifetime (GetSessionToken): 15m..36h, default 12h. */
export const SESSION_DURATION = { min: 15 * 60, max: 36 * 3600, default: 12 * 3600 } as const;
/** Role session lifetime (AssumeRole): 15m..12h, default 1h. */
export const ROLE_DURATION = { min: 15 * 60, max: 12 * 3600, default: 3600 } as const;
/** How long the passphrase agent keeps the file backend unlocked while in use: 0 (no agent)..12h, default 10m. */
export const PASSPHRASE_CACHE = { min: 0, max: 12 * 3600, default: 10 * 60 } as const;

const UNITS = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * Reads a duration written as seconds (`900`, `"900"`) or with units (`15m`, `1h`, `12h`, `1h30m`, `90s`)
 * and checks it lies in `range`. Throws UsageError; the profile map rewraps it as a ConfigError with file:line.
 */
export function parseDuration(text: string | number, range: DurationRange): number {
  const seconds = toSeconds(text);
  const allowed = `between ${durationInWords(range.min)} and ${durationInWords(range.max)}`;
  if (seconds === undefined) {
    throw new UsageError(
      `invalid ${range.what} '${String(text)}': write seconds (900) or a length such as 15m, 1h, 1h30m, ${allowed}`,
    );
  }
  if (seconds < range.min || seconds > range.max) {
    throw new UsageError(`${range.what} ${String(text)} is out of range: it must be ${allowed}`);
  }
  return seconds;
}

function toSeconds(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text >= 0 ? text : undefined;
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) return Number(t);
  const m = UNITS.exec(t);
  if (!t || !m) return undefined;
  const [, h = '0', min = '0', s = '0'] = m;
  return Number(h) * 3600 + Number(min) * 60 + Number(s);
}

/** Compact form, the way durations are written in the profile map: 900 → "15m", 5400 → "1h30m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', rest ? `${rest}s` : ''].join('');
  return parts || '0s';
}

/** For messages: 900 → "15 minutes", 129600 → "36 hours", 5400 → "1 hour 30 minutes". */
export function durationInWords(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const words = [plural(h, 'hour'), plural(m, 'minute'), plural(s, 'second')].filter(Boolean);
  return words.join(' ') || '0 seconds';
}

function plural(n: number, unit: string): string {
  return n === 0 ? '' : `${n} ${unit}${n === 1 ? '' : 's'}`;
}
