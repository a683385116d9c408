import type { Command } from 'commander';
import { notImplemented } from '../not-implemented.js';

export function register(program: Command): void {
  program
    .command('aws-config')
    .description('credential_process entries for every profile; --write merges them into ~/.aws/config')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notImplemented('aws-config'));
}
