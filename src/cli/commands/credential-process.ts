import type { Command } from 'commander';
import type { AwsCredentials } from '../../core/credentials.js';
import { XacctError } from '../../core/errors.js';
import { addCredentialOptions, type CredentialOptions } from '../program.js';

export function register(program: Command): void {
  addCredentialOptions(
    program
      .command('credential-process')
      .argument('[profile]', 'profile to get credentials for (default: default_profile)')
      .description('print credentials as credential_process JSON, for ~/.aws/config'),
  ).action(async (profile: string | undefined, options: CredentialOptions) => {
    const { getCredentials } = await import('../../app/get-credentials.js');
    const { credentials } = await getCredentials(process.env, {
      ...(profile ? { profile } : {}),
      ...(options.mfaToken ? { mfaToken: options.mfaToken } : {}),
      ...(options.duration ? { duration: options.duration } : {}),
      ...(options.region ? { region: options.region } : {}),
      cache: options.cache,
    });
    process.stdout.write(`${credentialProcessJson(credentials)}\n`);
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
