import type { Command } from 'commander';
import { register as list } from './list.js';
import { register as add } from './add.js';
import { register as remove } from './remove.js';
import { register as rotate } from './rotate.js';
import { register as mfa } from './mfa.js';
import { register as credentialProcess } from './credential-process.js';
import { register as exec } from './exec.js';
import { register as assume } from './assume.js';
import { register as whoami } from './whoami.js';
import { register as clear } from './clear.js';
import { register as login } from './login.js';
import { register as awsConfig } from './aws-config.js';
import { register as sync } from './sync.js';
import { register as doctor } from './doctor.js';
import { register as completion } from './completion.js';
import { register as agent } from './agent.js';

interface CommandModule {
  /** The commands it registers. */
  readonly names: readonly string[];
  readonly register: (program: Command) => void;
}

/** Order here is the order of `xacct --help`. */
const COMMANDS: readonly CommandModule[] = [
  { names: ['list'], register: list },
  { names: ['credential-process'], register: credentialProcess },
  { names: ['exec'], register: exec },
  { names: ['assume'], register: assume },
  { names: ['whoami'], register: whoami },
  { names: ['add'], register: add },
  { names: ['remove'], register: remove },
  { names: ['rotate'], register: rotate },
  { names: ['mfa'], register: mfa },
  { names: ['clear'], register: clear },
  { names: ['login'], register: login },
  { names: ['aws-config'], register: awsConfig },
  { names: ['sync'], register: sync },
  { names: ['doctor'], register: doctor },
  { names: ['agent'], register: agent },
  // The completion script describes every command: only its hidden `__complete` (names, on every Tab) runs alone.
  { names: ['__complete'], register: completion },
];

/**
 * Registers the commands. `first`, the first word of the command line: when it names a command, only that one is
 * registered (building every command's options costs ~10 ms of a call, and a call runs one command); for help, the
 * version, the completion script or an unknown word (which gets suggestions), all of them.
 */
export function registerAll(program: Command, first?: string): void {
  const one = first === undefined ? undefined : COMMANDS.find((c) => c.names.includes(first));
  for (const c of one ? [one] : COMMANDS) c.register(program);
}
