import type { Command } from 'commander';
import { addCredentialOptions, credentialRequest, type CredentialOptions } from '../program.js';

interface WhoamiOptions extends CredentialOptions {
  json?: boolean;
}

export function register(program: Command): void {
  addCredentialOptions(
    program
      .command('whoami')
      .description("STS GetCallerIdentity with the profile's credentials")
      .argument('[profile]', 'profile to use (default: default_profile)')
      .option('--json', 'print {"account","arn","userId","profile"} instead of text'),
  )
    .action(async (profile: string | undefined, opts: WhoamiOptions) => {
      const { whoami, formatWhoami } = await import('../../app/whoami.js');
      const result = await whoami(process.env, credentialRequest(profile, opts));
      process.stdout.write(opts.json ? `${JSON.stringify({ account: result.account, arn: result.arn, userId: result.userId, profile: result.profile })}\n` : formatWhoami(result));
    });
}
