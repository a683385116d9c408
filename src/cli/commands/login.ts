import type { Command } from 'commander';
import { addCredentialOptions, credentialRequest, type CredentialOptions } from '../program.js';

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
      const login = await consoleSigninUrl(process.env, credentialRequest(profile, opts));
      if (opts.print) {
        process.stdout.write(`${login.url}\n`);
        return;
      }
      const [{ openInBrowser }, { startOneTimeRedirect }, { say }] = await Promise.all([
        import('../../adapters/browser.js'),
        import('../../adapters/one-time-redirect.js'),
        import('../../app/say.js'),
      ]);
      // The browser gets a one-time loopback URL, never the sign-in URL itself: its argv is visible in `ps`.
      const redirect = await startOneTimeRedirect(login.url);
      try {
        await openInBrowser(redirect.url, process.env);
      } catch (err) {
        redirect.close();
        throw err;
      }
      await redirect.done;
      say(`opened the AWS console as ${login.profile} in your browser`);
    });
}
