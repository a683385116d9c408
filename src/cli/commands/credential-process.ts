import type { Command } from 'commander';
import type { AwsCredentials } from '../../core/credentials.js';
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

/** The `credential_process` output of the AWS SDKs: Version 1, keys in this order, Expiration in UTC. */
export function credentialProcessJson(c: AwsCredentials): string {
  if (!c.sessionToken || !c.expiration) throw new XacctError('the credentials obtained are not a temporary session');
  return JSON.stringify({
    Version: 1,
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    SessionToken: c.sessionToken,
    Expiration: c.expiration.toISOString(),
  });
}
