/** Where a source's long-term keys come from, and the keys themselves when they can be had without prompting. */
import type { AwsSharedConfig } from '../../../adapters/config-files/aws-shared-config.js';
import cacheEntry from '../../../core/cache-entry.cjs';
import type { AwsCredentials } from '../../../core/credentials.js';
import { awsProfileKind } from '../../../core/aws-profile-kind.js';
import { xacctInvocation } from '../../../core/xacct-command.js';
import { error, ok, warning, type Finding } from '../../../core/doctor-report.js';
import { XacctError } from '../../../core/errors.js';
import type { SourcePlan } from '../../../core/profile-map/types.js';
import { decodeStoredKeys } from '../../../core/stored-keys.js';
import type { DoctorContext } from '../context.js';
import type { StoreView } from './keychain.js';

const { secretKeys } = cacheEntry;

export interface LongTermKeys {
  readonly findings: readonly Finding[];
  readonly credentials?: AwsCredentials;
  /** Why the clock cannot be measured with this source's keys. */
  readonly noClock?: string;
}

export async function longTermKeys(ctx: DoctorContext, source: SourcePlan, aws: AwsSharedConfig, view: StoreView | undefined): Promise<LongTermKeys> {
  const topic = `source ${source.name}`;
  const key = secretKeys.source(source.name);
  if (view?.keys.has(key)) {
    const stored = decodeStoredKeys(await view.store.get(key).catch(() => null));
    if (!stored) return { findings: [error(topic, `the long-term keys stored in ${view.where} are unreadable`, `store them again with xacct add ${source.name}`)] };
    return { credentials: stored, findings: [ok(topic, `long-term keys stored in ${view.where} (xacct add)`)] };
  }

  const profile = source.awsProfile;
  const inCredentials = aws.awsCredentials?.profiles[profile];
  const inConfig = aws.awsConfig?.profiles[profile];
  const kind = awsProfileKind(inCredentials, inConfig);
  const file = inCredentials ? aws.awsCredentials!.file : aws.awsConfig?.file;
  const notStored = view ? `none stored in ${view.where}` : 'the keychain could not be read';
  if (kind === 'missing' || kind === 'no credentials') {
    const what = kind === 'missing' ? `no AWS profile '${profile}'` : `AWS profile '${profile}' in ${file} holds no credentials`;
    const finding = view ? error : warning;
    return { findings: [finding(topic, `no long-term credentials: ${notStored}, and ${what}`, `xacct add ${source.name}, or set up AWS profile '${profile}'`)] };
  }
  const settings = { ...inConfig, ...inCredentials };
  const command = settings.credential_process;
  if (kind === 'credential_process' && command && xacctInvocation(command)) {
    const message = `AWS profile '${profile}' gets its credentials from xacct itself (credential_process), so it cannot be a source`;
    return { findings: [error(topic, message, `xacct add ${source.name}`)] };
  }
  const found = ok(topic, `long-term credentials from AWS profile '${profile}' (${kind}) in ${file}; ${notStored}`);
  if (kind === 'static keys') {
    const credentials = {
      accessKeyId: settings.aws_access_key_id!,
      secretAccessKey: settings.aws_secret_access_key!,
      ...(settings.aws_session_token ? { sessionToken: settings.aws_session_token } : {}),
    };
    return { credentials, findings: [found] };
  }
  if (kind === 'SSO') {
    try {
      return { credentials: await ctx.deps.loadAwsProfile(ctx.env, profile), findings: [found] };
    } catch (err) {
      const message = err instanceof XacctError ? err.message : String(err);
      const hint = err instanceof XacctError ? err.hint : `aws sso login --profile ${profile}`;
      return { findings: [found, warning(topic, message, hint)], noClock: `the SSO session of AWS profile '${profile}' is not usable` };
    }
  }
  // credential_process, role_arn, web identity: resolving them may prompt or need more than doctor asks for.
  return { findings: [found], noClock: `the credentials of AWS profile '${profile}' (${kind}) are not fetched by doctor` };
}
