/**
 * `xacct add <source> --from-aws-profile <name> [--remove-plaintext]` as a user runs it: the keys of a profile of
 * ~/.aws/credentials moved into the real keychain, checked against STS (moto behind the checking proxy, which
 * refuses keys IAM does not know), and deleted from the file with every other byte kept.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIamUser, keychainEntry, requireEnv, roleSessionKeyIn, runCli, standardMap, startEnv, VALID_MFA_CODE, type TestEnv } from '../helpers/index.js';

const opts = { keyring: true, sts: true, secretTool: true };
let t: TestEnv;

const OTHER_ID = 'AKIAOTHEROTHEROTHER1';
const OTHER_SECRET = 'otherSecretOtherSecretOtherSecret0000000';

/** A credentials file as people have them: comments, CRLF in one place, other profiles around the one that moves. */
function credentialsFile(extraInIdentity = 'region = eu-west-1\n'): string {
  return (
    '# keys of the AWS CLI\n' +
    '[default]\n' +
    `aws_access_key_id = ${OTHER_ID}\n` +
    `aws_secret_access_key = ${OTHER_SECRET}\n` +
    '\n' +
    '; the identity account, from onboarding\n' +
    '[identity]\r\n' +
    `aws_access_key_id=${t.user.accessKeyId}\n` +
    `aws_secret_access_key  =  ${t.user.secretAccessKey}\n` +
    extraInIdentity +
    '\n' +
    '[sandbox]\n' +
    'aws_access_key_id = AKIASANDBOXSANDBOX01\n' +
    'aws_secret_access_key = sandboxSecret\n'
  );
}

const stored = async () => {
  const text = await keychainEntry(t.env, 'source:identity');
  return text === null ? null : (JSON.parse(text) as unknown);
};

describe.skipIf(!requireEnv(opts, 'add --from-aws-profile tests'))('xacct add --from-aws-profile', () => {
  beforeAll(async () => {
    t = await startEnv(opts);
    t.home.write('.config/xacct/config.toml', standardMap(t.user.mfaSerial));
    t.sts.iam.knownKeysOnly = true;
  });
  afterAll(() => t?.stop());
  beforeEach(async () => {
    t.sts.reset();
    await runCli(['remove', 'identity'], { env: t.env });
  });

  it('moves the keys into the keychain and deletes just their two lines, every other byte kept, mode kept', async () => {
    const before = credentialsFile();
    const file = t.home.write('.aws/credentials', before, 0o640);
    const r = await runCli(['add', 'identity', '--from-aws-profile', 'identity', '--remove-plaintext'], { env: t.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const expected = before.replace(`aws_access_key_id=${t.user.accessKeyId}\n`, '').replace(`aws_secret_access_key  =  ${t.user.secretAccessKey}\n`, '');
    expect(readFileSync(file, 'utf8')).toBe(expected);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    // No backup and no temp file: the secret is in no file under ~/.aws.
    expect(readdirSync(t.home.path('.aws'))).toEqual(['credentials']);
    expect(await stored()).toEqual({ AccessKeyId: t.user.accessKeyId, SecretAccessKey: t.user.secretAccessKey });
    expect(r.stderr).toContain(`xacct: stored the keys of source 'identity' (${t.user.accessKeyId}, ${t.user.arn}) in the OS keychain (Secret Service), from [identity] of ${file}\n`);
    expect(r.stderr).toContain(`xacct: removed them from ${file} (lines 8, 9); no backup was kept\n`);
    expect(r.stderr).not.toContain(t.user.secretAccessKey);
    expect(t.sts.calls.filter((c) => c.action === 'GetCallerIdentity').map((c) => c.accessKeyId)).toEqual([t.user.accessKeyId]);

    // The stored keys serve: the MFA session is signed with them.
    const cp = await runCli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], { env: t.env });
    expect(cp.code, cp.stderr).toBe(0);
    expect(t.sts.calls.find((c) => c.action === 'GetSessionToken')?.accessKeyId).toBe(t.user.accessKeyId);
  });

  it('keys that replace others retire their sessions, and the fast-path index entries that named them', async () => {
    t.home.write('.aws/credentials', credentialsFile());
    expect((await runCli(['add', 'identity', '--from-aws-profile', 'identity'], { env: t.env })).code).toBe(0);
    const cp = await runCli(['credential-process', 'prod-admin', '--mfa-token', VALID_MFA_CODE], { env: t.env });
    expect(cp.code, cp.stderr).toBe(0);
    const indexed = () => Object.keys((JSON.parse(readFileSync(t.home.path('.cache/xacct/index.json'), 'utf8')) as { profiles: object }).profiles);
    expect(indexed()).toContain('prod-admin');
    const bob = await createIamUser(t.moto.url);
    t.home.write('.aws/credentials', `[identity]\naws_access_key_id = ${bob.accessKeyId}\naws_secret_access_key = ${bob.secretAccessKey}\n`);
    const r = await runCli(['add', 'identity', '--from-aws-profile', 'identity'], { env: t.env });
    expect(r.code, r.stderr).toBe(0);
    expect(await stored()).toEqual({ AccessKeyId: bob.accessKeyId, SecretAccessKey: bob.secretAccessKey });
    expect(await keychainEntry(t.env, roleSessionKeyIn(t.env, 'prod-admin'))).toBeNull();
    expect(indexed()).not.toContain('prod-admin');
  });

  it('deletes the section too when nothing else was in it', async () => {
    const before = credentialsFile('');
    const file = t.home.write('.aws/credentials', before);
    const r = await runCli(['add', 'identity', '--from-aws-profile', 'identity', '--remove-plaintext'], { env: t.env });
    expect(r.code, r.stderr).toBe(0);
    const sectionStart = before.indexOf('[identity]');
    const sectionEnd = before.indexOf('[sandbox]');
    expect(readFileSync(file, 'utf8')).toBe(before.slice(0, sectionStart) + before.slice(sectionEnd));
    expect(r.stderr).toContain('and the section [identity], which held nothing else');
  });

  it('without --remove-plaintext leaves the file as it was and says how to delete the keys there', async () => {
    const before = credentialsFile();
    const file = t.home.write('.aws/credentials', before);
    const mtime = statSync(file).mtimeMs;
    const r = await runCli(['add', 'identity', '--from-aws-profile', 'identity'], { env: t.env });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(r.stderr).toContain("'xacct add identity --from-aws-profile identity --remove-plaintext' deletes them there");
    expect(await stored()).toEqual({ AccessKeyId: t.user.accessKeyId, SecretAccessKey: t.user.secretAccessKey });
  });

  it('honours AWS_SHARED_CREDENTIALS_FILE', async () => {
    const file = t.home.write('elsewhere/creds', credentialsFile());
    const r = await runCli(['add', 'identity', '--from-aws-profile', 'identity', '--remove-plaintext'], { env: { ...t.env, AWS_SHARED_CREDENTIALS_FILE: file } });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toContain(t.user.secretAccessKey);
  });

  it('keys STS refuses (unknown to IAM) are not stored and the file is not touched', async () => {
    const before = credentialsFile().replace(t.user.accessKeyId, 'AKIANOTKNOWNTOIAM000');
    const file = t.home.write('.aws/credentials', before);
    const r = await runCli(['add', 'identity', '--from-aws-profile', 'identity', '--remove-plaintext'], { env: t.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^xacct: the source's access key is not valid — revoked or mistyped \(InvalidClientTokenId\)\n/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(await stored()).toBeNull();
  });

  it('bad input: each a clear line, exit 2, nothing changed', async () => {
    const file = t.home.write('.aws/credentials', credentialsFile());
    const before = readFileSync(file, 'utf8');
    const cases: [string[], RegExp][] = [
      [['--from-aws-profile', 'identiy'], new RegExp(`^xacct: no profile \\[identiy\\] in ${file} \\(did you mean 'identity'\\?\\)\nxacct: profiles there: default, identity, sandbox\n$`)],
      [['--remove-plaintext'], /^xacct: --remove-plaintext goes with --from-aws-profile <name>\n/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['add', 'identity', ...args], { env: t.env });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    t.home.write('.aws/credentials', '[identity]\naws_access_key_id = ASIAEXAMPLE000000001\naws_secret_access_key = s\naws_session_token = tok\n');
    const temp = await runCli(['add', 'identity', '--from-aws-profile', 'identity'], { env: t.env });
    expect(temp.code).toBe(2);
    expect(temp.stderr).toMatch(/holds temporary credentials \(aws_session_token\)/);
    t.home.write('.aws/credentials', before);
    const missing = await runCli(['add', 'identity', '--from-aws-profile', 'identity'], { env: { ...t.env, AWS_SHARED_CREDENTIALS_FILE: t.home.path('nope') } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/there is no AWS credentials file .*nope.*\nxacct: AWS_SHARED_CREDENTIALS_FILE names it: point it at the file that holds the keys, or unset it\n$/);
    // Unset, the hint does not speak of it as set.
    rmSync(file);
    const none = await runCli(['add', 'identity', '--from-aws-profile', 'identity'], { env: t.env });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/\nxacct: write the keys there \(aws configure --profile identity\), or set AWS_SHARED_CREDENTIALS_FILE to the file that holds them\n$/);
    t.home.write('.aws/credentials', before);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(await stored()).toBeNull();
  });
});
