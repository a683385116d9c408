import type { Command } from 'commander';
import { notImplemented } from '../not-implemented.js';

export function register(program: Command): void {
  program
    .command('list')
    .description('every profile: name, account, role ARN, source, MFA, cached session time left')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notImplemented('list'));
}
