/**
 * Turns whatever the AWS SDK throws into an AwsError: one line a person understands, the AWS code kept,
 * no secret and no request id.
 */
import { AwsError, MfaCodeRefused, StaleSession, XacctError } from '../core/errors.js';

export type StsOperation = 'GetSessionToken' | 'AssumeRole' | 'GetCallerIdentity';

/** What the failed call was, for the message. */
export interface StsCallContext {
  readonly operation: StsOperation;
  /** The URL the request went to (or would have gone to). */
  readonly endpoint: string;
  readonly region: string;
  readonly roleArn?: string;
  readonly serialNumber?: string;
  readonly durationSeconds?: number;
  /** STS's clock minus ours, in seconds, from the `Date` header of its answer, when there was one. */
  readonly clockSkewSeconds?: number;
  /** The request was signed with temporary credentials (a session token): refusing them makes a StaleSession. */
  readonly sessionCredentials?: boolean;
}

/** AwsError code for a clock too far from STS's for sessions to be judged right. */
const CLOCK_SKEW = 'ClockSkew';
/**
 * Beyond this, a cached session is judged fresh or expired by more than the 5-minute reuse margin, and AWS
 * itself refuses signatures (its tolerance is 5 minutes too).
 */
export const MAX_CLOCK_SKEW_SECONDS = 300;
const CLOCK_HINT = 'set the system clock (enable NTP, e.g. `timedatectl set-ntp true`) and try again';

/** AwsError code for a request that never got an answer from STS. */
const STS_UNREACHABLE = 'NetworkError';

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
  'EPIPE', 'ECONNABORTED', 'EPROTO', 'CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);
export const THROTTLING_CODES = new Set([
  'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'RequestThrottled',
  'RequestThrottledException', 'SlowDown', 'PriorRequestNotComplete',
]);
export const BAD_KEY_CODES = new Set([
  'InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException', 'InvalidAccessKeyId',
  'IncompleteSignature', 'MissingAuthenticationToken',
]);
export const CLOCK_SKEW_CODES = new Set(['RequestExpired', 'RequestTimeTooSkewed', 'RequestInTheFuture']);

/** Codes of a refusal of the signing credentials themselves: revoked, mistyped, expired or denied. */
const REFUSED_CREDENTIALS_CODES = new Set([...BAD_KEY_CODES, 'ExpiredToken', 'AccessDenied', 'AccessDeniedException']);

/** What an error of this adapter says about a request: STS refused its credentials, or this computer's clock. */
export function stsRefusal(err: unknown): 'credentials' | 'clock' | undefined {
  if (!(err instanceof AwsError)) return undefined;
  if (REFUSED_CREDENTIALS_CODES.has(err.code)) return 'credentials';
  if (CLOCK_SKEW_CODES.has(err.code) || err.code === CLOCK_SKEW) return 'clock';
  return undefined;
}

/** The fields of an AWS SDK error that the mappers read. */
export interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; attempts?: number };
  errors?: unknown[];
}

export function toAwsError(err: unknown, ctx: StsCallContext): XacctError {
  if (err instanceof XacctError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SdkLikeError;
  const code = awsCode(e);
  const text = cleanMessage(e.message ?? '');
  const attempts = e.$metadata?.attempts;
  const after = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
  const target = ctx.roleArn ?? 'the role';

  const network = networkCode(e);
  if (network || code === 'TimeoutError' || code === 'AbortError') {
    const why = network && network !== 'ETIMEDOUT' ? network : 'timed out';
    return new AwsError(
      STS_UNREACHABLE,
      `cannot reach STS at ${ctx.endpoint} (${why})${after}`,
      'check the network connection and any AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL setting',
      err,
    );
  }

  const mfa = mfaFailure(text);
  if (mfa === 'serial') {
    return new AwsError(
      'InvalidMfaSerial',
      `AWS cannot check MFA codes for ${ctx.serialNumber ?? 'the MFA device'}: it is not an MFA device of this user`,
      'check mfa_serial: it must be the ARN of an MFA device of the IAM user whose keys are used',
      err,
    );
  }
  if (mfa === 'missing') {
    return new AwsError(code || 'AccessDenied', `${ctx.operation} needs both an MFA serial number and a code`, undefined, err);
  }
  if (mfa === 'code') {
    return new MfaCodeRefused(
      `AWS refused the MFA code${ctx.serialNumber ? ` for ${ctx.serialNumber}` : ''}`,
      'wait for the next code and try again (a code can be used only once)',
      err,
    );
  }

  if (code === 'AccessDenied' || code === 'AccessDeniedException') {
    if (ctx.operation === 'AssumeRole') {
      return new AwsError(
        code,
        `not allowed to assume ${target} (AccessDenied)`,
        "the role's trust policy must allow the source; it may also require MFA, an external ID, or allow sts:TagSession / sts:SetSourceIdentity",
        err,
      );
    }
    return new AwsError(code, `AWS denied ${ctx.operation}: ${text || 'AccessDenied'}`, undefined, err);
  }

  if (code === 'ExpiredToken' || code === 'ExpiredTokenException') {
    // Temporary credentials refused: a session cached from them is stale (the engine takes a new one, once).
    return new (ctx.sessionCredentials ? StaleSession : AwsError)(
      'ExpiredToken',
      "the source's credentials have expired (ExpiredToken)",
      'renew them (for an SSO profile: `aws sso login`), or store long-term keys with `xacct add <source>`',
      err,
    );
  }

  const skew = ctx.clockSkewSeconds;
  const skewed = skew !== undefined && Math.abs(skew) > MAX_CLOCK_SKEW_SECONDS;
  if (CLOCK_SKEW_CODES.has(code) || (code === 'SignatureDoesNotMatch' && (/signature expired/i.test(text) || skewed))) {
    const off = skew !== undefined && Math.abs(skew) >= 60 ? `: ${clockOff(skew)}` : '';
    return new AwsError(code, `STS refused the request because this computer's clock is wrong${off} (${code})`, CLOCK_HINT, err);
  }

  if (BAD_KEY_CODES.has(code)) {
    return new (ctx.sessionCredentials ? StaleSession : AwsError)(
      code,
      `the source's access key is not valid — revoked or mistyped (${code})`,
      'store new ones with `xacct add <source>`',
      err,
    );
  }

  if (THROTTLING_CODES.has(code)) {
    return new AwsError(code, `STS is throttling requests (${code})${after}`, 'wait a minute and try again', err);
  }

  if (code === 'RegionDisabled' || code === 'RegionDisabledException') {
    return new AwsError(
      'RegionDisabledException',
      `STS is not activated in region ${ctx.region} for this account (RegionDisabledException)`,
      'activate the region in IAM > Account settings, or use --region with another one',
      err,
    );
  }

  if (code === 'ValidationError' || code === 'ValidationException' || code === 'InvalidParameterValue') {
    if (/DurationSeconds|session duration|MaxSessionDuration/i.test(text)) {
      const asked = `the requested session duration${ctx.durationSeconds === undefined ? '' : ` (${inWords(ctx.durationSeconds)})`}`;
      const message = /role chaining/i.test(text)
        ? `${asked} is too long: a role session taken with another role's session lasts at most 1 hour`
        : ctx.operation === 'AssumeRole'
          ? `${asked} is longer than ${target} allows (its maximum session duration)`
          : `${asked} is longer than STS allows`;
      return new AwsError(
        'ValidationError',
        message,
        "ask for a shorter one with --duration, or raise the role's maximum session duration",
        err,
      );
    }
    return new AwsError('ValidationError', `STS refused the ${ctx.operation} request: ${text || code}`, undefined, err);
  }

  if (code === 'PackedPolicyTooLarge' || code === 'PackedPolicyTooLargeException') {
    return new AwsError(
      'PackedPolicyTooLarge',
      'the session tags are too large for STS (PackedPolicyTooLarge)',
      'use fewer or shorter tags',
      err,
    );
  }

  const status = e.$metadata?.httpStatusCode;
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) {
    return new AwsError(
      code || 'ServiceUnavailable',
      `STS failed (${[code, status ? `HTTP ${status}` : ''].filter(Boolean).join(', ')})${after}`,
      'AWS is having trouble; try again later',
      err,
    );
  }

  return new AwsError(code || 'Unknown', `STS ${ctx.operation} failed: ${[code, text].filter(Boolean).join(': ')}`, undefined, err);
}

/**
 * STS answered, but its clock and ours disagree by more than the reuse margin (`skewSeconds`, STS minus ours), or
 * the session it handed out has already expired by our clock: cached sessions would be judged wrongly, so none
 * is used.
 */
export function clockSkewError(operation: StsOperation, skewSeconds: number | undefined, expiration: Date): AwsError {
  const off = skewSeconds !== undefined && Math.abs(skewSeconds) >= 60 ? clockOff(skewSeconds) : 'it looks wrong';
  const expired = expiration.getTime() <= Date.now() ? `; the session from ${operation} has expired already by this clock (at ${expiration.toISOString()})` : '';
  return new AwsError(CLOCK_SKEW, `this computer's clock disagrees with STS's: ${off}${expired}`, CLOCK_HINT);
}

/** "it looks off by 125 minutes (ahead of STS's clock)" */
function clockOff(skewSeconds: number): string {
  const minutes = Math.round(Math.abs(skewSeconds) / 60);
  return `it looks off by ${minutes} minute${minutes === 1 ? '' : 's'} (${skewSeconds < 0 ? 'ahead of' : 'behind'} STS's clock)`;
}

/** Which MFA failure an AccessDenied message describes, from AWS's wording. */
function mfaFailure(text: string): 'code' | 'serial' | 'missing' | undefined {
  if (!/MultiFactorAuthentication failed/i.test(text)) return undefined;
  if (/must provide/i.test(text)) return 'missing';
  if (/unable to validate|verify your MFA serial/i.test(text)) return 'serial';
  return 'code';
}

/** What the error mappers read first from anything an SDK call threw. */
export function sdkFailure(err: unknown): { e: SdkLikeError; code: string; text: string; after: string; network?: string } {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SdkLikeError;
  const attempts = e.$metadata?.attempts;
  const network = networkCode(e);
  return { e, code: awsCode(e), text: cleanMessage(e.message ?? ''), after: attempts && attempts > 1 ? ` after ${attempts} attempts` : '', ...(network ? { network } : {}) };
}

export function awsCode(e: SdkLikeError): string {
  const name = e.name && e.name !== 'Error' ? e.name : '';
  return name || e.code || '';
}

/** The network failure behind an SDK error (ECONNREFUSED…), or undefined. */
export function networkCode(e: SdkLikeError): string | undefined {
  if (e.code && NETWORK_CODES.has(e.code)) return e.code;
  if (e.name && NETWORK_CODES.has(e.name)) return e.name;
  // Node's happy-eyeballs connect reports every address it tried in an AggregateError.
  for (const inner of e.errors ?? []) {
    const c = (inner as SdkLikeError | undefined)?.code;
    if (c && NETWORK_CODES.has(c)) return c;
  }
  return undefined;
}

/** One line, without request ids, capped. */
export function cleanMessage(message: string): string {
  const line = message
    .replace(/\s*\([^()]*Request ?ID[^()]*\)/gi, '')
    .replace(/[\s,;]*Request ?ID:?\s*[\w-]+/gi, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function inWords(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
