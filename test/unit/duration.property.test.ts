/**
 * Durations as users write them (SPEC: 900, 15m, 1h, 12h): the canonical forms parse to the right number of
 * seconds, anything else is a UsageError (a ConfigError with file:line in the profile map), and no input ever
 * yields NaN or a number outside the range asked for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, ROLE_DURATION, SESSION_DURATION } from '../../src/core/duration.js';
import { ConfigError, UsageError } from '../../src/core/errors.js';
import { buildProfileMap } from '../../src/core/profile-map/build.js';

const RANGES = [
  { ...ROLE_DURATION, what: '--duration' },
  { ...SESSION_DURATION, what: 'session_duration' },
];
const range = fc.constantFrom(...RANGES);

/** `1h30m`, `90s`, `15m`…: hours, minutes and seconds written with units, zero parts left out. */
function withUnits(h: number, m: number, s: number): string {
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}` || '0s';
}

describe('parseDuration', () => {
  it('canonical forms parse to their seconds: plain seconds, and h/m/s units', () => {
    fc.assert(
      fc.property(range, fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), (r, h, m, s) => {
        const seconds = h * 3600 + m * 60 + s;
        for (const text of [String(seconds), withUnits(h, m, s), seconds]) {
          if (seconds >= r.min && seconds <= r.max) expect(parseDuration(text, r)).toBe(seconds);
          else expect(() => parseDuration(text, r)).toThrow(UsageError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('formatDuration writes what parseDuration reads back', () => {
    for (const r of RANGES) {
      fc.assert(
        fc.property(fc.integer({ min: r.min, max: r.max }), (seconds) => {
          expect(parseDuration(formatDuration(seconds), r)).toBe(seconds);
        }),
        { numRuns: 300 },
      );
    }
  });

  it('anything else is a UsageError naming what it is for; never NaN, never out of range', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.stringMatching(/^[-+ ]?[0-9.eE]{0,6}[hmsdHMS]{0,3}[0-9]{0,3}$/),
      fc.double().map(String),
    );
    fc.assert(
      fc.property(range, fc.oneof(text, fc.double(), fc.integer({ min: -1e6, max: 1e6 })), (r, input) => {
        let seconds: number;
        try {
          seconds = parseDuration(input, r);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          expect((err as UsageError).exitCode).toBe(2);
          expect((err as UsageError).message).toContain(r.what);
          return;
        }
        expect(Number.isSafeInteger(seconds)).toBe(true);
        expect(seconds).toBeGreaterThanOrEqual(r.min);
        expect(seconds).toBeLessThanOrEqual(r.max);
      }),
      { numRuns: 2000 },
    );
  });

  it('in the profile map, a bad duration is a ConfigError naming file and line', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -1e9, max: 1e9 }), fc.double({ noNaN: true, noDefaultInfinity: true })), (value) => {
        const literal = typeof value === 'string' ? JSON.stringify(value) : Number.isInteger(value) ? String(value) : value.toExponential();
        const text = `[sources.identity]\n[accounts]\nprod = "222222222222"\n[roles]\nadmin = { name = "Admin", duration = ${literal} }\n`;
        try {
          const plan = buildProfileMap({ profileMap: { file: '/x/config.toml', text } }).profiles.get('prod-admin')!;
          expect(plan.durationSeconds).toBeGreaterThanOrEqual(ROLE_DURATION.min);
          expect(plan.durationSeconds).toBeLessThanOrEqual(ROLE_DURATION.max);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as ConfigError).message).toMatch(/^\/x\/config\.toml:5: /);
        }
      }),
      { numRuns: 500 },
    );
  });
});
