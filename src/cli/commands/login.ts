import type { Command } from 'commander';
import { addCredentialOptions, credentialRequest, type CredentialOptions } from '../credential-options.js';

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
      if (opts.print) {
        const { consoleSigninUrl } = await import('../../app/console-login.js');
        process.stdout.write(`${(await consoleSigninUrl(process.env, credentialRequest(profile, opts))).url}\n`);
        return;
      }
      const [{ openConsoleInBrowser }, { say }] = await Promise.all([import('../../app/console-login.js'), import('../../app/say.js')]);
      const { profile: signedIn } = await openConsoleInBrowser(process.env, credentialRequest(profile, opts));
      say(`opened the AWS console as ${signedIn} in your browser`);
    });
}
