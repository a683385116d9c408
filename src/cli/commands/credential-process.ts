import type { Command } from 'commander';
import type { AwsCredentials } from '../../core/credentials.js';
import { XacctError } from '../../core/errors.js';
import { addCredentialOptions, credentialRequest, type CredentialOptions } from '../program.js';

export function register(program: Command): void {
  addCredentialOptions(
    program
      .command('credential-process')
      .argument('[profile]', 'profile to get credentials for (default: default_profile)')
      .description('print credentials as credential_process JSON, for ~/.aws/config'),
  ).action(async (profile: string | undefined, options: CredentialOptions) => {
    const [{ prepareCredentials }, fastPath] = await Promise.all([import('../../app/get-credentials.js'), import('../../app/fast-path-index.js')]);
    // The fast path serves `credential-process <profile>` alone; --duration asks for another session and
    // --no-cache for none, so only a run without them says what that call would be served.
    const stamp = profile && !options.duration && options.cache ? fastPath.stampInputs(process.env) : undefined;
    const prepared = await prepareCredentials(process.env, credentialRequest(profile, options));
    const credentials = await prepared.provider.retrieve();
    process.stdout.write(`${credentialProcessJson(credentials)}\n`);
    if (profile && stamp) {
      const { context, plan } = prepared;
      try {
        await fastPath.recordServedProfile(process.env, { profile, plan, userName: context.userName, backend: context.store.backend, stamp });
      } catch {
        // Only speeds up later calls: a failure here must not fail this one.
      }
    }
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
