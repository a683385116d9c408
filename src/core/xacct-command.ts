/** The one answer to "does this command line run xacct, and how": for doctor, aws-config and source profiles. */
import { shellWords } from './shell-words.js';

const XACCT_PROGRAM = /^xacct(?:\.js|\.cmd|\.exe|\.ps1)?$/i;

/** `xacct`, `/usr/local/bin/xacct`, `C:\tools\xacct.cmd`, `…/bin/xacct.js`. */
export function isXacctProgram(word: string): boolean {
  return XACCT_PROGRAM.test(word.split(/[\\/]/).pop() ?? '');
}

export interface XacctInvocation {
  /** The words up to xacct's own (`xacct`, `node …/bin/xacct.js`, `npx xacct`), joined by spaces. */
  readonly program: string;
  /** The subcommand (`credential-process`), when one is given. */
  readonly subcommand?: string;
  /** The profile that `credential-process` asks for, when the command names one. */
  readonly target?: string;
}

/** Options of credential-process that take a value, so that the value is not read as the profile. */
const OPTIONS_WITH_VALUE = new Set(['--mfa-token', '--duration', '--region']);

/** How `command` runs xacct; undefined when it does not (or cannot be split as a shell would). */
export function xacctInvocation(command: string): XacctInvocation | undefined {
  const words = shellWords(command);
  const at = words?.findIndex(isXacctProgram) ?? -1;
  if (!words || at < 0) return undefined;
  const program = words.slice(0, at + 1).join(' ');
  const [subcommand, ...rest] = words.slice(at + 1);
  if (subcommand !== 'credential-process') return { program, ...(subcommand ? { subcommand } : {}) };
  let target: string | undefined;
  for (let i = 0; i < rest.length && target === undefined; i++) {
    const word = rest[i]!;
    if (OPTIONS_WITH_VALUE.has(word)) i++;
    else if (!word.startsWith('-')) target = word;
  }
  return { program, subcommand, ...(target ? { target } : {}) };
}
