/** The test double's TOTP (test/helpers/totp.ts) against RFC 6238's own vectors: a checker that is wrong would pass wrong codes. */
import { describe, expect, it } from 'vitest';
import { base32Decode, consecutiveCodes, totp } from '../helpers/totp.js';

const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"

describe('totp (test helper)', () => {
  it('decodes Base32', () => {
    expect(base32Decode(RFC_SECRET).toString('ascii')).toBe('12345678901234567890');
    expect(() => base32Decode('AB1')).toThrow(/not Base32/);
  });

  it('gives the codes of RFC 6238 appendix B (SHA-1, last 6 digits)', () => {
    expect(totp(RFC_SECRET, { at: 59_000 })).toBe('287082');
    expect(totp(RFC_SECRET, { at: 1_111_111_109_000 })).toBe('081804');
    expect(totp(RFC_SECRET, { at: 1_234_567_890_000 })).toBe('005924');
    expect(totp(RFC_SECRET, { at: 20_000_000_000_000 })).toBe('353130');
  });

  it('accepts two consecutive codes near now, in order only', () => {
    const at = 1_234_567_890_000;
    const step = Math.floor(at / 30_000);
    const [a, b] = [totp(RFC_SECRET, { step: step - 1 }), totp(RFC_SECRET, { step })];
    expect(consecutiveCodes(RFC_SECRET, a, b, 2, at)).toBe(true);
    expect(consecutiveCodes(RFC_SECRET, b, a, 2, at)).toBe(false);
    expect(consecutiveCodes(RFC_SECRET, a, a, 2, at)).toBe(false);
    expect(consecutiveCodes(RFC_SECRET, a, b, 2, at + 10 * 30_000)).toBe(false);
  });
});
