import type { Command } from 'commander';
import { notImplemented } from '../not-implemented.js';

export function register(program: Command): void {
  program
    .command('assume')
    .description('start $SHELL with the credentials, or print export statements')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notImplemented('assume'));
}
