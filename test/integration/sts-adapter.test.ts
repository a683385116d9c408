/**
 * The STS adapter (the AWS SDK's STS client as xacct configures it) in this process, against moto: directly, and
 * behind the checking proxy of test/helpers, which records what it was sent and answers errors as STS does.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSts } from '../../src/adapters/sts.js';
import { AwsError, MfaCodeRefused } from '../../src/core/errors.js';
import { freePort, requireEnv, startEnv, startStsProxy, VALID_MFA_CODE, type StsProxy, type TestEnv } from '../helpers/index.js';

// moto accepts any keys; these only have to look like keys.
const SOURCE = { accessKeyId: 'AKIAXACCTSOURCE00001', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const ROLE_ARN = 'arn:aws:iam::222222222222:role/Admin';

const available = requireEnv({ sts: true }, 'the STS adapter');
let t: TestEnv;
beforeAll(async () => {
  if (available) t = await startEnv({ sts: true });
});
afterAll(() => t?.stop());

describe.skipIf(!available)('createSts against moto_server', () => {
  const env = () => ({ AWS_ENDPOINT_URL_STS: t.moto.url });

  it('takes an MFA session with GetSessionToken', async () => {
    const sts = createSts(env());
    const session = await sts.getSessionToken(SOURCE, {
      durationSeconds: 43_200,
      serialNumber: 'arn:aws:iam::111111111111:mfa/alice',
      tokenCode: '123456',
    });
    expect(session.accessKeyId).toMatch(/^A[KS]IA\w{12,}$/); // moto answers GetSessionToken with a fixed AKIA key
    expect(session.secretAccessKey).toMatch(/^\S{20,}$/);
    expect(session.sessionToken).toMatch(/^\S{20,}$/);
    expect(session.expiration).toBeInstanceOf(Date);
    expect(session.expiration!.getTime()).toBeGreaterThan(Date.now());
  });

  it('assumes a role with ExternalId, SourceIdentity and tags; GetCallerIdentity shows the assumed role', async () => {
    const sts = createSts(env());
    const role = await sts.assumeRole(
      SOURCE,
      {
        roleArn: ROLE_ARN,
        roleSessionName: 'alice',
        durationSeconds: 3600,
        externalId: '7e1c9f',
        sourceIdentity: 'alice',
        tags: { ticket: 'OPS-42', team: 'platform' },
      },
      'eu-west-1',
    );
    expect(role.assumedRoleArn).toBe('arn:aws:sts::222222222222:assumed-role/Admin/alice');
    expect(role.accessKeyId).toMatch(/^ASIA\w{12,}$/);
    expect(role.sessionToken).toMatch(/^\S{20,}$/);

    const who = await sts.getCallerIdentity(role, 'eu-west-1');
    expect(who.account).toBe('222222222222');
    expect(who.arn).toBe('arn:aws:sts::222222222222:assumed-role/Admin/alice');
    expect(who.serverTime).toBeInstanceOf(Date);
    expect(Math.abs(who.serverTime!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  describe('behind the checking proxy', () => {
    let proxy: StsProxy;
    beforeAll(() => {
      proxy = t.sts;
    });

    it('sends the MFA serial and code, and a refused code comes back as InvalidMfaCode', async () => {
      const sts = createSts({ AWS_ENDPOINT_URL_STS: proxy.url });
      const serialNumber = 'arn:aws:iam::111111111111:mfa/alice';
      const refused = await sts
        .getSessionToken(SOURCE, { durationSeconds: 3600, serialNumber, tokenCode: '000000' })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(MfaCodeRefused);
      expect((refused as AwsError).message).toBe(`AWS refused the MFA code for ${serialNumber}`);

      const session = await sts.getSessionToken(SOURCE, { durationSeconds: 3600, serialNumber, tokenCode: VALID_MFA_CODE });
      const call = proxy.calls.at(-1)!;
      expect(call).toMatchObject({ action: 'GetSessionToken', serialNumber, tokenCode: VALID_MFA_CODE, durationSeconds: 3600 });
      expect(call.accessKeyId).toBe(SOURCE.accessKeyId);
      expect(session.accessKeyId).toBe(call.issued!.accessKeyId);
    });

    it('sends ExternalId, SourceIdentity, tags and the region in the signature', async () => {
      proxy.reset();
      const sts = createSts({ AWS_ENDPOINT_URL_STS: proxy.url, AWS_REGION: 'ap-south-1' });
      await sts.assumeRole(SOURCE, {
        roleArn: ROLE_ARN,
        roleSessionName: 'alice',
        durationSeconds: 900,
        externalId: 'third-party-id',
        sourceIdentity: 'alice',
        tags: { ticket: 'OPS-42' },
      });
      expect(proxy.calls[0]).toMatchObject({
        action: 'AssumeRole',
        roleArn: ROLE_ARN,
        externalId: 'third-party-id',
        sourceIdentity: 'alice',
        tags: { ticket: 'OPS-42' },
        region: 'ap-south-1',
        service: 'sts',
      });
    });

    it('a role session longer than 1 hour from a role session: says so', async () => {
      const sts = createSts({ AWS_ENDPOINT_URL_STS: proxy.url });
      const first = await sts.assumeRole(SOURCE, { roleArn: ROLE_ARN, roleSessionName: 'alice', durationSeconds: 3600 });
      const err = await sts
        .assumeRole(first, { roleArn: ROLE_ARN, roleSessionName: 'alice', durationSeconds: 7200 })
        .catch((e: unknown) => e);
      expect((err as AwsError).message).toMatch(/^the requested session duration \(2h\) is too long: .*at most 1 hour$/);
    });

    it('rides out a dropped connection and throttling with retries', async () => {
      proxy.reset();
      proxy.inject({ error: 'ConnectionReset' });
      proxy.inject({ error: 'Throttling', times: 2 });
      const who = await createSts({ AWS_ENDPOINT_URL_STS: proxy.url }).getCallerIdentity(SOURCE);
      expect(who.account).toMatch(/^\d{12}$/);
      expect(proxy.count('GetCallerIdentity')).toBe(4);
    });
  });

  it('takes the endpoint from AWS_ENDPOINT_URL when AWS_ENDPOINT_URL_STS is unset', async () => {
    const sts = createSts({ AWS_ENDPOINT_URL: t.moto.url });
    expect(sts.endpointFor()).toBe(t.moto.url);
    const who = await sts.getCallerIdentity(SOURCE);
    expect(who.arn).toMatch(/^arn:aws:(iam|sts)::/);
  });

  it('reads the endpoint from the env it is given, not from process.env', async () => {
    const before = process.env.AWS_ENDPOINT_URL_STS;
    process.env.AWS_ENDPOINT_URL_STS = 'http://127.0.0.1:1';
    try {
      const who = await createSts(env()).getCallerIdentity(SOURCE);
      expect(who.account).toMatch(/^\d{12}$/);
    } finally {
      if (before === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
      else process.env.AWS_ENDPOINT_URL_STS = before;
    }
  });

  it('fails within seconds with "cannot reach STS" when nothing listens', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const sts = createSts({ AWS_ENDPOINT_URL_STS: url });
    const started = Date.now();
    const err = await sts.getCallerIdentity(SOURCE).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(err).toBeInstanceOf(AwsError);
    expect((err as AwsError).message).toMatch(new RegExp(`^cannot reach STS at http://127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
    expect((err as AwsError).message).not.toContain(SOURCE.secretAccessKey);
    expect(err).not.toBeInstanceOf(MfaCodeRefused);
  });

  it('gives up on an endpoint that accepts connections but never answers', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    try {
      const sts = createSts(
        { AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}` },
        { requestTimeoutMs: 300, maxAttempts: 2 },
      );
      const started = Date.now();
      const err = await sts.getCallerIdentity(SOURCE).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((err as AwsError).message).toMatch(/^cannot reach STS at .*timed out/);
    } finally {
      silent.close();
    }
  });
});

describe('STS endpoint choice', () => {
  it('uses the regional endpoint of the region given, then AWS_REGION, AWS_DEFAULT_REGION, us-east-1', () => {
    expect(createSts({}).endpointFor('eu-west-1')).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(createSts({ AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'eu-west-2' }).endpointFor()).toBe(
      'https://sts.ap-south-1.amazonaws.com',
    );
    expect(createSts({ AWS_DEFAULT_REGION: 'eu-west-2' }).endpointFor()).toBe('https://sts.eu-west-2.amazonaws.com');
    expect(createSts({}).endpointFor()).toBe('https://sts.us-east-1.amazonaws.com');
  });

  it('uses the global endpoint for legacy regions with AWS_STS_REGIONAL_ENDPOINTS=legacy', () => {
    const sts = createSts({ AWS_STS_REGIONAL_ENDPOINTS: 'legacy' });
    expect(sts.endpointFor('eu-west-1')).toBe('https://sts.amazonaws.com');
    expect(sts.endpointFor('af-south-1')).toBe('https://sts.af-south-1.amazonaws.com');
  });
});

describe.skipIf(!available)('createSts errors through the SDK', () => {
  const input = {
    roleArn: ROLE_ARN,
    roleSessionName: 'alice',
    durationSeconds: 7200,
    serialNumber: 'arn:aws:iam::111111111111:mfa/alice',
    tokenCode: VALID_MFA_CODE,
  };
  /** A proxy of its own, for the faults of these tests. */
  let sts: StsProxy;
  const client = (options?: Parameters<typeof createSts>[1]) => createSts({ AWS_ENDPOINT_URL_STS: sts.url }, options);

  beforeAll(async () => {
    sts = await startStsProxy(t.moto);
  });
  afterAll(() => sts?.stop());
  beforeEach(() => sts.reset());

  it('an MFA code refused: InvalidMfaCode, not retried', async () => {
    const err = await client().assumeRole(SOURCE, { ...input, tokenCode: '000000' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MfaCodeRefused);
    expect((err as AwsError).code).toBe('InvalidMfaCode');
    expect(sts.calls).toEqual([expect.objectContaining({ action: 'AssumeRole', tokenCode: '000000', status: 403, errorCode: 'AccessDenied' })]);
  });

  it("signs with the credentials given, never with the environment's", async () => {
    sts.inject({ error: 'ExpiredToken' });
    const before = process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_ACCESS_KEY_ID = 'AKIAFROMPROCESSENV00';
    try {
      const err = await client().getSessionToken(SOURCE, { durationSeconds: 900 }).catch((e: unknown) => e);
      expect((err as AwsError).message).toBe("the source's credentials have expired (ExpiredToken)");
      expect(sts.calls).toEqual([expect.objectContaining({ action: 'GetSessionToken', accessKeyId: SOURCE.accessKeyId, fault: 'ExpiredToken' })]);
    } finally {
      if (before === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = before;
    }
  });

  it('throttling and 5xx are retried with backoff, then reported', async () => {
    for (const code of ['Throttling', 'ServiceUnavailable'] as const) {
      sts.reset();
      sts.inject({ error: code, times: 3 });
      const err = await client({ maxAttempts: 3 }).assumeRole(SOURCE, input).catch((e: unknown) => e);
      expect(sts.calls.map((c) => c.fault), code).toEqual([code, code, code]);
      expect((err as AwsError).code).toBe(code);
      expect((err as AwsError).message).toMatch(/after 3 attempts$/);
    }
  });

  it('a duration longer than the role allows', async () => {
    sts.inject({ error: { status: 400, code: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' } });
    const err = await client().assumeRole(SOURCE, input).catch((e: unknown) => e);
    expect((err as AwsError).message).toBe(`the requested session duration (2h) is longer than ${ROLE_ARN} allows (its maximum session duration)`);
    expect(sts.count('AssumeRole')).toBe(1);
  });
});
