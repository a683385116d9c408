import { Command, CommanderError } from 'commander';
import { checkEnvironment } from '../core/environment.js';
import { UsageError } from '../core/errors.js';
import { VERSION } from './version.js';
import { registerAll } from './commands/index.js';
import { addHelpExamples } from './help-examples.js';
import { visible } from '../core/one-line.js';

const ENVIRONMENT_EXEMPT = new Set(['doctor', 'completion', '__complete']);

/** `first`: the first word of the command line, so that only the command it names is registered (see registerAll). */
export function buildProgram(first?: string): Command {
  const program = new Command('xacct')
    .description('AWS cross-account access: one MFA code, many roles, sessions cached in the OS keychain.')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false })
    .addHelpText(
      'after',
      `
Examples:
  xacct list                                   every profile of the profile map
  xacct assume prod-admin                      a shell with prod-admin's credentials
  xacct exec prod-admin -- terraform plan      run one command with them
  xacct aws-config --write                     let every AWS tool use xacct through credential_process

Profile map: $XACCT_CONFIG, else $XDG_CONFIG_HOME/xacct/config.toml, else ~/.config/xacct/config.toml`,
    );
  registerAll(program, first);
  addHelpExamples(program);
  // SPEC: a malformed variable xacct reads is a configuration error naming it, before any work; doctor reports
  // them among its findings instead, and completion scripts need none.
  program.hook('preAction', (_program, command) => {
    if (!ENVIRONMENT_EXEMPT.has(command.name())) checkEnvironment(process.env);
  });
  for (const cmd of [program, ...program.commands]) {
    cmd.exitOverride();
    cmd.configureOutput({
      // Help and usage text quote the command line as typed: shown safe, like every line for people.
      writeErr: (s) => process.stderr.write(visible(s)),
      outputError: () => {
        /* reported once, by runProgram */
      },
    });
  }
  return program;
}

/** Runs the CLI; usage errors become UsageError (exit 2). */
export async function runProgram(argv: string[]): Promise<number> {
  const program = buildProgram(argv[0]);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return 0;
      }
      const message = err.message.replace(/^error:\s*/i, '');
      throw new UsageError(message, 'see xacct --help');
    }
    throw err;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
