import type { Command } from 'commander';
import { notImplemented } from '../not-implemented.js';

export function register(program: Command): void {
  program
    .command('remove')
    .description("delete a source's long-term keys from the keychain")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notImplemented('remove'));
}
