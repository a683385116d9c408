import type { Command } from 'commander';
import { notImplemented } from '../not-implemented.js';

export function register(program: Command): void {
  program
    .command('add')
    .description("store a source's long-term keys in the keychain")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notImplemented('add'));
}
