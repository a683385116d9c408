import type { Command } from 'commander';
import { notImplemented } from '../not-implemented.js';

export function register(program: Command): void {
  program
    .command('completion')
    .description('shell completion script (bash, zsh, fish)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notImplemented('completion'));
}
