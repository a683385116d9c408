import { takeSecretsFromProcessEnv } from '../core/session-env.js';
import { reportError } from './report-error.js';

/** Entry point: returns the process exit code. Heavy modules are imported only by the commands that need them. */
export async function main(argv: string[]): Promise<number> {
  takeSecretsFromProcessEnv(process.env);
  endQuietlyOnBrokenPipe();
  try {
    const { runProgram } = await import('./program.js');
    return await runProgram(argv);
  } catch (err) {
    return reportError(err);
  }
}

/**
 * A reader that stops early (`xacct list | head -1`) closes the pipe: the next write fails with EPIPE, which Node
 * would report as an unhandled error with a stack trace. The output could not be delivered, so the work failed
 * (exit 1, as the credential-process fast path does), but there is no one to tell: end quietly.
 */
function endQuietlyOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {
      process.exitCode = 1;
    });
  }
}
