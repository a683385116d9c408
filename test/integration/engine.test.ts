/**
 * The credential engine through the built CLI (npm run build first): `credential-process` and `clear` against a
 * private GNOME Keyring (stored keys and cached sessions) and moto behind the checking STS proxy, which counts
 * the calls and refuses wrong MFA codes as AWS does.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requireEnv, runCli, setupIdentity, standardMap, startEnv, VALID_MFA_CODE, type Env, type TestEnv } from '../helpers/index.js';

const opts = { keyring: true, sts: true };
const CREDENTIAL_PROCESS_JSON =
  /^\{"Version":1,"AccessKeyId":"ASIA\w+","SecretAccessKey":"[^"]+","SessionToken":"[^"]+","Expiration":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{3})?Z"\}\n$/;

interface ProcessCredentials {
  Version: number;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
}

describe.skipIf(!requireEnv(opts, 'the credential engine'))('credential engine (credential-process, clear)', () => {
  let t: TestEnv;
  const cli = (args: string[], extra: Env = {}) => runCli(args, { env: { ...t.env, ...extra } });
  const credentialProcess = async (profile: string, ...more: string[]) => {
    const r = await cli(['credential-process', profile, ...more]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(CREDENTIAL_PROCESS_JSON);
    return JSON.parse(r.stdout) as ProcessCredentials;
  };
  const calls = (action: string) => t.sts.calls.filter((c) => c.action === action);
  const auditLines = () => {
    try {
      return readFileSync(t.home.path('.local/state/xacct/audit.jsonl'), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const seenSecrets: string[] = [];

  beforeAll(async () => {
    t = await startEnv(opts);
    await setupIdentity(t, {
      map: standardMap(t.user.mfaSerial, {
        roles: 'admin = "OrganizationAccountAccessRole"\nreadonly = { name = "ReadOnly", duration = "1h" }',
        more: '[profiles.prod-admin]\nsource_identity = "alice"\ntags = { ticket = "OPS-42" }\n',
      }),
    });
    seenSecrets.push(t.user.secretAccessKey);
  });
  afterAll(() => t?.stop());

  beforeEach(async () => {
    expect((await cli(['clear'])).code).toBe(0);
    t.sts.reset();
  });

  it('first call: one GetSessionToken with the MFA code, one AssumeRole from that MFA session', async () => {
    const creds = await credentialProcess('prod-admin', '--mfa-token', VALID_MFA_CODE);
    seenSecrets.push(creds.SecretAccessKey, creds.SessionToken);
    expect(t.sts.count('GetSessionToken')).toBe(1);
    expect(t.sts.count('AssumeRole')).toBe(1);
    const [gst] = calls('GetSessionToken');
    expect(gst).toMatchObject({
      accessKeyId: t.user.accessKeyId,
      serialNumber: t.user.mfaSerial,
      tokenCode: VALID_MFA_CODE,
      durationSeconds: 43200,
      region: 'eu-west-1',
      status: 200,
    });
    const [assume] = calls('AssumeRole');
    expect(assume).toMatchObject({
      signedWith: 'mfa-session',
      roleArn: 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole',
      durationSeconds: 3600,
      sourceIdentity: 'alice',
      tags: { ticket: 'OPS-42' },
      status: 200,
    });
    expect(assume!.roleSessionName).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(assume!.serialNumber).toBeUndefined();
    expect(creds.AccessKeyId).toBe(assume!.issued!.accessKeyId);
    expect(Math.abs(Date.parse(creds.Expiration) - Date.now() - 3600_000)).toBeLessThan(120_000);
  });

  it('second call: the cached session, no STS call, the same credentials', async () => {
    const first = await credentialProcess('prod-admin', '--mfa-token', VALID_MFA_CODE);
    t.sts.reset();
    const second = await credentialProcess('prod-admin');
    expect(second).toEqual(first);
    expect(t.sts.count()).toBe(0);
  });

  it('a second profile only assumes its role, from the cached MFA session (no code needed)', async () => {
    await credentialProcess('prod-admin', '--mfa-token', VALID_MFA_CODE);
    t.sts.reset();
    await credentialProcess('staging-readonly');
    expect(t.sts.count('GetSessionToken')).toBe(0);
    expect(calls('AssumeRole')).toEqual([
      expect.objectContaining({ roleArn: 'arn:aws:iam::333333333333:role/ReadOnly', signedWith: 'mfa-session', status: 200 }),
    ]);
  });

  it("clear <profile> removes only that profile's role session", async () => {
    await credentialProcess('prod-admin', '--mfa-token', VALID_MFA_CODE);
    const r = await cli(['clear', 'prod-admin']);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: 'xacct: cleared the role session of prod-admin\n' });
    t.sts.reset();
    await credentialProcess('prod-admin');
    expect(t.sts.count('GetSessionToken')).toBe(0);
    expect(t.sts.count('AssumeRole')).toBe(1);
  });

  it('clear removes every cached session but not the stored keys: the MFA code is asked for again', async () => {
    await credentialProcess('prod-admin', '--mfa-token', VALID_MFA_CODE);
    await credentialProcess('staging-readonly');
    const r = await cli(['clear']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('xacct: cleared the role sessions of prod-admin, staging-readonly and the MFA session of identity\n');
    expect((await cli(['clear'])).stderr).toBe('xacct: nothing cached\n');

    t.sts.reset();
    const noCode = await cli(['credential-process', 'prod-admin']);
    expect(noCode.code).toBe(1);
    expect(noCode.stdout).toBe('');
    expect(noCode.stderr).toMatch(/^xacct: no terminal to ask for the MFA code/);
    expect(t.sts.count()).toBe(0);

    await credentialProcess('prod-admin', '--mfa-token', VALID_MFA_CODE);
    // Signed with the long-term key still in the keychain.
    expect(calls('GetSessionToken')).toEqual([expect.objectContaining({ accessKeyId: t.user.accessKeyId, status: 200 })]);
  });

  it('a wrong code is refused: exit 1, one clear line, nothing printed or cached', async () => {
    const r = await cli(['credential-process', 'prod-admin', '--mfa-token', '654321']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^xacct: AWS refused the MFA code for source 'identity'\nxacct: .*next one\n$/);
    expect(calls('GetSessionToken')).toEqual([expect.objectContaining({ tokenCode: '654321', status: 403, errorCode: 'AccessDenied' })]);
    expect(t.sts.count('AssumeRole')).toBe(0);

    t.sts.reset();
    await credentialProcess('prod-admin', '--mfa-token', VALID_MFA_CODE);
    expect(t.sts.count('GetSessionToken')).toBe(1);
  });

  it('a role session longer than 1 hour: AssumeRole with SerialNumber and TokenCode from the long-term keys', async () => {
    const creds = await credentialProcess('prod-admin', '--duration', '2h', '--mfa-token', VALID_MFA_CODE);
    seenSecrets.push(creds.SecretAccessKey, creds.SessionToken);
    expect(t.sts.count('GetSessionToken')).toBe(0);
    expect(calls('AssumeRole')).toEqual([
      expect.objectContaining({
        signedWith: 'other',
        accessKeyId: t.user.accessKeyId,
        durationSeconds: 7200,
        serialNumber: t.user.mfaSerial,
        tokenCode: VALID_MFA_CODE,
        status: 200,
      }),
    ]);
    expect(Math.abs(Date.parse(creds.Expiration) - Date.now() - 7200_000)).toBeLessThan(120_000);
  });

  it('--no-cache takes new sessions and leaves the cache as it was', async () => {
    const cachedCreds = await credentialProcess('prod-admin', '--mfa-token', VALID_MFA_CODE);
    t.sts.reset();
    const fresh = await credentialProcess('prod-admin', '--no-cache', '--mfa-token', VALID_MFA_CODE);
    expect(fresh.AccessKeyId).not.toBe(cachedCreds.AccessKeyId);
    expect(t.sts.count('GetSessionToken')).toBe(1);
    expect(t.sts.count('AssumeRole')).toBe(1);
    t.sts.reset();
    expect(await credentialProcess('prod-admin')).toEqual(cachedCreds);
    expect(t.sts.count()).toBe(0);
  });

  it('--duration out of range is a usage error (exit 2), before any STS call', async () => {
    const r = await cli(['credential-process', 'prod-admin', '--duration', '13h', '--mfa-token', VALID_MFA_CODE]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^xacct: --duration 13h is out of range/);
    expect(t.sts.count()).toBe(0);
  });

  it('the audit log has one line per new role session and no secret', async () => {
    const before = auditLines().length;
    const creds = await credentialProcess('prod-admin', '--mfa-token', VALID_MFA_CODE);
    seenSecrets.push(creds.SecretAccessKey, creds.SessionToken);
    await credentialProcess('prod-admin'); // cached: no line
    await credentialProcess('staging-readonly');
    const lines = auditLines();
    expect(lines).toHaveLength(before + 2);
    const [prod, staging] = lines.slice(before).map((l) => JSON.parse(l) as Record<string, string>);
    expect(Object.keys(prod!).sort()).toEqual(['expiration', 'profile', 'roleArn', 'sessionName', 'sourceIdentity', 'time']);
    expect(prod).toMatchObject({
      profile: 'prod-admin',
      roleArn: 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole',
      sourceIdentity: 'alice',
    });
    expect(Date.parse(prod!.expiration!)).toBe(Date.parse(creds.Expiration));
    expect(staging).toMatchObject({ profile: 'staging-readonly', roleArn: 'arn:aws:iam::333333333333:role/ReadOnly' });
    expect(staging).not.toHaveProperty('sourceIdentity');
    // Every earlier test's sessions are in the log too: none of their secrets may be.
    const log = lines.join('\n');
    for (const secret of seenSecrets) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/ASIA|AKIA/);
  });

  it('XACCT_DEBUG=1 tells every decision on stderr (source, cache, why the MFA session, the fast path), never a secret', async () => {
    const debug = { XACCT_DEBUG: '1' };
    const first = await cli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], debug);
    expect(first.code).toBe(0);
    const creds = JSON.parse(first.stdout) as ProcessCredentials;
    const hit = await cli(['credential-process', 'prod-admin'], debug);
    const longer = await cli(['credential-process', 'prod-admin', '--duration', '2h', '--mfa-token', VALID_MFA_CODE], debug);
    expect([hit.code, longer.code]).toEqual([0, 0]);
    const lines = (r: { stderr: string }) => r.stderr.trimEnd().split('\n');
    expect(lines(first)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^xacct: debug: credential-process fast path not taken: /),
        expect.stringMatching(/^xacct: debug: role-session:prod-admin(@\w+)?: none cached \(or unreadable\); waiting for the lock/),
        expect.stringMatching(/^xacct: debug: source identity: long-term credentials from stored-keys, key AKIA…\w{4}$/),
        expect.stringMatching(/^xacct: debug: prod-admin: AssumeRole .* signed with the MFA session of source identity/),
        expect.stringMatching(/^xacct: debug: source identity: GetSessionToken with MFA device /),
        expect.stringMatching(/^xacct: debug: role-session:prod-admin(@\w+)?: new session ASIA…\w{4} cached until /),
      ]),
    );
    expect(lines(hit)).toEqual(['xacct: debug: credential-process served from the cache (fast path)']);
    expect(lines(longer)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/role-session:prod-admin(@\w+)?: the cached session was made for other settings or keys: durationSeconds, via changed/),
        expect.stringMatching(/prod-admin: AssumeRole .* with the MFA code in the call: it lasts more than 1 h, .* so no GetSessionToken$/),
      ]),
    );
    const all = [first, hit, longer].map((r) => r.stderr).join('');
    for (const secret of [...seenSecrets, creds.SecretAccessKey, creds.SessionToken, creds.AccessKeyId]) expect(all).not.toContain(secret);
  });
});
