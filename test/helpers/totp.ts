/**
 * TOTP codes (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits — what AWS virtual MFA devices use), for the test
 * double that checks EnableMFADevice's two codes and for tests that play the person's authenticator app.
 */
import { createHmac } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 Base32, padding and case ignored. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/=+$/, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const index = BASE32.indexOf(ch);
    if (index < 0) throw new Error(`not Base32: ${JSON.stringify(ch)}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The code of time step `step` (RFC 4226 HOTP over the step counter). */
export function hotp(secret: Buffer, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

export const TOTP_STEP_SECONDS = 30;

export function totpStep(at: number = Date.now()): number {
  return Math.floor(at / 1000 / TOTP_STEP_SECONDS);
}

/** The code an authenticator shows at `at` (ms), or at time step `step` when given. */
export function totp(base32Secret: string, opts: { at?: number; step?: number } = {}): string {
  return hotp(base32Decode(base32Secret), opts.step ?? totpStep(opts.at));
}

/**
 * Whether `code1`, `code2` are two consecutive codes of the device, the later one current give or take `window`
 * steps (AWS's check of EnableMFADevice).
 */
export function consecutiveCodes(base32Secret: string, code1: string, code2: string, window = 2, at: number = Date.now()): boolean {
  const secret = base32Decode(base32Secret);
  const now = totpStep(at);
  for (let step = now - window; step <= now + window; step++) {
    if (hotp(secret, step - 1) === code1 && hotp(secret, step) === code2) return true;
  }
  return false;
}
