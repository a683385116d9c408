import { oneLine } from '../core/one-line.js';
import type { Env } from '../core/paths.js';

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

/** XACCT_DEBUG=1 (or true): stack traces on stderr. */
export function debugEnabled(env: Env): boolean {
  return env.XACCT_DEBUG === '1' || env.XACCT_DEBUG === 'true';
}
