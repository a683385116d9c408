import type { Command } from 'commander';
import type { WhoamiResult } from '../../app/whoami.js';
import { addCredentialOptions, credentialRequest, type CredentialOptions } from '../credential-options.js';

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
      const { whoami } = await import('../../app/whoami.js');
      const result = await whoami(process.env, credentialRequest(profile, opts));
      process.stdout.write(opts.json ? `${JSON.stringify({ account: result.account, arn: result.arn, userId: result.userId, profile: result.profile })}\n` : formatWhoami(result));
    });
}

/** Aligned `Name  value` lines, for people. */
function formatWhoami(r: WhoamiResult): string {
  const rows: [string, string][] = [
    ['Profile', r.profile],
    ['Account', r.account],
    ['ARN', r.arn],
    ['UserId', r.userId],
  ];
  return rows.map(([k, v]) => `${k.padEnd(9)}${v}\n`).join('');
}
