/** The shared readers of command lines and AWS profiles: shell words, "does it run xacct", the kind of a profile. */
import { describe, expect, it } from 'vitest';
import { awsProfileKind, credentialSettingOf, unservableRoleProfile } from '../../src/core/aws-profile-kind.js';
import { shellWords } from '../../src/core/shell-words.js';
import { isXacctProgram, xacctInvocation } from '../../src/core/xacct-command.js';

describe('shellWords', () => {
  it('splits as a POSIX shell does: quotes, backslashes, pieces joined', () => {
    expect(shellWords(`a "b c" 'd e' f\\ g "h\\"i" ''`)).toEqual(['a', 'b c', 'd e', 'f g', 'h"i', '']);
    expect(shellWords(`  x'y'"z"  w `)).toEqual(['xyz', 'w']);
    expect(shellWords('')).toEqual([]);
  });

  it('refuses a line with a quote left open', () => {
    expect(shellWords(`xacct credential-process 'prod`)).toBeUndefined();
    expect(shellWords(`a "b`)).toBeUndefined();
  });
});

describe('xacctInvocation', () => {
  it('spots xacct as any word of the command, whatever its path or quoting', () => {
    expect(xacctInvocation('xacct credential-process prod')).toEqual({ program: 'xacct', subcommand: 'credential-process', target: 'prod' });
    expect(xacctInvocation('"/opt/homebrew/bin/xacct" credential-process prod')?.target).toBe('prod');
    expect(xacctInvocation("'/opt/my tools/xacct' credential-process --duration 1h 'staging-admin'")).toEqual({
      program: '/opt/my tools/xacct',
      subcommand: 'credential-process',
      target: 'staging-admin',
    });
    expect(xacctInvocation('node /home/a/xacct/bin/xacct.js credential-process --region eu-west-1 dev')).toMatchObject({ program: 'node /home/a/xacct/bin/xacct.js', target: 'dev' });
    expect(xacctInvocation('npx xacct credential-process prod')?.program).toBe('npx xacct');
    expect(xacctInvocation('xacct exec prod-admin')).toEqual({ program: 'xacct', subcommand: 'exec' });
    expect(xacctInvocation('xacct')).toEqual({ program: 'xacct' });
  });

  it('is undefined for other programs, look-alikes, and lines no shell would run', () => {
    expect(xacctInvocation('aws-vault exec identity --json')).toBeUndefined();
    expect(xacctInvocation('/opt/xacct-tools/other credential-process')).toBeUndefined();
    expect(xacctInvocation(`xacct credential-process 'prod`)).toBeUndefined();
    expect([isXacctProgram('C:\\tools\\xacct.cmd'), isXacctProgram('XACCT.EXE'), isXacctProgram('xacctx')]).toEqual([true, true, false]);
  });
});

describe('the kind of an AWS profile', () => {
  it('as the SDK resolves it, keys in the credentials file winning', () => {
    expect(awsProfileKind({ aws_access_key_id: 'AKIA', aws_secret_access_key: 's' }, undefined)).toBe('static keys');
    expect(awsProfileKind(undefined, { sso_session: 'corp', sso_account_id: '1' })).toBe('SSO');
    expect(awsProfileKind(undefined, { credential_process: 'op read …' })).toBe('credential_process');
    expect(awsProfileKind(undefined, { role_arn: 'arn:aws:iam::1:role/r', source_profile: 'x' })).toBe('role_arn');
    expect(awsProfileKind({ aws_access_key_id: 'AKIA', aws_secret_access_key: 's' }, { role_arn: 'arn:aws:iam::1:role/r', source_profile: 'x' })).toBe('role_arn');
    expect(awsProfileKind(undefined, { web_identity_token_file: '/t' })).toBe('web identity');
    expect(awsProfileKind({ aws_access_key_id: 'AKIA' }, { region: 'eu-west-1' })).toBe('no credentials');
    expect(awsProfileKind(undefined, undefined)).toBe('missing');
  });

  it('names the setting that decides, and why xacct leaves a role profile to the SDK', () => {
    expect(credentialSettingOf({ aws_access_key_id: 'AKIA', aws_secret_access_key: 's' })).toBe('aws_access_key_id');
    expect(credentialSettingOf({ sso_start_url: 'https://x' })).toBe('sso_start_url');
    expect(credentialSettingOf({ region: 'eu-west-1' })).toBeUndefined();
    expect(unservableRoleProfile({ role_arn: 'a', credential_source: 'Ec2InstanceMetadata' })).toMatch(/credential_source/);
    expect(unservableRoleProfile({ role_arn: 'a' })).toMatch(/no source_profile/);
    expect(unservableRoleProfile({ role_arn: 'a', source_profile: 'b' })).toBeUndefined();
  });
});
