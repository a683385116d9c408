import type { Command } from 'commander';
import { notImplemented } from '../not-implemented.js';

export function register(program: Command): void {
  program
    .command('exec')
    .description('run a command with the credentials in its environment')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notImplemented('exec'));
}
