import type { Command } from 'commander';
import { notImplemented } from '../not-implemented.js';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('what xacct sees: config, keychain backend, sources, clock, endpoints')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notImplemented('doctor'));
}
