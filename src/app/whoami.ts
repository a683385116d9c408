import type { AwsCredentials } from '../core/credentials.js';
import type { Env } from '../core/paths.js';
import type { CallerIdentity } from '../core/ports.js';
import { prepareCredentials, type CredentialRequest, type GetCredentialsDeps } from './get-credentials.js';

/** `xacct whoami --json`: stable camelCase keys. */
export interface WhoamiResult extends CallerIdentity {
  readonly profile: string;
}

/**
 * `xacct whoami`: STS GetCallerIdentity with the profile's credentials, in the region of its session. Given no
 * profile inside an xacct session, it is the session's profile, asked with the session's own credentials from the
 * environment: what this shell is, with no keychain (or file passphrase) needed.
 */
export async function whoami(env: Env, req: CredentialRequest, deps: Partial<GetCredentialsDeps> = {}): Promise<WhoamiResult> {
  const prepared = await prepareCredentials(env, { ...req, askForProfile: true }, deps);
  const own = req.profile ? undefined : sessionCredentials(env, prepared.plan.name);
  const credentials = own ?? (await prepared.provider.retrieve());
  const region = own ? req.region || env.AWS_REGION || prepared.region : prepared.region;
  const { account, arn, userId } = await prepared.context.sts.getCallerIdentity(credentials, region);
  return { profile: prepared.plan.name, account, arn, userId };
}

/** The static credentials an exec or assume of `profile` put in the environment, if that is where we are. */
function sessionCredentials(env: Env, profile: string): AwsCredentials | undefined {
  const { XACCT_PROFILE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = env;
  if (XACCT_PROFILE !== profile || !AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY) return undefined;
  return { accessKeyId: AWS_ACCESS_KEY_ID, secretAccessKey: AWS_SECRET_ACCESS_KEY, ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}) };
}
