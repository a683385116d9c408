/**
 * What only the person at the terminal may see (an MFA device's secret and its QR code): written to the terminal
 * itself (/dev/tty), never to stdout, stderr, a file or a log. When the terminal has one, the alternate screen is
 * used, as `less` does: leaving it removes the secret from the screen and from the scrollback.
 */
import type { Env } from '../../core/paths.js';
import { openTerminalStreams } from './tty.js';

export interface SecretScreen {
  /** Whether the alternate screen is used, so that what is shown goes when the screen is closed. */
  readonly alternate: boolean;
  show(text: string): void;
  /** Leaves the alternate screen (the secret disappears) and releases the terminal. */
  close(): void;
}

const ENTER_ALTERNATE = '\x1b[?1049h\x1b[H\x1b[2J';
const LEAVE_ALTERNATE = '\x1b[?1049l';

/** The screen, or undefined when there is no terminal. */
export function openSecretScreen(env: Env): SecretScreen | undefined {
  const terminal = openTerminalStreams();
  if (!terminal) return undefined;
  const alternate = Boolean(env.TERM) && env.TERM !== 'dumb';
  if (alternate) terminal.output.write(ENTER_ALTERNATE);
  let closed = false;
  return {
    alternate,
    show: (text) => void terminal.output.write(text.replace(/\n/g, '\r\n')),
    close() {
      if (closed) return;
      closed = true;
      if (alternate) terminal.output.write(LEAVE_ALTERNATE);
      terminal.close();
    },
  };
}

/** The QR code of `text` in Unicode half blocks (two rows per line), loaded only when asked for. */
export async function qrCode(text: string): Promise<string> {
  const { renderUnicodeCompact } = await import('uqr');
  return renderUnicodeCompact(text, { ecc: 'M' });
}
