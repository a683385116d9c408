/**
 * Questions asked on the terminal itself (/dev/tty), so they work when stdin, stdout and stderr are pipes.
 * Used for the file backend's passphrase and the keys of `xacct add`; @inquirer/prompts is loaded only here.
 */
import { closeSync } from 'node:fs';
import tty from 'node:tty';
import { XacctError } from '../../core/errors.js';
import { openTerminalFd } from '../prompt/tty.js';

export interface Question {
  readonly message: string;
  /** Not echoed (shown masked). */
  readonly secret?: boolean;
  readonly validate?: (value: string) => true | string;
}

interface Terminal {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  close(): void;
}

function openTerminal(): Terminal | undefined {
  if (process.platform === 'win32') {
    return process.stdin.isTTY && process.stderr.isTTY ? { input: process.stdin, output: process.stderr, close() {} } : undefined;
  }
  const inFd = openTerminalFd();
  if (inFd === null) return undefined;
  const outFd = openTerminalFd();
  if (outFd === null) {
    closeSync(inFd);
    return undefined;
  }
  // Separate descriptors: each stream closes its own when destroyed.
  const input = new tty.ReadStream(inFd);
  const output = new tty.WriteStream(outFd);
  return {
    input,
    output,
    close() {
      input.destroy();
      output.destroy();
    },
  };
}

/** Whether a terminal is there to ask on. */
export function hasTerminal(): boolean {
  const terminal = openTerminal();
  terminal?.close();
  return terminal !== undefined;
}

/**
 * Asks each question in turn on the terminal; `noTerminal` is the error to throw when there is none.
 * Ctrl-C ends the command with exit 130.
 */
export async function askOnTerminal(questions: readonly Question[], noTerminal: () => XacctError): Promise<string[]> {
  if (!hasTerminal()) throw noTerminal();
  const { input, password } = await import('@inquirer/prompts');
  const answers: string[] = [];
  for (const q of questions) {
    // A prompt ends its output stream when done (stream.pipe), so each question gets the terminal afresh.
    const terminal = openTerminal();
    if (!terminal) throw noTerminal();
    try {
      const context = { input: terminal.input, output: terminal.output };
      const config = { message: q.message, ...(q.validate ? { validate: q.validate } : {}) };
      answers.push(q.secret ? await password({ ...config, mask: true }, context) : (await input(config, context)).trim());
    } catch (err) {
      if (err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError')) {
        throw new XacctError('cancelled', { exitCode: 130 });
      }
      throw err;
    } finally {
      terminal.close();
    }
  }
  return answers;
}

/** The default passphrase source of the file backend: XACCT_FILE_PASSPHRASE, else asked on the terminal. */
export function passphraseFromEnvOrTerminal(env: Readonly<Record<string, string | undefined>>) {
  return async ({ file, creating }: { file: string; creating: boolean }): Promise<string> => {
    if (env.XACCT_FILE_PASSPHRASE) return env.XACCT_FILE_PASSPHRASE;
    const noTerminal = () =>
      new XacctError(`no terminal to ask for the passphrase of ${file}`, { hint: 'set XACCT_FILE_PASSPHRASE, or run the command in a terminal' });
    const notEmpty = (v: string) => (v.length > 0 ? true : 'the passphrase cannot be empty');
    if (!creating) return (await askOnTerminal([{ message: `Passphrase for ${file}:`, secret: true, validate: notEmpty }], noTerminal))[0] ?? '';
    const [first, again] = await askOnTerminal(
      [
        { message: `New passphrase for ${file}:`, secret: true, validate: notEmpty },
        { message: 'Repeat the passphrase:', secret: true },
      ],
      noTerminal,
    );
    if (first !== again) throw new XacctError('the two passphrases differ; nothing was stored');
    return first ?? '';
  };
}
