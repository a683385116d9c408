/**
 * Source kind: an AWS profile of ~/.aws/credentials / ~/.aws/config, of any kind the AWS SDK resolves (static keys,
 * SSO, credential_process…): `aws_profile` of the source, else the profile of the source's own name.
 */
import { awsProfileKind } from '../aws-profile-kind.js';
import { provider } from '../credentials.js';
import { error, ok, warning } from '../doctor-report.js';
import { XacctError } from '../errors.js';
import type { SourceLink, SourcePlan } from '../profile-map/types.js';
import { xacctInvocation } from '../xacct-command.js';
import type { SourceKind } from './kind.js';

const KIND = 'aws-profile';

const link = (profile: string): SourceLink => ({ kind: KIND, settings: { profile } });

/** The AWS profile a source takes its keys from, if it has one. */
export function awsProfileOf(source: SourcePlan): string | undefined {
  return source.credentials.find((l) => l.kind === KIND)?.settings.profile;
}

export const awsProfile: SourceKind = {
  kind: KIND,
  settings: ['aws_profile'],
  fromTable: (name, table) => link(table.string('aws_profile', { test: (v) => v.trim() !== '', expected: 'an AWS profile name' }) ?? name),
  fromAwsProfile: (name) => link(name),

  provider: (l, source, ports) =>
    provider(async () => {
      const profile = l.settings.profile!;
      try {
        return await ports.awsProfiles.load(profile, source.name);
      } catch (err) {
        if (err instanceof XacctError) throw err; // the loader's own message already says what to do
        const reason = err instanceof Error ? err.message : String(err);
        throw new XacctError(`no long-term credentials for source '${source.name}': ${reason}`, {
          hint: `store keys with 'xacct add ${source.name}', or set up the AWS profile '${profile}'`,
          cause: err,
        });
      }
    }),

  // Static keys are keyed by their id; SSO, credential_process and the like (temporary keys that change on every
  // call) by the profile's name.
  keyIdentity: (l, _source, facts) => {
    const profile = l.settings.profile!;
    const keyId = facts.awsKeyIds?.get(profile);
    return keyId ? `key:${keyId}` : `aws-profile:${profile}`;
  },

  async doctor(l, source, ports, passed) {
    const topic = `source ${source.name}`;
    const profile = l.settings.profile!;
    const { awsConfig, awsCredentials } = ports.awsFiles;
    const inCredentials = awsCredentials?.profiles[profile];
    const inConfig = awsConfig?.profiles[profile];
    const kind = awsProfileKind(inCredentials, inConfig);
    const file = inCredentials ? awsCredentials!.file : awsConfig?.file;
    const fix = `set up AWS profile '${profile}'`;
    if (kind === 'missing') return { found: false, none: `no AWS profile '${profile}'`, fix };
    if (kind === 'no credentials') return { found: false, none: `AWS profile '${profile}' in ${file} holds no credentials`, fix };
    const settings = { ...inConfig, ...inCredentials };
    if (kind === 'credential_process' && settings.credential_process && xacctInvocation(settings.credential_process)) {
      const message = `AWS profile '${profile}' gets its credentials from xacct itself (credential_process), so it cannot be a source`;
      return { found: true, findings: [error(topic, message, `xacct add ${source.name}`)] };
    }
    const found = ok(topic, `long-term credentials from AWS profile '${profile}' (${kind}) in ${file}${passed.length ? `; ${passed.join('; ')}` : ''}`);
    if (kind === 'static keys') {
      const credentials = {
        accessKeyId: settings.aws_access_key_id!,
        secretAccessKey: settings.aws_secret_access_key!,
        ...(settings.aws_session_token ? { sessionToken: settings.aws_session_token } : {}),
      };
      return { found: true, credentials, findings: [found] };
    }
    if (kind === 'SSO') {
      try {
        return { found: true, credentials: await ports.loadAwsProfile(profile), findings: [found] };
      } catch (err) {
        const message = err instanceof XacctError ? err.message : String(err);
        const hint = err instanceof XacctError ? err.hint : `aws sso login --profile ${profile}`;
        return { found: true, findings: [found, warning(topic, message, hint)], noClock: `the SSO session of AWS profile '${profile}' is not usable` };
      }
    }
    // credential_process, role_arn, web identity: resolving them may prompt or need more than doctor asks for.
    return { found: true, findings: [found], noClock: `the credentials of AWS profile '${profile}' (${kind}) are not fetched by doctor` };
  },
};
