import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { EXPORT_SHELLS, exportShellFor, isExportShell, type ExportShell } from '../../core/shell-export.js';
import { addCredentialOptions, credentialRequest, type CredentialOptions } from '../program.js';

interface AssumeOptions extends CredentialOptions {
  /** true for a bare --export, else the value given. */
  export?: string | boolean;
}

export function register(program: Command): void {
  addCredentialOptions(
    program
      .command('assume')
      .description('start $SHELL with the credentials, or print export statements')
      .argument('[profile]', 'profile to use (default: default_profile)'),
  )
    .option('--export [shell]', `print statements for eval instead (${EXPORT_SHELLS.join(', ')}; default: from $SHELL)`)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  xacct assume prod-admin',
        '  eval "$(xacct assume prod-admin --export)"                                 bash, zsh',
        '  xacct assume prod-admin --export fish | source',
        '  xacct assume prod-admin --export powershell | Out-String | Invoke-Expression',
      ].join('\n'),
    )
    .action(async (profileArg: string | undefined, opts: AssumeOptions) => {
      let profile = profileArg;
      let shell: ExportShell | undefined;
      if (typeof opts.export === 'string') {
        if (isExportShell(opts.export)) shell = opts.export;
        else if (profile === undefined) {
          // `--export prod-admin`: commander took the profile as the option's value.
          profile = opts.export;
          shell = exportShellFor(process.env.SHELL);
        } else throw new UsageError(`--export: unknown shell '${opts.export}'`, `use one of ${EXPORT_SHELLS.join(', ')}`);
      } else if (opts.export === true) shell = exportShellFor(process.env.SHELL);

      const req = { ...credentialRequest(profile, opts), force: opts.force };
      const { assumeExport, assumeInShell } = await import('../../app/run-command.js');
      if (shell) process.stdout.write(await assumeExport(process.env, req, shell));
      else process.exitCode = await assumeInShell(process.env, req);
    });
}
