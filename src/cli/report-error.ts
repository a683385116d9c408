import { XacctError } from '../core/errors.js';

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

/**
 * One line, and nothing a terminal would act on: messages quote values from files and from the network (an STS
 * error's text), and an escape sequence in one could rewrite the screen. Control characters are shown as \xNN.
 */
function oneLine(s: string): string {
  return s
    .replace(/\s*[\r\n]\s*/g, ' ')
    .replace(/\t/g, ' ')
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .trim();
}
