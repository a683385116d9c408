import { debugEnabled, debugTrace, say } from '../app/say.js';
import { XacctError } from '../core/errors.js';

/**
 * Prints an error as one line on stderr (`xacct: …`, plus a hint line when one helps) and returns the exit code.
 * No stack trace unless XACCT_DEBUG=1.
 */
export function reportError(err: unknown, env: NodeJS.ProcessEnv = process.env): number {
  const debug = debugEnabled(env);
  if (err instanceof XacctError) {
    say(err.message);
    if (err.hint) say(err.hint);
    if (debug) debugTrace(err);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  say(`unexpected error: ${message}`);
  if (debug) debugTrace(err);
  else say('run again with XACCT_DEBUG=1 for details');
  return 1;
}

