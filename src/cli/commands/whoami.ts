import type { Command } from 'commander';
import { notImplemented } from '../not-implemented.js';

export function register(program: Command): void {
  program
    .command('whoami')
    .description("STS GetCallerIdentity with the profile's credentials")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notImplemented('whoami'));
}
