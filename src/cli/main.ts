import { reportError } from './report-error.js';

/** Entry point: returns the process exit code. Heavy modules are imported only by the commands that need them. */
export async function main(argv: string[]): Promise<number> {
  try {
    const { runProgram } = await import('./program.js');
    return await runProgram(argv);
  } catch (err) {
    return reportError(err);
  }
}
