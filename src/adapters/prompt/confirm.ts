/** A yes/no question on the terminal itself (/dev/tty). */
import { askWithInquirer } from './inquirer-on-tty.js';

/** The answer; undefined when there is no terminal. Ctrl-C ends the command with exit 130. */
export function confirmOnTerminal(message: string, defaultAnswer: boolean): Promise<boolean | undefined> {
  return askWithInquirer(({ confirm }, context) => confirm({ message, default: defaultAnswer }, context));
}
