import type { AwsCredentials, CredentialProvider } from '../credentials.js';
import { provider } from '../credentials.js';
import { formatDuration } from '../duration.js';
import { StaleSession, XacctError } from '../errors.js';
import { keyIdForLog, type Logger } from '../logger.js';
import type { AssumeRoleInput, AssumedRole, StsPort } from '../ports.js';
import type { ProfilePlan } from '../profile-map/types.js';
import type { MfaCodeDeps } from './mfa-code.js';
import { mfaTargetOf, withMfaCode } from './mfa-code.js';

export interface RoleSessionDeps {
  readonly sts: StsPort;
  readonly sessionName: string;
  readonly log?: Logger;
  /** Called once for every new role session (for the audit log); not for cached ones. */
  readonly onIssued?: (session: AssumedRole) => Promise<void> | void;
}

/** A role session: AssumeRole with the credentials of `inner` (long-term keys, an MFA session or a parent role). */
export function roleSession(plan: ProfilePlan, inner: CredentialProvider, deps: RoleSessionDeps): CredentialProvider {
  return provider(async () => {
    const creds = await inner.retrieve();
    const input = assumeRoleInput(plan, deps.sessionName);
    try {
      return await issue(plan, creds, input, deps);
    } catch (err) {
      // The session it was signed with was revoked or expired early: take a new one, once (smithy's forceRefresh).
      if (!(err instanceof StaleSession)) throw err;
      deps.log?.debug(`${plan.name}: STS refused the session ${keyIdForLog(creds.accessKeyId)} that AssumeRole was signed with (${err.code}); taking a new one`);
      const fresh = await inner.retrieve({ forceRefresh: true, refusedKeyId: creds.accessKeyId });
      return issue(plan, fresh, input, deps);
    }
  });
}

/**
 * A role session assumed straight from the long-term credentials with the MFA code in the AssumeRole call.
 * AWS caps a role session taken from an MFA session at 1 hour; this is how a longer one is had.
 */
export function roleSessionWithMfa(
  plan: ProfilePlan,
  longTerm: CredentialProvider,
  deps: RoleSessionDeps & MfaCodeDeps,
): CredentialProvider {
  return provider(async () => {
    const { source } = plan;
    const serial = source.mfaSerial;
    if (!serial) throw new XacctError(`source '${source.name}' of profile '${plan.name}' has no mfa_serial`);
    const creds = await longTerm.retrieve();
    const reason =
      `${plan.name} lasts ${formatDuration(plan.durationSeconds)}, longer than the 1h AWS allows a role session taken from an MFA session, ` +
      'so it needs its own MFA code.';
    return withMfaCode({ ...mfaTargetOf(source, serial), reason }, deps, (code) =>
      issue(plan, creds, { ...assumeRoleInput(plan, deps.sessionName), serialNumber: serial, tokenCode: code }, deps),
    );
  });
}

export function assumeRoleInput(plan: ProfilePlan, sessionName: string): AssumeRoleInput {
  return {
    roleArn: plan.roleArn,
    roleSessionName: sessionName,
    durationSeconds: plan.durationSeconds,
    ...(plan.externalId ? { externalId: plan.externalId } : {}),
    ...(plan.sourceIdentity ? { sourceIdentity: plan.sourceIdentity } : {}),
    ...(Object.keys(plan.tags).length > 0 ? { tags: plan.tags } : {}),
  };
}

/** STS of the identity's region: the role's own region may be one the identity account has not enabled. */
function stsRegion(plan: ProfilePlan): string | undefined {
  return plan.source.region ?? plan.region;
}

async function issue(plan: ProfilePlan, creds: AwsCredentials, input: AssumeRoleInput, deps: RoleSessionDeps): Promise<AwsCredentials> {
  const session = await deps.sts.assumeRole(creds, input, stsRegion(plan));
  await deps.onIssued?.(session);
  return credentialsOnly(session);
}

/** The same shape whether a session is new or read from the cache. */
function credentialsOnly(session: AssumedRole): AwsCredentials {
  const { accessKeyId, secretAccessKey, sessionToken, expiration } = session;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}), ...(expiration ? { expiration } : {}) };
}
