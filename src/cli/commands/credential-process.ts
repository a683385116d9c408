import type { Command } from 'commander';
import type { AwsCredentials } from '../../core/credentials.js';
import cacheEntry from '../../core/cache-entry.cjs';
import { XacctError } from '../../core/errors.js';
import { addCredentialOptions, credentialRequest, type CredentialOptions } from '../credential-options.js';

export function register(program: Command): void {
  addCredentialOptions(
    program
      .command('credential-process')
      .argument('[profile]', 'profile to get credentials for (default: default_profile)')
      .description('print credentials as credential_process JSON, for ~/.aws/config'),
  ).action(async (profile: string | undefined, options: CredentialOptions) => {
    const { serveCredentialProcess } = await import('../../app/credential-process.js');
    await serveCredentialProcess(process.env, credentialRequest(profile, options), (credentials) => {
      process.stdout.write(`${credentialProcessJson(credentials)}\n`);
    });
  });
}

/** The `credential_process` output of the AWS SDKs (defined in core/cache-entry.cts, which the fast path prints too). */
export function credentialProcessJson(c: AwsCredentials): string {
  const json = cacheEntry.credentialProcessJson(c);
  if (json === undefined) throw new XacctError('the credentials obtained are not a temporary session');
  return json;
}
