import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { EXPORT_SHELLS, exportShellFor, isExportShell, type ExportShell } from '../../core/shell-export.js';
import { addCredentialOptions, credentialRequest, type CredentialOptions } from '../credential-options.js';

interface AssumeOptions extends CredentialOptions {
  /** true for a bare --export, else the value given. */
  export?: string | boolean;
  unset?: boolean;
}

export function register(program: Command): void {
  addCredentialOptions(
    program
      .command('assume')
      .description('start $SHELL with the credentials, or print export statements')
      .argument('[profile]', 'profile to use (default: the session’s, else default_profile)'),
  )
    .option('--export [shell]', `print statements for eval instead (${EXPORT_SHELLS.join(', ')}; default: from $SHELL); they replace an exported session`)
    .option('--unset', 'print the statements that remove the exported session from this shell')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  xacct assume prod-admin',
        '  eval "$(xacct assume prod-admin --export)"                                 bash, zsh',
        '  xacct assume prod-admin --export fish | source',
        '  xacct assume prod-admin --export powershell | Out-String | Invoke-Expression',
        '  eval "$(xacct assume --unset)"                                             leave an exported session',
        '  xacct assume --unset --export fish | source',
      ].join('\n'),
    )
    .action(async (profileArg: string | undefined, opts: AssumeOptions) => {
      let profile = profileArg;
      let shell: ExportShell | undefined;
      if (typeof opts.export === 'string') {
        if (isExportShell(opts.export)) shell = opts.export;
        else if (profile === undefined && !opts.unset) {
          // `--export prod-admin`: commander took the profile as the option's value.
          profile = opts.export;
          shell = exportShellFor(process.env.SHELL);
        } else throw new UsageError(`--export: unknown shell '${opts.export}'`, `use one of ${EXPORT_SHELLS.join(', ')}`);
      } else if (opts.export === true || opts.unset) shell = exportShellFor(process.env.SHELL);

      const { assumeExport, assumeInShell, assumeUnset } = await import('../../app/run-command.js');
      if (opts.unset) {
        if (profile !== undefined) throw new UsageError('--unset takes no profile', 'usage: xacct assume --unset [--export <shell>]');
        process.stdout.write(assumeUnset(process.env, shell!));
        return;
      }
      const req = { ...credentialRequest(profile, opts), force: opts.force };
      if (shell) process.stdout.write(await assumeExport(process.env, req, shell));
      else process.exitCode = await assumeInShell(process.env, req);
    });
}
