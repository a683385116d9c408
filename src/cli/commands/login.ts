import type { Command } from 'commander';
import { addCredentialOptions, type CredentialOptions } from '../program.js';

interface LoginOptions extends CredentialOptions {
  print?: boolean;
}

export function register(program: Command): void {
  addCredentialOptions(
    program
      .command('login')
      .description('AWS console sign-in URL for the role; opens a browser, or prints it')
      .argument('[profile]', 'profile to sign in as (default: default_profile)')
      .option('--print', 'print the sign-in URL on stdout instead of opening a browser'),
  )
    .addHelpText('after', '\nThe URL signs in whoever opens it: do not paste it anywhere shared.')
    .action(async (profile: string | undefined, opts: LoginOptions) => {
      const { consoleSigninUrl } = await import('../../app/console-login.js');
      const login = await consoleSigninUrl(process.env, {
        profile,
        mfaToken: opts.mfaToken,
        duration: opts.duration,
        region: opts.region,
        cache: opts.cache,
      });
      if (opts.print) {
        process.stdout.write(`${login.url}\n`);
        return;
      }
      const { openInBrowser } = await import('../../adapters/browser.js');
      await openInBrowser(login.url, process.env);
      process.stderr.write(`xacct: opened the AWS console as ${login.profile} in your browser\n`);
    });
}
