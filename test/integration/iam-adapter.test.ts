/**
 * The IAM adapter (the AWS SDK's IAM client as xacct configures it) in this process, against moto behind the
 * checking proxy: every call of the identity's life cycle, AWS_ENDPOINT_URL_IAM, the time limit, and the errors a
 * person must understand (AccessDenied without MFA, LimitExceeded, EntityAlreadyExists), as IAM answers them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIam } from '../../src/adapters/iam.js';
import { AwsError, ConfigError } from '../../src/core/errors.js';
import { createIamUser, requireEnv, startEnv, type TestEnv } from '../helpers/index.js';
import { totp } from '../helpers/totp.js';

const available = requireEnv({ sts: true }, 'the IAM adapter');
let t: TestEnv;
beforeAll(async () => {
  if (available) t = await startEnv({ sts: true });
});
afterAll(() => t?.stop());

describe.skipIf(!available)('createIam through the checking proxy', () => {
  const iam = (options = {}) => createIam({ AWS_ENDPOINT_URL_IAM: t.sts.url }, options);
  const keys = () => ({ accessKeyId: t.user.accessKeyId, secretAccessKey: t.user.secretAccessKey });
  beforeEach(() => t.sts.reset());

  it('lists, creates and deletes access keys, signed with the keys given, at AWS_ENDPOINT_URL_IAM', async () => {
    const user = await createIamUser(t.moto.url, 'bob');
    const bob = { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey };
    const before = await iam().listAccessKeys(bob, 'bob');
    expect(before).toEqual([{ accessKeyId: user.accessKeyId, status: 'Active', createDate: expect.any(Date) }]);
    const created = await iam().createAccessKey(bob, 'bob');
    expect(created.accessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(created.secretAccessKey.length).toBeGreaterThan(20);
    expect((await iam().listAccessKeys(bob, 'bob')).map((k) => k.accessKeyId).sort()).toEqual([user.accessKeyId, created.accessKeyId].sort());
    await iam().deleteAccessKey(bob, 'bob', user.accessKeyId);
    expect((await iam().listAccessKeys(created, 'bob')).map((k) => k.accessKeyId)).toEqual([created.accessKeyId]);
    const seen = t.sts.calls.map((c) => [c.service, c.action, c.accessKeyId]);
    expect(seen).toEqual([
      ['iam', 'ListAccessKeys', user.accessKeyId],
      ['iam', 'CreateAccessKey', user.accessKeyId],
      ['iam', 'ListAccessKeys', user.accessKeyId],
      ['iam', 'DeleteAccessKey', user.accessKeyId],
      ['iam', 'ListAccessKeys', created.accessKeyId],
    ]);
  });

  it('creates a virtual MFA device with its Base32 secret, enables it with two consecutive codes, lists it, deletes one', async () => {
    await createIamUser(t.moto.url, 'carol');
    const device = await iam().createVirtualMfaDevice(keys(), 'carol-phone');
    expect(device.serialNumber).toBe('arn:aws:iam::123456789012:mfa/carol-phone');
    expect(device.base32Seed).toMatch(/^[A-Z2-7]{16,}$/);
    // The proxy checks the codes against the seed: wrong ones are refused as IAM refuses them.
    const refused = await iam().enableMfaDevice(keys(), 'carol', device.serialNumber, '000000', '111111').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AwsError);
    expect((refused as AwsError).code).toBe('InvalidAuthenticationCode');
    const step = Math.floor(Date.now() / 30_000);
    await iam().enableMfaDevice(keys(), 'carol', device.serialNumber, totp(device.base32Seed, { step: step - 1 }), totp(device.base32Seed, { step }));
    expect((await iam().listMfaDevices(keys(), 'carol')).map((d) => d.serialNumber)).toContain(device.serialNumber);

    const spare = await iam().createVirtualMfaDevice(keys(), 'carol-spare');
    await iam().deleteVirtualMfaDevice(keys(), spare.serialNumber);
    const again = await iam().createVirtualMfaDevice(keys(), 'carol-spare'); // the name is free again
    expect(again.serialNumber).toBe(spare.serialNumber);
  });

  it('turns IAM refusals into one line with what to do', async () => {
    const cases: [string, { status: number; code: string; message: string }, RegExp, RegExp][] = [
      [
        'CreateAccessKey',
        { status: 403, code: 'AccessDenied', message: 'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:CreateAccessKey with an explicit deny' },
        /^IAM refused CreateAccessKey for user alice \(AccessDenied\)$/,
        /only with MFA: give the source an mfa_serial \(xacct mfa enroll <source>\)/,
      ],
      [
        'CreateAccessKey',
        { status: 409, code: 'LimitExceeded', message: 'Cannot exceed quota for AccessKeysPerUser: 2' },
        /^IAM refused CreateAccessKey: user alice has as many access keys as IAM allows \(2\) \(LimitExceeded\)$/,
        /aws iam list-access-keys --user-name alice/,
      ],
      [
        'CreateVirtualMFADevice',
        { status: 409, code: 'EntityAlreadyExists', message: 'MFADevice entity at the same path and name already exists.' },
        /^a virtual MFA device named 'alice' exists already in the account \(EntityAlreadyExists\)$/,
        /--device-name/,
      ],
    ];
    for (const [action, error, message, hint] of cases) {
      t.sts.inject({ action, error });
      const call = action === 'CreateAccessKey' ? iam().createAccessKey(keys(), 'alice') : iam().createVirtualMfaDevice(keys(), 'alice');
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AwsError);
      expect((err as AwsError).message).toMatch(message);
      expect((err as AwsError).hint).toMatch(hint);
    }
    // Calls that create something are sent once: a retry after a lost answer would make a second key or device.
    expect(t.sts.calls.map((c) => [c.action, c.status])).toEqual(cases.map(([action, error]) => [action, error.status]));
  });

  it('gives up within its time limit, naming the endpoint', async () => {
    t.sts.inject({ action: 'ListAccessKeys', delayMs: 3000, times: 5 });
    const started = Date.now();
    const err = await iam({ maxAttempts: 1, requestTimeoutMs: 400, totalTimeoutMs: 600 })
      .listAccessKeys(keys(), 'alice')
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2500);
    expect((err as AwsError).message).toBe(`cannot reach IAM at ${t.sts.url} (timed out)`);
  });

  it('a malformed AWS_ENDPOINT_URL_IAM is a configuration error naming the variable', () => {
    expect(() => createIam({ AWS_ENDPOINT_URL_IAM: 'notaurl' })).toThrow(ConfigError);
    expect(() => createIam({ AWS_ENDPOINT_URL_IAM: 'notaurl' })).toThrow(/^AWS_ENDPOINT_URL_IAM="notaurl" is not a URL$/);
    expect(createIam({}).endpoint).toBe('https://iam.amazonaws.com');
    expect(createIam({ AWS_ENDPOINT_URL_IAM: 'http://127.0.0.1:1', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }).endpoint).toBe('https://iam.amazonaws.com');
  });
});
