/**
 * A source as an IAM identity, for the commands of its life cycle (add --from-aws-profile, rotate, mfa enroll):
 * its plan, the adapters, and IAM calls signed as the credential engine signs STS calls — with the source's MFA
 * session when it has mfa_serial (cached, or opened with one code), else with its long-term keys.
 */
import { iamUserOfArn } from '../core/arn.js';
import type { AwsCredentials } from '../core/credentials.js';
import { sourceForAwsProfile } from '../core/sources/index.js';
import { XacctError } from '../core/errors.js';
import type { Env } from '../core/paths.js';
import type { IamPort } from '../core/ports.js';
import type { ProfileMap, SourcePlan } from '../core/profile-map/types.js';
import type { CredentialEngine } from '../core/providers/index.js';
import { createContext, type AppContext } from './context.js';
import { credentialEngine } from './get-credentials.js';
import { checkSourceName } from './source-keys.js';

export interface SourceIdentity {
  readonly context: AppContext;
  readonly source: SourcePlan;
  readonly engine: CredentialEngine;
  /** IAM in the partition of the source's region. */
  readonly iam: IamPort;
}

export interface IamUser {
  readonly arn: string;
  readonly accountId: string;
  readonly userName: string;
}

/** The plan of a source: its `[sources.X]`, else the source of ~/.aws/config role profiles, else a bare one. */
export function sourcePlanOf(map: ProfileMap, name: string): SourcePlan {
  checkSourceName(name, map);
  const declared = map.sources.get(name);
  if (declared) return declared;
  for (const plan of map.profiles.values()) if (plan.source.name === name) return plan.source;
  return sourceForAwsProfile(name);
}

export async function openSourceIdentity(env: Env, name: string, options: { mfaToken?: string; map?: ProfileMap } = {}): Promise<SourceIdentity> {
  const map = options.map ?? (await (await import('./load-profile-map.js')).loadProfileMap(env));
  const source = sourcePlanOf(map, name);
  const context = createContext(env, map, options.mfaToken ? { mfaToken: options.mfaToken } : {});
  const engine = credentialEngine(context, { cache: true });
  return { context, source, engine, iam: context.iam(source.region) };
}

/** Whose the keys are: GetCallerIdentity, which must name an IAM user (not a role session, not the root user). */
export async function iamUserOf(identity: SourceIdentity, keys: AwsCredentials): Promise<IamUser> {
  const { arn } = await identity.context.sts.getCallerIdentity(keys, identity.source.region);
  const user = iamUserOfArn(arn);
  if (!user) {
    throw new XacctError(`the keys of source '${identity.source.name}' belong to ${arn}, not to an IAM user`, {
      hint: 'keys are rotated and MFA devices enrolled for IAM users; store an IAM user\'s keys with xacct add',
    });
  }
  return { arn, accountId: user.accountId, userName: user.userName };
}

/** What IAM calls are signed with: the source's MFA session when it has mfa_serial (asking for a code if none is cached). */
export async function iamCredentials(identity: SourceIdentity): Promise<AwsCredentials> {
  const { engine, source } = identity;
  return source.mfaSerial ? engine.mfaSession(source).retrieve() : engine.longTerm(source).retrieve();
}
