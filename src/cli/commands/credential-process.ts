import type { Command } from 'commander';
import { notImplemented } from '../not-implemented.js';

export function register(program: Command): void {
  program
    .command('credential-process')
    .description('print credentials as credential_process JSON')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notImplemented('credential-process'));
}
