import { describe, expect, it } from 'vitest';
import { durationInWords, formatDuration, parseDuration, ROLE_DURATION, SESSION_DURATION } from '../../src/core/duration.js';
import { UsageError } from '../../src/core/errors.js';

const role = { ...ROLE_DURATION, what: '--duration' };
const session = { ...SESSION_DURATION, what: 'session_duration' };

describe('parseDuration', () => {
  it.each([
    [900, 900],
    ['900', 900],
    ['15m', 900],
    ['1h', 3600],
    ['12h', 43200],
    ['1h30m', 5400],
    ['90m', 5400],
    ['1h0m30s', 3630],
    [' 2H ', 7200],
  ])('reads %j as %i seconds', (text, seconds) => {
    expect(parseDuration(text, role)).toBe(seconds);
  });

  it('accepts the ends of the range', () => {
    expect(parseDuration('15m', session)).toBe(900);
    expect(parseDuration('36h', session)).toBe(129600);
    expect(parseDuration(129600, session)).toBe(129600);
  });

  it.each(['', 'h', '1.5h', '-900', '1d', '1m1h', 'abc', '15 m'])('rejects malformed %j with the allowed forms and range', (text) => {
    expect(() => parseDuration(text, role)).toThrow(UsageError);
    expect(() => parseDuration(text, role)).toThrow(
      `invalid --duration '${text}': write seconds (900) or a length such as 15m, 1h, 1h30m, between 15 minutes and 12 hours`,
    );
  });

  it('rejects numbers that are not whole seconds', () => {
    expect(() => parseDuration(900.5, role)).toThrow("invalid --duration '900.5'");
    expect(() => parseDuration(-1, role)).toThrow(UsageError);
  });

  it.each([
    ['13h', role, '--duration 13h is out of range: it must be between 15 minutes and 12 hours'],
    [899, role, '--duration 899 is out of range: it must be between 15 minutes and 12 hours'],
    ['37h', session, 'session_duration 37h is out of range: it must be between 15 minutes and 36 hours'],
    ['10m', session, 'session_duration 10m is out of range: it must be between 15 minutes and 36 hours'],
  ] as const)('rejects %j out of range', (text, range, message) => {
    const err = (() => {
      try {
        parseDuration(text, range);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as UsageError).message).toBe(message);
  });

  it('has the ranges of SPEC', () => {
    expect(SESSION_DURATION).toEqual({ min: 900, max: 129600, default: 43200 });
    expect(ROLE_DURATION).toEqual({ min: 900, max: 43200, default: 3600 });
  });
});

describe('formatDuration and durationInWords', () => {
  it.each([
    [0, '0s', '0 seconds'],
    [45, '45s', '45 seconds'],
    [900, '15m', '15 minutes'],
    [3600, '1h', '1 hour'],
    [5400, '1h30m', '1 hour 30 minutes'],
    [129600, '36h', '36 hours'],
    [3661, '1h1m1s', '1 hour 1 minute 1 second'],
  ])('%i seconds', (seconds, compact, words) => {
    expect(formatDuration(seconds)).toBe(compact);
    expect(durationInWords(seconds)).toBe(words);
  });

  it('round-trips through parseDuration', () => {
    for (const s of [900, 1000, 3600, 5400, 43200]) expect(parseDuration(formatDuration(s), role)).toBe(s);
  });
});
