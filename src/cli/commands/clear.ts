import type { Command } from 'commander';
import { notImplemented } from '../not-implemented.js';

export function register(program: Command): void {
  program
    .command('clear')
    .description('delete cached sessions (all, without a profile)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notImplemented('clear'));
}
