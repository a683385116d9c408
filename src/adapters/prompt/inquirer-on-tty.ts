/**
 * @inquirer/prompts on the terminal itself (/dev/tty), so that its questions work when stdin, stdout and stderr are
 * pipes. The library is loaded only when there is a terminal to ask on.
 */
import type * as Prompts from '@inquirer/prompts';
import { XacctError } from '../../core/errors.js';
import type { Env } from '../../core/paths.js';
import { suspendProgress } from './progress.js';
import { onTerminalTurn, type TurnNeed } from './terminal-turn.js';
import { openTerminalStreams, terminalPresent } from './tty.js';

/** The context argument of every @inquirer/prompts question. */
export interface PromptContext {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
}

/** Which prompt takes the terminal: every question waits until no other xacct prompt stands there. */
export interface TurnRequest {
  readonly env: Env;
  readonly need: TurnNeed;
}

/**
 * Runs `questions` (each an askWithInquirer) in one turn on the terminal, so that no other xacct prompt comes
 * between them; undefined when there is no terminal.
 */
export async function inTurn<T>(turn: TurnRequest, questions: () => Promise<T>): Promise<T | undefined> {
  if (!terminalPresent()) return undefined;
  return onTerminalTurn(turn.env, turn.need, async () => {
    const resume = suspendProgress();
    try {
      return await questions();
    } finally {
      resume();
    }
  });
}

/**
 * Asks one question, `ask` being the call of a prompt of the library with the context given; undefined when there is
 * no terminal. Each call opens the terminal afresh: a prompt ends its output stream when done (stream.pipe).
 * Ctrl-C ends the command with exit 130. Run it inside {@link inTurn}.
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
  /** A line written on the terminal before the question: why it is asked. */
  readonly before?: string;
  /** true, or what is wrong (shown, and the question asked again). */
  readonly validate?: (value: string) => true | string | Promise<true | string>;
}

/**
 * Asks each question in order, in one turn on the terminal (answers trimmed, except secrets); `noTerminal` is the
 * error when there is no terminal. Secrets are never echoed: they show as `*`.
 */
export async function askOnTerminal(questions: readonly Question[], noTerminal: () => XacctError, turn: TurnRequest): Promise<string[]> {
  const answers = await inTurn(turn, async () => {
    const given: string[] = [];
    for (const q of questions) {
      const config = { message: q.message, ...(q.validate ? { validate: q.validate } : {}) };
      const answer = await askWithInquirer(async ({ input, password }, context) => {
        if (q.before) context.output.write(`${q.before}\n`);
        return q.secret ? password({ ...config, mask: true }, context) : (await input(config, context)).trim();
      });
      if (answer === undefined) return undefined;
      given.push(answer);
    }
    return given;
  });
  if (answers === undefined) throw noTerminal();
  return answers;
}
