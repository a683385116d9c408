import { XacctError } from '../../core/errors.js';
import type { Env } from '../../core/paths.js';
import { askOnTerminal } from '../prompt/inquirer-on-tty.js';
import type { PassphraseSource } from './file.js';

/** The default passphrase source of the file backend: XACCT_FILE_PASSPHRASE, else asked on the terminal. */
export function passphraseFromEnvOrTerminal(env: Env): PassphraseSource {
  return async ({ file, creating }) => {
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
