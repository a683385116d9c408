import type { AwsCredentials } from '../core/credentials.js';
import type { Env } from '../core/paths.js';
import type { ProfilePlan } from '../core/profile-map/types.js';
import { XacctError } from '../core/errors.js';

/** What a command asks for: SPEC's credential options. */
export interface CredentialRequest {
  /** Profile named on the command line; absent: default_profile, else the picker, else a usage error. */
  readonly profile?: string;
  readonly mfaToken?: string;
  /** Role session length as written by the user ("1h", "900"). */
  readonly duration?: string;
  readonly region?: string;
  /** false with --no-cache. */
  readonly cache: boolean;
}

export interface ObtainedCredentials {
  readonly plan: ProfilePlan;
  readonly credentials: AwsCredentials;
  /** Region for the session's environment, when one is known. */
  readonly region?: string;
}

/** The main use case: a profile's role session (cached, or through the source and MFA session). */
export async function getCredentials(_env: Env, _req: CredentialRequest): Promise<ObtainedCredentials> {
  throw new XacctError('credential engine not built yet');
}
