/**
 * A searchable list on the terminal itself (/dev/tty), so that it works when stdout is a pipe
 * (`xacct exec -- cmd | less`). @inquirer/prompts is loaded only when there is a terminal to ask on.
 */
import { ReadStream, WriteStream } from 'node:tty';
import { XacctError } from '../../core/errors.js';
import { openTerminalFd } from './tty.js';

export interface PickerChoice {
  readonly value: string;
  /** The line shown in the list. */
  readonly name: string;
  /** Shown under the list for the highlighted choice. */
  readonly description?: string;
}

export interface PickerQuestion {
  readonly message: string;
  /** The choices matching what was typed so far (`''` at first), best first. */
  readonly choices: (term: string) => readonly PickerChoice[];
  readonly pageSize?: number;
}

interface TerminalStreams {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  close(): void;
}

function openTerminalStreams(): TerminalStreams | undefined {
  if (process.platform === 'win32') {
    // No /dev/tty: the console, when stdin and stderr are on it.
    if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
    return { input: process.stdin, output: process.stderr, close() {} };
  }
  const inFd = openTerminalFd();
  if (inFd === null) return undefined;
  const outFd = openTerminalFd();
  const input = new ReadStream(inFd);
  if (outFd === null) {
    input.destroy();
    return undefined;
  }
  const output = new WriteStream(outFd);
  return {
    input,
    output,
    close() {
      input.destroy();
      output.destroy();
    },
  };
}

/** The chosen value; undefined when there is no terminal to ask on. Ctrl-C ends the command with exit 130. */
export async function searchOnTerminal(question: PickerQuestion): Promise<string | undefined> {
  const terminal = openTerminalStreams();
  if (!terminal) return undefined;
  try {
    const { search } = await import('@inquirer/prompts');
    return await search<string>(
      {
        message: question.message,
        source: (term) => question.choices(term ?? ''),
        pageSize: question.pageSize ?? 12,
      },
      { input: terminal.input, output: terminal.output, clearPromptOnDone: false },
    );
  } catch (err) {
    if (err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError')) {
      throw new XacctError('cancelled', { exitCode: 130 });
    }
    throw err;
  } finally {
    terminal.close();
  }
}
