import { debugEnabled, oneLine, visible } from '../core/one-line.js';

/**
 * A line for people on stderr: `xacct: <text>`, made one safe line (it may quote files and AWS's answers).
 * stdout is for data only.
 */
export function say(text: string): void {
  process.stderr.write(`xacct: ${oneLine(text)}\n`);
}

export function warn(text: string): void {
  say(`warning: ${text}`);
}

/** XACCT_DEBUG=1 (or true): stack traces on stderr (src/core/text.cts has the one definition). */
export { debugEnabled };

/** An error's stack trace for XACCT_DEBUG=1, every line prefixed and made safe (it quotes messages and paths). */
export function debugTrace(err: unknown): void {
  const stack = err instanceof Error ? err.stack : undefined;
  if (!stack) return;
  for (const line of visible(stack).split('\n')) process.stderr.write(`xacct: debug: ${line}\n`);
}
