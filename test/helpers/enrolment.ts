/**
 * The person's side of `xacct mfa enroll` on a pseudo-terminal, played as an authenticator app would: the secret read
 * off the screen, then the codes it shows (RFC 6238) typed where they are asked for. One sequence for every test
 * that enrols a device (mfa-enroll, the README's first hour).
 */
import type { PtySession } from './pty.js';
import { totp, totpStep } from './totp.js';

/** Reads the new device's secret off the screen, as a person would type it into the app. */
export async function secretOnScreen(term: PtySession): Promise<string> {
  const [, grouped] = await term.expect(/or type this secret into it \(time-based, 6 digits\):\s+([A-Z2-7 ]+?)\s*\n/, 20_000);
  return grouped!.replace(/ /g, '');
}

/**
 * Types the two consecutive codes the enrolment asks for, says yes to the first MFA session, and types the next code
 * at its prompt (`sessionPrompt`).
 */
export async function answerEnrolment(term: PtySession, secret: string, sessionPrompt: string | RegExp): Promise<void> {
  const step = totpStep();
  await term.expect('Code shown by the app now:');
  term.write(`${totp(secret, { step: step - 1 })}\r`);
  await term.expect('The next code (wait until it changes):');
  term.write(`${totp(secret, { step })}\r`);
  await term.expect('Open the first MFA session now? It takes the next code of the app.', 15_000);
  term.write('y\r');
  await term.expect(sessionPrompt, 15_000);
  term.write(`${totp(secret, { step: step + 1 })}\r`);
}
