/**
 * @inquirer/prompts on the terminal itself (/dev/tty), so that its questions work when stdin, stdout and stderr are
 * pipes. The library is loaded only when there is a terminal to ask on.
 */
import type * as Prompts from '@inquirer/prompts';
import { XacctError } from '../../core/errors.js';
import { openTerminalStreams } from './tty.js';

/** The context argument of every @inquirer/prompts question. */
export interface PromptContext {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
}

/**
 * Asks one question, `ask` being the call of a prompt of the library with the context given; undefined when there is
 * no terminal. Each call opens the terminal afresh: a prompt ends its output stream when done (stream.pipe).
 * Ctrl-C ends the command with exit 130.
 */
export async function askWithInquirer<T>(ask: (prompts: typeof Prompts, context: PromptContext) => Promise<T>): Promise<T | undefined> {
  const terminal = openTerminalStreams();
  if (!terminal) return undefined;
  try {
    return await ask(await import('@inquirer/prompts'), { input: terminal.input, output: terminal.output });
  } catch (err) {
    if (err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError')) {
      throw new XacctError('cancelled', { exitCode: 130 });
    }
    throw err;
  } finally {
    terminal.close();
  }
}

export interface Question {
  readonly message: string;
  /** Not echoed (shown masked). */
  readonly secret?: boolean;
  readonly validate?: (value: string) => true | string;
}

/** Asks each question in turn (answers trimmed, except secrets); `noTerminal` is the error when there is no terminal. */
export async function askOnTerminal(questions: readonly Question[], noTerminal: () => XacctError): Promise<string[]> {
  const answers: string[] = [];
  for (const q of questions) {
    const config = { message: q.message, ...(q.validate ? { validate: q.validate } : {}) };
    const answer = await askWithInquirer(async ({ input, password }, context) =>
      q.secret ? password({ ...config, mask: true }, context) : (await input(config, context)).trim(),
    );
    if (answer === undefined) throw noTerminal();
    answers.push(answer);
  }
  return answers;
}
