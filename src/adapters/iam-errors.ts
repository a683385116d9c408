/**
 * Turns whatever the AWS SDK throws for an IAM call into an AwsError: one line a person understands, with what to
 * do, the AWS code kept, no secret and no request id. The network and key failures read as STS's do.
 */
import { AwsError, XacctError } from '../core/errors.js';
import { awsCode, BAD_KEY_CODES, cleanMessage, CLOCK_SKEW_CODES, networkCode, THROTTLING_CODES, type SdkLikeError } from './sts-errors.js';

export type IamOperation =
  | 'ListAccessKeys'
  | 'CreateAccessKey'
  | 'DeleteAccessKey'
  | 'ListMFADevices'
  | 'CreateVirtualMFADevice'
  | 'EnableMFADevice'
  | 'DeleteVirtualMFADevice';

export interface IamCallContext {
  readonly operation: IamOperation;
  /** The URL the request went to (or would have gone to). */
  readonly endpoint: string;
  readonly userName?: string;
  readonly deviceName?: string;
  /** Whether the call was signed with temporary credentials (an MFA session), not with long-term keys. */
  readonly withSession: boolean;
}

/** AwsError code of EnableMFADevice when the two codes do not fit the device: the caller may ask for others. */
export const INVALID_MFA_CODES = 'InvalidAuthenticationCode';

export function toIamError(err: unknown, ctx: IamCallContext): XacctError {
  if (err instanceof XacctError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SdkLikeError;
  // The SDK names modelled errors with an `Exception` suffix (LimitExceededException for LimitExceeded).
  const code = awsCode(e).replace(/(.)Exception$/, '$1');
  const text = cleanMessage(e.message ?? '');
  const attempts = e.$metadata?.attempts;
  const after = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
  const action = `iam:${ctx.operation}`;

  const network = networkCode(e);
  if (network || code === 'TimeoutError' || code === 'AbortError') {
    const why = network && network !== 'ETIMEDOUT' ? network : 'timed out';
    return new AwsError('NetworkError', `cannot reach IAM at ${ctx.endpoint} (${why})${after}`, 'check the network connection and any AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL setting', err);
  }
  if (code === 'AccessDenied') {
    const hint = ctx.withSession
      ? `the IAM user needs permission for ${action} on itself; ask the administrators of the identity account`
      : `policies commonly allow ${action} only with MFA: give the source an mfa_serial (xacct mfa enroll <source>), or ask the administrators of the identity account`;
    return new AwsError(code, `IAM refused ${ctx.operation}${ctx.userName ? ` for user ${ctx.userName}` : ''} (AccessDenied)`, hint, err);
  }
  if (code === 'LimitExceeded') {
    const what =
      ctx.operation === 'CreateAccessKey'
        ? `user ${ctx.userName ?? ''} has as many access keys as IAM allows (2)`
        : ctx.operation === 'CreateVirtualMFADevice'
          ? 'the account or the user has as many MFA devices as IAM allows'
          : `an IAM quota was reached`;
    const hint =
      ctx.operation === 'CreateAccessKey'
        ? `delete the key you no longer use: aws iam list-access-keys --user-name ${ctx.userName ?? '<user>'}, then aws iam delete-access-key`
        : 'delete a device that is no longer used (aws iam list-virtual-mfa-devices), or ask the administrators to raise the quota';
    return new AwsError('LimitExceeded', `IAM refused ${ctx.operation}: ${what} (LimitExceeded)`, hint, err);
  }
  if (code === 'EntityAlreadyExists') {
    if (ctx.operation === 'CreateVirtualMFADevice') {
      return new AwsError(
        'EntityAlreadyExists',
        `a virtual MFA device named '${ctx.deviceName ?? ''}' exists already in the account (EntityAlreadyExists)`,
        `choose another name with --device-name, or delete the unused one: aws iam delete-virtual-mfa-device --serial-number <its ARN, from aws iam list-virtual-mfa-devices>`,
        err,
      );
    }
    return new AwsError('EntityAlreadyExists', `IAM refused ${ctx.operation}: it exists already (EntityAlreadyExists)`, undefined, err);
  }
  if (code === 'NoSuchEntity') {
    return new AwsError('NoSuchEntity', `IAM ${ctx.operation}: ${text || 'no such entity'} (NoSuchEntity)`, undefined, err);
  }
  if (code === INVALID_MFA_CODES) {
    return new AwsError(INVALID_MFA_CODES, 'AWS refused the two MFA codes: they are not two consecutive codes of the new device', 'type the code shown, then wait for the next one and type it', err);
  }
  if (code === 'ExpiredToken') {
    return new AwsError('ExpiredToken', `the MFA session signing ${ctx.operation} has expired (ExpiredToken)`, 'run the command again to open a new one', err);
  }
  if (CLOCK_SKEW_CODES.has(code)) {
    return new AwsError(code, `IAM refused the request because this computer's clock is wrong (${code})`, 'set the system clock (enable NTP, e.g. `timedatectl set-ntp true`) and try again', err);
  }
  if (BAD_KEY_CODES.has(code)) {
    return new AwsError(code, `IAM refused the credentials signing ${ctx.operation}: the access key is not valid — revoked or mistyped (${code})`, 'store working keys with `xacct add <source>`', err);
  }
  if (THROTTLING_CODES.has(code)) {
    return new AwsError(code, `IAM is throttling requests (${code})${after}`, 'wait a minute and try again', err);
  }
  const status = e.$metadata?.httpStatusCode;
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) {
    return new AwsError(code || 'ServiceFailure', `IAM failed (${[code, status ? `HTTP ${status}` : ''].filter(Boolean).join(', ')})${after}`, 'AWS is having trouble; try again later', err);
  }
  return new AwsError(code || 'Unknown', `IAM ${ctx.operation} failed: ${[code, text].filter(Boolean).join(': ')}`, undefined, err);
}
