import { ExpiredTokenException, RegionDisabledException, STSServiceException } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { toAwsError, type StsCallContext } from '../../src/adapters/sts-errors.js';
import { AwsError, MfaCodeRefused, StaleSession, XacctError } from '../../src/core/errors.js';

const ROLE = 'arn:aws:iam::222222222222:role/Admin';
const assume: StsCallContext = {
  operation: 'AssumeRole',
  endpoint: 'https://sts.eu-west-1.amazonaws.com',
  region: 'eu-west-1',
  roleArn: ROLE,
  serialNumber: 'arn:aws:iam::111111111111:mfa/alice',
  durationSeconds: 7200,
};
const session: StsCallContext = {
  operation: 'GetSessionToken',
  endpoint: 'https://sts.us-east-1.amazonaws.com',
  region: 'us-east-1',
  serialNumber: 'arn:aws:iam::111111111111:mfa/alice',
  durationSeconds: 43_200,
};

/** An error shaped as the SDK throws for an AWS Query error response. */
function serviceError(name: string, message: string, status = 400, extra: Record<string, unknown> = {}) {
  return new STSServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'c0ffee00-1111-2222-3333-444455556666', attempts: 1 },
    message,
    ...extra,
  });
}

function map(err: unknown, ctx: StsCallContext = assume): AwsError {
  const mapped = toAwsError(err, ctx);
  expect(mapped).toBeInstanceOf(AwsError);
  expect(mapped.exitCode).toBe(1);
  expect(mapped.message).not.toMatch(/\n/);
  return mapped as AwsError;
}

describe('toAwsError', () => {
  it('an MFA code AWS refused: InvalidMfaCode, so the caller can ask again', () => {
    const raw = serviceError('AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code. ', 403);
    const e = map(raw);
    expect(e.code).toBe('InvalidMfaCode');
    expect(e.message).toBe('AWS refused the MFA code for arn:aws:iam::111111111111:mfa/alice');
    expect(e).toBeInstanceOf(MfaCodeRefused);
  });

  it('an MFA serial that is not the user\'s is not a code to ask again for', () => {
    const raw = serviceError(
      'AccessDenied',
      'MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.',
      403,
    );
    const e = map(raw, session);
    expect(e.code).toBe('InvalidMfaSerial');
    expect(e.message).toMatch(/arn:aws:iam::111111111111:mfa\/alice/);
    expect(e.hint).toMatch(/mfa_serial/);
    expect(e).not.toBeInstanceOf(MfaCodeRefused);
  });

  it('a call with a serial but no code (or the reverse) is not a code to ask again for', () => {
    const raw = serviceError('AccessDenied', 'MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.', 403);
    const e = map(raw, session);
    expect(e.message).toBe('GetSessionToken needs both an MFA serial number and a code');
    expect(e).not.toBeInstanceOf(MfaCodeRefused);
  });

  it('AccessDenied on AssumeRole names the role', () => {
    const e = map(
      serviceError('AccessDenied', `User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`, 403),
    );
    expect(e.code).toBe('AccessDenied');
    expect(e.message).toBe(`not allowed to assume ${ROLE} (AccessDenied)`);
    expect(e.hint).toMatch(/trust policy/);
    expect(e).not.toBeInstanceOf(MfaCodeRefused);
  });

  it('AccessDenied elsewhere keeps what AWS said', () => {
    const e = map(serviceError('AccessDenied', 'Cannot call GetSessionToken with session credentials', 403), session);
    expect(e.message).toBe('AWS denied GetSessionToken: Cannot call GetSessionToken with session credentials');
  });

  it('ExpiredToken, as a wire code or as the SDK class', () => {
    const fromWire = map(serviceError('ExpiredToken', 'The security token included in the request is expired', 403));
    const fromClass = map(
      new ExpiredTokenException({ message: 'expired', $metadata: { httpStatusCode: 400 } }),
    );
    for (const e of [fromWire, fromClass]) {
      expect(e.code).toBe('ExpiredToken');
      expect(e.message).toBe("the source's credentials have expired (ExpiredToken)");
    }
  });

  it('a revoked or mistyped key, without the noisy signature details', () => {
    for (const code of ['InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException']) {
      const e = map(
        serviceError(code, 'The request signature we calculated does not match.\nThe Canonical String for this request should have been\nPOST / ...', 403),
      );
      expect(e.code).toBe(code);
      expect(e.message).toBe(`the source's access key is not valid — revoked or mistyped (${code})`);
      expect(e.hint).toMatch(/xacct add/);
      expect(e.message).not.toMatch(/Canonical/);
    }
  });

  it('a wrong clock', () => {
    const e = map(serviceError('SignatureDoesNotMatch', 'Signature expired: 20240101T000000Z is now earlier than 20240101T001500Z', 403));
    expect(e.message).toMatch(/clock is wrong/);
    expect(map(serviceError('RequestExpired', 'Request has expired.')).message).toMatch(/clock is wrong/);
  });

  it('throttling that outlasted the retries says how many attempts were made', () => {
    const raw = serviceError('Throttling', 'Rate exceeded');
    raw.$metadata.attempts = 4;
    const e = map(raw);
    expect(e.code).toBe('Throttling');
    expect(e.message).toBe('STS is throttling requests (Throttling) after 4 attempts');
  });

  it('a duration longer than the role allows says so', () => {
    const e = map(serviceError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.'));
    expect(e.code).toBe('ValidationError');
    expect(e.message).toBe(`the requested session duration (2h) is longer than ${ROLE} allows (its maximum session duration)`);
    expect(e.hint).toMatch(/--duration/);

    const chained = map(
      serviceError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.'),
    );
    expect(chained.message).toMatch(/at most 1 hour/);

    const tooLong = map(
      serviceError(
        'ValidationError',
        "1 validation error detected: Value '200000' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600",
      ),
      { ...session, durationSeconds: 200_000 },
    );
    expect(tooLong.message).toBe('the requested session duration (200000s) is longer than STS allows');
  });

  it('other validation errors keep what AWS said', () => {
    const e = map(serviceError('ValidationError', "Value 'a b' at 'roleSessionName' failed to satisfy constraint"));
    expect(e.message).toBe("STS refused the AssumeRole request: Value 'a b' at 'roleSessionName' failed to satisfy constraint");
  });

  it('a region where STS is not activated', () => {
    const e = map(new RegionDisabledException({ message: 'STS is not activated in this region', $metadata: { httpStatusCode: 403 } }));
    expect(e.code).toBe('RegionDisabledException');
    expect(e.message).toBe('STS is not activated in region eu-west-1 for this account (RegionDisabledException)');
  });

  it('network failures: cannot reach STS at the endpoint', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', $metadata: { attempts: 4 } });
    expect(map(refused).message).toBe('cannot reach STS at https://sts.eu-west-1.amazonaws.com (ECONNREFUSED) after 4 attempts');
    expect(map(refused).code).toBe('NetworkError');

    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND sts.eu-west-1.amazonaws.com'), { code: 'ENOTFOUND' });
    expect(map(dns).message).toBe('cannot reach STS at https://sts.eu-west-1.amazonaws.com (ENOTFOUND)');

    const both = new AggregateError([
      Object.assign(new Error('connect ECONNREFUSED ::1:443'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }),
    ]);
    expect(map(both).message).toMatch(/\(ECONNREFUSED\)$/);

    const timeout = Object.assign(new Error('the request socket did not establish a connection'), { name: 'TimeoutError' });
    expect(map(timeout).message).toBe('cannot reach STS at https://sts.eu-west-1.amazonaws.com (timed out)');
    const aborted = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    expect(map(aborted).message).toMatch(/^cannot reach STS at .* \(timed out\)$/);
  });

  it('5xx after the retries', () => {
    const raw = serviceError('InternalFailure', 'We encountered an internal error. Please try again.', 500);
    raw.$metadata.attempts = 4;
    const e = map(raw);
    expect(e.code).toBe('InternalFailure');
    expect(e.message).toBe('STS failed (InternalFailure, HTTP 500) after 4 attempts');
    const bare = map(new STSServiceException({ name: 'Unknown', $fault: 'server', $metadata: { httpStatusCode: 502 }, message: '' }));
    expect(bare.message).toMatch(/HTTP 502/);
  });

  it('anything else: the operation, the AWS code and its message without the request id', () => {
    const e = map(serviceError('PackedPolicyTooLarge', 'Packed policy too large'));
    expect(e.message).toMatch(/session tags are too large/);
    const other = map(serviceError('IDPRejectedClaim', 'Rejected. (Service: Sts, Status Code: 400, Request ID: c0ffee00-1111)'));
    expect(other.message).toBe('STS AssumeRole failed: IDPRejectedClaim: Rejected.');
  });

  it('leaves an XacctError as it is and never invents a message from a non-error', () => {
    const mine = new XacctError('already explained');
    expect(toAwsError(mine, assume)).toBe(mine);
    expect(map('boom').message).toBe('STS AssumeRole failed: boom');
  });

  it('refused temporary credentials are a StaleSession (the engine retries once); refused long-term keys are not', () => {
    for (const name of ['ExpiredToken', 'InvalidClientTokenId']) {
      const raw = serviceError(name, 'The security token included in the request is invalid', 403);
      expect(toAwsError(raw, { ...assume, sessionCredentials: true })).toBeInstanceOf(StaleSession);
      const longTerm = toAwsError(raw, assume);
      expect(longTerm).toBeInstanceOf(AwsError);
      expect(longTerm).not.toBeInstanceOf(StaleSession);
    }
  });
});
