/**
 * `xacct rotate` end to end: moto's IAM behind the checking proxy, which refuses keys IAM does not know (or has
 * deleted) and refuses a new key for a while as IAM's eventual consistency does; the real keychain; a real pty for
 * the MFA prompt.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keychainEntry, mfaSessionKeyOf, motoQuery, roleSessionKeyIn, requireEnv, requireTools, runCli, runCliPty, startEnv, stripAnsi, VALID_MFA_CODE, type TestEnv } from '../helpers/index.js';
import { iamKeyIds, identityOfNewUser, storedKeys } from '../helpers/rotation.js';
import { repeatedMarker } from '../helpers/iam-checks.js';

const opts = { keyring: true, sts: true, secretTool: true };
let t: TestEnv;
const hasPty = requireTools(['python3'], 'the MFA prompt of rotate');

describe.skipIf(!requireEnv(opts, 'rotate tests'))('xacct rotate', () => {
  beforeAll(async () => {
    t = await startEnv(opts);
    t.sts.iam.knownKeysOnly = true;
  });
  afterAll(() => t?.stop());
  /** The profiles the fast path's index has an entry for. */
  const indexed = () => Object.keys((JSON.parse(readFileSync(t.home.path('.cache/xacct/index.json'), 'utf8')) as { profiles: object }).profiles);
  beforeEach(() => {
    t.sts.reset();
    t.sts.iam.newKeyDelayMs = 0;
  });

  it('replaces the key: the old one gone from IAM, the new one stored, its sessions retired, the next MFA session signed with the new key', async () => {
    const user = await identityOfNewUser(t, 'rot-e2e');
    const first = await runCli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], { env: t.env });
    expect(first.code, first.stderr).toBe(0);
    expect(await keychainEntry(t.env, mfaSessionKeyOf(user.accessKeyId, user.mfaSerial))).not.toBeNull();
    expect(await keychainEntry(t.env, roleSessionKeyIn(t.env, 'prod-admin'))).not.toBeNull();
    expect(indexed()).toContain('prod-admin');
    t.sts.reset();
    t.sts.iam.newKeyDelayMs = 1500; // IAM's eventual consistency: the new key is refused for a while

    const r = await runCli(['rotate', 'identity'], { env: t.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const stored = await storedKeys(t);
    expect(stored!.AccessKeyId).not.toBe(user.accessKeyId);
    expect(await iamKeyIds(t, user.userName)).toEqual([stored!.AccessKeyId]);
    expect(r.stderr).toContain(`xacct: rotated the access key of source 'identity' (IAM user rot-e2e): ${user.accessKeyId} → ${stored!.AccessKeyId}; the old key is deleted in IAM\n`);
    expect(r.stderr).toContain('xacct: retired the role session of prod-admin and the MFA session of identity, made with the old key');
    expect(r.stderr).not.toContain(stored!.SecretAccessKey);

    // IAM was called with the cached MFA session (no code asked), and the new key was waited for.
    const iamCalls = t.sts.calls.filter((c) => c.service === 'iam');
    expect(iamCalls.map((c) => [c.action, c.signedWith])).toEqual([
      ['ListAccessKeys', 'mfa-session'],
      ['CreateAccessKey', 'mfa-session'],
      ['DeleteAccessKey', 'mfa-session'],
    ]);
    const checks = t.sts.calls.filter((c) => c.action === 'GetCallerIdentity' && c.accessKeyId === stored!.AccessKeyId);
    expect(checks.length).toBeGreaterThan(1);
    expect(checks[0]!.errorCode).toBe('InvalidClientTokenId');
    expect(checks.at(-1)!.status).toBe(200);
    expect(t.sts.count('GetSessionToken')).toBe(0);
    expect(await keychainEntry(t.env, mfaSessionKeyOf(user.accessKeyId, user.mfaSerial))).toBeNull();
    expect(await keychainEntry(t.env, roleSessionKeyIn(t.env, 'prod-admin'))).toBeNull();
    expect(await keychainEntry(t.env, 'rotation:identity')).toBeNull();
    // Its index entry went with it: the fast path does not read the retired entry before taking the full path.
    expect(indexed()).not.toContain('prod-admin');

    // The old key is refused now; the next MFA session is signed with the new key.
    await expect(motoQuery(t.moto.url, 'iam', 'GetAccessKeyLastUsed', { AccessKeyId: user.accessKeyId })).rejects.toThrow(/cannot be found/);
    t.sts.reset();
    const next = await runCli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], { env: t.env });
    expect(next.code, next.stderr).toBe(0);
    expect(t.sts.calls.filter((c) => c.action === 'GetSessionToken').map((c) => c.accessKeyId)).toEqual([stored!.AccessKeyId]);
    expect(t.sts.calls.find((c) => c.action === 'AssumeRole')?.signedWith).toBe('mfa-session');
  });

  it('refuses while the IAM user has a second key, naming it, and changes nothing', async () => {
    const user = await identityOfNewUser(t, 'rot-two');
    const second = await motoQuery(t.moto.url, 'iam', 'CreateAccessKey', { UserName: user.userName });
    const secondId = /<AccessKeyId>([^<]+)</.exec(second)![1]!;
    const r = await runCli(['rotate', 'identity', '--mfa-token', VALID_MFA_CODE], { env: t.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^xacct: IAM user rot-two has a second access key, ${secondId} \\(Active, created \\d{4}-\\d\\d-\\d\\d\\), so there is no room for a new one\n`));
    expect(r.stderr).toContain(`aws iam delete-access-key --user-name rot-two --access-key-id ${secondId}`);
    expect(await iamKeyIds(t, user.userName)).toEqual([user.accessKeyId, secondId].sort());
    expect((await storedKeys(t))!.AccessKeyId).toBe(user.accessKeyId);
    expect(t.sts.count('CreateAccessKey')).toBe(0);
    expect(await keychainEntry(t.env, 'rotation:identity')).toBeNull();
  });

  it('a ListAccessKeys Marker that comes back again stops the listing: one line, exit 1, nothing changed', async () => {
    const user = await identityOfNewUser(t, 'rot-loop');
    t.sts.iam.paging = { action: 'ListAccessKeys', mode: 'repeat' };
    const r = await runCli(['rotate', 'identity', '--mfa-token', VALID_MFA_CODE], { env: t.env, timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    const { message, hint } = repeatedMarker('ListAccessKeys', t.sts.url);
    expect(r.stderr).toBe(`xacct: ${message}\nxacct: ${hint}\n`);
    expect(t.sts.count('ListAccessKeys')).toBe(2);
    expect(t.sts.count('CreateAccessKey')).toBe(0);
    expect(await iamKeyIds(t, user.userName)).toEqual([user.accessKeyId]);
    expect((await storedKeys(t))!.AccessKeyId).toBe(user.accessKeyId);
  });

  it('without mfa_serial signs IAM with the long-term key; an AccessDenied says MFA may be needed, and nothing changes', async () => {
    const user = await identityOfNewUser(t, 'rot-nomfa', { mfa: false });
    t.sts.inject({ action: 'CreateAccessKey', error: { status: 403, code: 'AccessDenied', message: 'User: arn:aws:iam::123456789012:user/rot-nomfa is not authorized to perform: iam:CreateAccessKey with an explicit deny in an identity-based policy' } });
    const r = await runCli(['rotate', 'identity'], { env: t.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'xacct: IAM refused CreateAccessKey for user rot-nomfa (AccessDenied)\n' +
        'xacct: policies commonly allow iam:CreateAccessKey only with MFA: give the source an mfa_serial (xacct mfa enroll <source>), or ask the administrators of the identity account\n',
    );
    expect(t.sts.calls.filter((c) => c.service === 'iam').map((c) => [c.action, c.accessKeyId])).toEqual([
      ['ListAccessKeys', user.accessKeyId],
      ['CreateAccessKey', user.accessKeyId],
    ]);
    expect(await iamKeyIds(t, user.userName)).toEqual([user.accessKeyId]);
    expect(await keychainEntry(t.env, 'rotation:identity')).toBeNull();

    const ok = await runCli(['rotate', 'identity'], { env: t.env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(await iamKeyIds(t, user.userName)).toEqual([(await storedKeys(t))!.AccessKeyId]);
  });

  it.runIf(hasPty)('asks for an MFA code on the terminal when no MFA session is cached', async () => {
    const user = await identityOfNewUser(t, 'rot-pty');
    const term = runCliPty(['rotate', 'identity'], { env: t.env, mode: 'pipes' });
    await term.expect(new RegExp(`Enter MFA code for ${user.mfaSerial} \\(identity\\): `));
    term.write(`${VALID_MFA_CODE}\r`);
    const r = await term.result();
    expect(r.code, stripAnsi(r.transcript) + r.stderr).toBe(0);
    expect(t.sts.calls.find((c) => c.action === 'GetSessionToken')?.accessKeyId).toBe(user.accessKeyId);
    expect(await iamKeyIds(t, user.userName)).toEqual([(await storedKeys(t))!.AccessKeyId]);
  });

  it('refuses a source whose keys xacct does not store, saying how to move them', async () => {
    await runCli(['remove', 'identity'], { env: t.env });
    const r = await runCli(['rotate', 'identity'], { env: t.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "xacct: source 'identity' has no keys stored by xacct add: rotate replaces a stored key\n" +
        'xacct: move them into the keychain first: xacct add identity --from-aws-profile identity --remove-plaintext\n',
    );
  });
});
