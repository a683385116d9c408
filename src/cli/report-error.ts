import { XacctError } from '../core/errors.js';
import { oneLine } from '../core/one-line.js';

/**
 * Prints an error as one line on stderr (`xacct: …`, plus a hint line when one helps) and returns the exit code.
 * No stack trace unless XACCT_DEBUG=1.
 */
export function reportError(err: unknown, env: NodeJS.ProcessEnv = process.env): number {
  const debug = env.XACCT_DEBUG === '1' || env.XACCT_DEBUG === 'true';
  if (err instanceof XacctError) {
    process.stderr.write(`xacct: ${oneLine(err.message)}\n`);
    if (err.hint) process.stderr.write(`xacct: ${oneLine(err.hint)}\n`);
    if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`xacct: unexpected error: ${oneLine(message)}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('xacct: run again with XACCT_DEBUG=1 for details\n');
  return 1;
}

