import type { Command } from 'commander';
import { notImplemented } from '../not-implemented.js';

export function register(program: Command): void {
  program
    .command('login')
    .description('AWS console sign-in URL for the role')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notImplemented('login'));
}
