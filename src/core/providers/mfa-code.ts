import { AwsError, MfaCodeRefused, type XacctError } from '../errors.js';
import type { MfaCodeSource } from '../ports.js';
import type { SourcePlan } from '../profile-map/types.js';

/** Codes asked for in all before giving up when AWS keeps refusing them. */
export const MFA_ATTEMPTS = 3;

export interface MfaCodeDeps {
  readonly mfa: MfaCodeSource;
}

export interface MfaTarget {
  readonly serial: string;
  /** Name of the source whose MFA device it is, shown in the prompt. */
  readonly label: string;
  readonly mfaProcess?: string;
  /** Where mfa_process can be set for this source, for the "no terminal" message. */
  readonly automateHint: string;
  /** Why this code is needed, shown with the prompt. */
  readonly reason?: string;
}

/** The MFA device of a source as a target of withMfaCode. */
export function mfaTargetOf(source: SourcePlan, serial: string): MfaTarget {
  return {
    serial,
    label: source.name,
    ...(source.mfaProcess ? { mfaProcess: source.mfaProcess } : {}),
    automateHint: source.fromAwsConfig
      ? `define [sources.${source.name}] with mfa_process in the profile map (the role profiles of ~/.aws/config whose source_profile is ${source.name} use it)`
      : `set mfa_process for source '${source.name}'`,
  };
}

/**
 * Calls `call` with an MFA code; when AWS refuses the code and asking again makes sense (a terminal),
 * asks for another, {@link MFA_ATTEMPTS} codes in all.
 */
export async function withMfaCode<T>(target: MfaTarget, deps: MfaCodeDeps, call: (code: string) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const code = await deps.mfa.getCode({
      serial: target.serial,
      label: target.label,
      attempt,
      automateHint: target.automateHint,
      ...(target.mfaProcess ? { mfaProcess: target.mfaProcess } : {}),
      ...(target.reason ? { reason: target.reason } : {}),
    });
    try {
      return await call(code);
    } catch (err) {
      if (!(err instanceof MfaCodeRefused)) throw err;
      if (attempt >= MFA_ATTEMPTS || !deps.mfa.canRetry()) throw codeRefused(err, target, attempt);
    }
  }
}

function codeRefused(err: unknown, target: MfaTarget, attempt: number): XacctError {
  const awsCode = err instanceof AwsError ? err.code : 'AccessDenied';
  const times = attempt > 1 ? ` (${attempt} codes refused)` : '';
  return new AwsError(
    awsCode,
    `AWS refused the MFA code for source '${target.label}'${times}`,
    `give the current code of ${target.serial}; a code is accepted only once, so wait for the next one`,
    err,
  );
}
