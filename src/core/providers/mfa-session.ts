import type { CredentialProvider } from '../credentials.js';
import { provider } from '../credentials.js';
import { formatDuration } from '../duration.js';
import { XacctError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { StsPort } from '../ports.js';
import type { SourcePlan } from '../profile-map/types.js';
import type { MfaCodeDeps } from './mfa-code.js';
import { mfaTargetOf, withMfaCode } from './mfa-code.js';

export interface MfaSessionDeps extends MfaCodeDeps {
  readonly sts: StsPort;
  readonly log?: Logger;
}

/** An MFA session of a source: GetSessionToken with the source's long-term credentials and one MFA code. */
export function mfaSession(source: SourcePlan, longTerm: CredentialProvider, deps: MfaSessionDeps): CredentialProvider {
  return provider(async () => {
    const serial = source.mfaSerial;
    if (!serial) throw new XacctError(`source '${source.name}' has no mfa_serial, so it has no MFA session`);
    const creds = await longTerm.retrieve();
    deps.log?.debug(`source ${source.name}: GetSessionToken with MFA device ${serial} for ${source.sessionDurationSeconds} s`);
    return withMfaCode(
      {
        ...mfaTargetOf(source, serial),
        reason: `An MFA session of source '${source.name}': one code serves every role of it for ${formatDuration(source.sessionDurationSeconds)}.`,
      },
      deps,
      (code) =>
        deps.sts.getSessionToken(
          creds,
          { durationSeconds: source.sessionDurationSeconds, serialNumber: serial, tokenCode: code },
          source.region,
        ),
    );
  });
}
