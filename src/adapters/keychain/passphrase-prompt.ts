import { XacctError } from '../../core/errors.js';
import type { Env } from '../../core/paths.js';
import { askOnTerminal } from '../prompt/inquirer-on-tty.js';
import type { TurnNeed } from '../prompt/terminal-turn.js';

export const PASSPHRASE_NEED: TurnNeed = { what: 'the passphrase of the encrypted secrets file', otherwise: 'set XACCT_FILE_PASSPHRASE' };

export function noTerminalForPassphrase(file: string): XacctError {
  return new XacctError(`no terminal to ask for the passphrase of ${file}`, { hint: 'set XACCT_FILE_PASSPHRASE, or run the command in a terminal' });
}

export interface PassphraseQuestion {
  /** A line before the question: how long the file stays unlocked. */
  readonly note?: string;
  /** Checks the passphrase as typed (an existing file): true, or what to tell before asking again. */
  readonly check?: (passphrase: string) => Promise<true | string>;
}

/** Asks for the file backend's passphrase on the terminal (twice for a new file), never echoing it. */
export async function askPassphrase(env: Env, file: string, creating: boolean, question: PassphraseQuestion = {}): Promise<string> {
  const notEmpty = (v: string) => (v.length > 0 ? true : 'the passphrase cannot be empty');
  const turn = { env, need: PASSPHRASE_NEED };
  const before = question.note ? { before: question.note } : {};
  if (!creating) {
    const check = question.check;
    const validate = check ? async (v: string) => (v.length > 0 ? check(v) : notEmpty(v)) : notEmpty;
    return (await askOnTerminal([{ message: `Passphrase for ${file}:`, secret: true, validate, ...before }], () => noTerminalForPassphrase(file), turn))[0] ?? '';
  }
  const [first, again] = await askOnTerminal(
    [
      { message: `New passphrase for ${file}:`, secret: true, validate: notEmpty, ...before },
      { message: 'Repeat the passphrase:', secret: true },
    ],
    () => noTerminalForPassphrase(file),
    turn,
  );
  if (first !== again) throw new XacctError('the two passphrases differ; nothing was stored');
  return first ?? '';
}
