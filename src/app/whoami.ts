import type { Env } from '../core/paths.js';
import type { CallerIdentity } from '../core/ports.js';
import { prepareCredentials, type CredentialRequest, type GetCredentialsDeps } from './get-credentials.js';

/** `xacct whoami --json`: stable camelCase keys. */
export interface WhoamiResult extends CallerIdentity {
  readonly profile: string;
}

/** `xacct whoami`: STS GetCallerIdentity with the profile's credentials, in the region of its session. */
export async function whoami(env: Env, req: CredentialRequest, deps: Partial<GetCredentialsDeps> = {}): Promise<WhoamiResult> {
  const prepared = await prepareCredentials(env, { ...req, askForProfile: true }, deps);
  const credentials = await prepared.provider.retrieve();
  const { account, arn, userId } = await prepared.context.sts.getCallerIdentity(credentials, prepared.region);
  return { profile: prepared.plan.name, account, arn, userId };
}

/** Aligned `Name  value` lines, for people. */
export function formatWhoami(r: WhoamiResult): string {
  const rows: [string, string][] = [
    ['Profile', r.profile],
    ['Account', r.account],
    ['ARN', r.arn],
    ['UserId', r.userId],
  ];
  return rows.map(([k, v]) => `${k.padEnd(9)}${v}\n`).join('');
}
