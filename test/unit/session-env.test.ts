import { describe, expect, it, vi } from 'vitest';
import { assumeExport, assumeInShell, describeExpiry, execWithSession } from '../../src/app/run-command.js';
import { UsageError } from '../../src/core/errors.js';
import type { ProfilePlan } from '../../src/core/profile-map/types.js';
import { sessionEnv, sessionEnvChanges } from '../../src/core/session-env.js';

const credentials = {
  accessKeyId: 'ASIAEXAMPLE',
  secretAccessKey: 'secret/key+',
  sessionToken: 'token==',
  expiration: new Date('2030-01-02T03:04:05.000Z'),
};

/** What a user's shell holds inside another tool's session. */
const outer = {
  PATH: '/usr/bin',
  HOME: '/home/alice',
  AWS_CONFIG_FILE: '/home/alice/.aws/config',
  AWS_ACCESS_KEY_ID: 'AKIAOUTER',
  AWS_SECRET_ACCESS_KEY: 'outer',
  AWS_SESSION_TOKEN: 'outer-token',
  AWS_SECURITY_TOKEN: 'outer-token',
  AWS_PROFILE: 'outer',
  AWS_DEFAULT_PROFILE: 'outer',
  AWS_SESSION_EXPIRATION: '2020-01-01T00:00:00Z',
  AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9/creds',
  AWS_CONTAINER_AUTHORIZATION_TOKEN: 'x',
  AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token',
  AWS_ROLE_ARN: 'arn:aws:iam::1:role/x',
  AWS_REGION: 'us-east-2',
  AWS_DEFAULT_REGION: 'us-east-2',
  XACCT_FILE_PASSPHRASE: 'unlocks the long-term keys',
  UNSET_ONE: undefined,
};

describe('sessionEnv', () => {
  it('sets the session of SPEC and removes every other credential source', () => {
    const env = sessionEnv(outer, { credentials, profile: 'prod-admin', region: 'eu-west-1' });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/alice',
      AWS_CONFIG_FILE: '/home/alice/.aws/config',
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret/key+',
      AWS_SESSION_TOKEN: 'token==',
      AWS_CREDENTIAL_EXPIRATION: '2030-01-02T03:04:05.000Z',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      XACCT_PROFILE: 'prod-admin',
    });
  });

  it('keeps the inherited region when the profile has none', () => {
    const env = sessionEnv(outer, { credentials, profile: 'p' });
    expect(env.AWS_REGION).toBe('us-east-2');
    expect(env.AWS_DEFAULT_REGION).toBe('us-east-2');
  });

  it('does not leave an outer session token or expiry next to long-term keys', () => {
    const env = sessionEnv(outer, { credentials: { accessKeyId: 'AKIA', secretAccessKey: 's' }, profile: 'p' });
    expect(env).not.toHaveProperty('AWS_SESSION_TOKEN');
    expect(env).not.toHaveProperty('AWS_CREDENTIAL_EXPIRATION');
  });

  it('gives a credential endpoint instead of keys for exec --server', () => {
    const env = sessionEnv(outer, { credentialServer: { url: 'http://127.0.0.1:4000/c', authorizationToken: 'tok' }, profile: 'p' });
    expect(env.AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe('http://127.0.0.1:4000/c');
    expect(env.AWS_CONTAINER_AUTHORIZATION_TOKEN).toBe('tok');
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
      expect(env).not.toHaveProperty(name);
    }
  });

  it('does not change the environment it is given', () => {
    const before = { ...outer };
    sessionEnv(outer, { credentials, profile: 'p', region: 'eu-west-1' });
    expect(outer).toEqual(before);
  });

  it('lists removals as undefined, for export statements', () => {
    const changes = sessionEnvChanges({ credentials, profile: 'p' });
    expect(changes).toHaveProperty('AWS_PROFILE', undefined);
    expect(changes).toHaveProperty('AWS_SECURITY_TOKEN', undefined);
    expect(changes).not.toHaveProperty('AWS_REGION');
    expect(changes.XACCT_PROFILE).toBe('p');
    expect(changes).not.toHaveProperty('XACCT_FILE_PASSPHRASE'); // the user's own shell keeps it
  });
});

describe('exec and assume with a fake engine', () => {
  const plan = { name: 'prod-admin', roleArn: 'arn:aws:iam::222222222222:role/Admin' } as ProfilePlan;
  const obtained = { plan, credentials, region: 'eu-west-1', provider: { retrieve: async () => credentials } };
  const req = { profile: 'prod-admin', cache: true };

  it('exec runs the command with the session and returns its code', async () => {
    const runCommand = vi.fn(async (_command: string, _args: readonly string[], _env: Record<string, string | undefined>) => 7);
    const code = await execWithSession(outer, req, 'aws', ['sts', 'get-caller-identity'], { getCredentials: async () => obtained, runCommand });
    expect(code).toBe(7);
    const [command, args, env] = runCommand.mock.calls[0]!;
    expect([command, args]).toEqual(['aws', ['sts', 'get-caller-identity']]);
    expect(env.AWS_ACCESS_KEY_ID).toBe('ASIAEXAMPLE');
    expect(env.XACCT_PROFILE).toBe('prod-admin');
    expect(env).not.toHaveProperty('AWS_PROFILE');
  });

  it('refuses to nest before asking for credentials (no MFA prompt for nothing)', async () => {
    const getCredentials = vi.fn(async () => obtained);
    await expect(execWithSession({ XACCT_PROFILE: 'dev' }, req, 'env', [], { getCredentials })).rejects.toThrow(UsageError);
    await expect(assumeInShell({ XACCT_PROFILE: 'dev' }, req, { getCredentials })).rejects.toThrow(UsageError);
    await expect(assumeExport({ XACCT_PROFILE: 'dev' }, req, 'bash', { getCredentials })).rejects.toThrow(UsageError);
    expect(getCredentials).not.toHaveBeenCalled();
    expect(await execWithSession({ XACCT_PROFILE: 'dev' }, { ...req, force: true }, 'env', [], { getCredentials, runCommand: async () => 0 })).toBe(0);
  });

  it('assume starts $SHELL (else /bin/sh) after one line on stderr', async () => {
    const startShell = vi.fn(async (_shell: string, _env: unknown) => 3);
    const say = vi.fn();
    const now = () => new Date(credentials.expiration.getTime() - 59 * 60_000);
    expect(await assumeInShell({ ...outer, SHELL: '/usr/bin/zsh' }, req, { getCredentials: async () => obtained, startShell, say, now })).toBe(3);
    expect(startShell.mock.calls[0]?.[0]).toBe('/usr/bin/zsh');
    expect(say).toHaveBeenCalledWith(expect.stringMatching(/^entering prod-admin \(arn:aws:iam::222222222222:role\/Admin\), expires at \d\d:\d\d \(in 59m\); exit to leave$/));
    await assumeInShell({}, req, { getCredentials: async () => obtained, startShell, say, now });
    expect(startShell.mock.calls[1]?.[0]).toBe('/bin/sh');
  });

  it('assume --export prints the changes only', async () => {
    const text = await assumeExport(outer, req, 'bash', { getCredentials: async () => obtained });
    expect(text).toContain("export AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\n");
    expect(text).toContain("export AWS_REGION='eu-west-1'\n");
    expect(text).toContain('unset AWS_PROFILE\n');
    expect(text).not.toContain('PATH');
  });

  it('describes the expiry in hours and minutes', () => {
    const at = new Date(2030, 0, 1, 14, 5);
    expect(describeExpiry(at, new Date(at.getTime() - 59 * 60_000))).toBe('at 14:05 (in 59m)');
    expect(describeExpiry(at, new Date(at.getTime() - 60 * 60_000))).toBe('at 14:05 (in 1h)');
    expect(describeExpiry(at, new Date(at.getTime() - 725 * 60_000))).toBe('at 14:05 (in 12h05m)');
  });
});

describe('variables the launcher added', () => {
  it('are not passed on to the command', () => {
    const env = sessionEnv(
      { PATH: '/bin', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', XACCT_LAUNCHER_ADDED: 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED' },
      { profile: 'p', credentials: { accessKeyId: 'AKIA', secretAccessKey: 's' } },
    );
    expect(env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBeUndefined();
    expect(env.XACCT_LAUNCHER_ADDED).toBeUndefined();
    expect(env.PATH).toBe('/bin');
  });

  it('stay when the user set them', () => {
    const env = sessionEnv(
      { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      { profile: 'p', credentials: { accessKeyId: 'AKIA', secretAccessKey: 's' } },
    );
    expect(env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
  });
});
