import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { addCredentialOptions, credentialRequest, type CredentialOptions } from '../credential-options.js';

interface ExecOptions extends CredentialOptions {
  server?: boolean;
}

export function register(program: Command): void {
  addCredentialOptions(
    program
      .command('exec')
      .description('run a command with the credentials in its environment')
      .usage('[profile] [options] -- <command> [args...]')
      .argument('[profile]', 'profile to use (default: default_profile)')
      .argument('[command...]', 'the command and its arguments, after --'),
  )
    .option('--server', 'serve fresh credentials on a loopback endpoint instead of static keys')
    .addHelpText('after', '\nExamples:\n  xacct exec prod-admin -- terraform plan\n  xacct exec -- aws sts get-caller-identity     (default_profile)')
    .action(async (_profile: string | undefined, _command: string[], opts: ExecOptions, cmd: Command) => {
      const { profile, command } = splitAtDoubleDash(cmd);
      const [name, ...args] = command;
      if (name === undefined) {
        const target = profile ? ` ${profile}` : '';
        throw new UsageError('no command given', `give it after --: xacct exec${target} -- <command> [args...]; for a shell with the credentials: xacct assume${target}`);
      }
      const req = { ...credentialRequest(profile, opts), force: opts.force };
      if (opts.server) {
        const { runWithCredentialServer } = await import('../../app/serve-credentials.js');
        process.exitCode = await runWithCredentialServer(process.env, req, name, args);
        return;
      }
      const { execWithSession } = await import('../../app/run-command.js');
      process.exitCode = await execWithSession(process.env, req, name, args);
    });
}

/**
 * The profile before `--` and the command after it. Commander drops the `--` itself, so its place is found in
 * the raw arguments, skipping the values of options that take one (`--region -- …` is not the separator).
 */
function splitAtDoubleDash(cmd: Command): { profile?: string; command: string[] } {
  const operands = cmd.args;
  const raw = (cmd.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
  const start = raw.findIndex((a) => a === cmd.name() || cmd.aliases().includes(a));
  let dash = -1;
  for (let i = start + 1; start >= 0 && i < raw.length; i++) {
    const arg = raw[i]!;
    if (arg === '--') {
      dash = i;
      break;
    }
    const option = cmd.options.find((o) => o.long === arg || o.short === arg);
    if (option?.required) i++;
  }
  if (dash < 0) {
    if (operands.length > 1) {
      throw new UsageError(
        `put -- before the command, so that its options are not read as xacct's`,
        `run: xacct exec ${operands[0]} -- ${operands.slice(1).join(' ')}`,
      );
    }
    return { profile: operands[0], command: [] };
  }
  const command = raw.slice(dash + 1);
  const before = operands.slice(0, operands.length - command.length);
  if (before.length > 1) throw new UsageError(`one profile expected before --, got: ${before.join(' ')}`);
  return { profile: before[0], command };
}
