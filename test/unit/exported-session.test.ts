import { describe, expect, it } from 'vitest';
import { assumeExport, assumeUnset } from '../../src/app/run-command.js';
import { UsageError } from '../../src/core/errors.js';
import { assertNotNested, currentSession, exportChanges, unsetChanges } from '../../src/core/exported-session.js';
import type { ProfilePlan } from '../../src/core/profile-map/types.js';
import { failure } from '../helpers/failure.js';

const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 's', sessionToken: 't', expiration: new Date('2030-01-02T03:04:05.000Z') };
const session = (profile: string, region?: string) => ({ credentials, profile, ...(region ? { region } : {}) });

describe('an exported session', () => {
  it('is marked with the shell and the variables it set', () => {
    const changes = exportChanges({}, session('prod-admin', 'eu-west-1'), 'zsh');
    expect(changes.XACCT_EXPORTED).toBe('zsh:AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY,AWS_SESSION_TOKEN,AWS_CREDENTIAL_EXPIRATION,AWS_REGION,AWS_DEFAULT_REGION,XACCT_PROFILE');
    const inShell = { XACCT_PROFILE: 'prod-admin', XACCT_EXPORTED: changes.XACCT_EXPORTED };
    expect(currentSession(inShell)).toMatchObject({ kind: 'exported', profile: 'prod-admin', shell: 'zsh' });
  });

  it('is replaced by the next export, which unsets the region the new profile does not have', () => {
    const first = exportChanges({}, session('prod-admin', 'eu-west-1'), 'bash');
    const shell = { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1', XACCT_PROFILE: 'prod-admin', XACCT_EXPORTED: first.XACCT_EXPORTED };
    const second = exportChanges(shell, session('staging-admin'), 'bash');
    expect(second).toHaveProperty('AWS_REGION', undefined);
    expect(second).toHaveProperty('AWS_DEFAULT_REGION', undefined);
    expect(second.XACCT_PROFILE).toBe('staging-admin');
    expect(second.XACCT_EXPORTED).not.toContain('AWS_REGION');
  });

  it('keeps a region the user had when the profile has none; --unset then leaves it', () => {
    const changes = exportChanges({ AWS_REGION: 'us-east-2' }, session('staging-admin'), 'bash');
    expect(changes).not.toHaveProperty('AWS_REGION');
    const shell = { AWS_REGION: 'us-east-2', XACCT_PROFILE: 'staging-admin', XACCT_EXPORTED: changes.XACCT_EXPORTED };
    expect(Object.keys(unsetChanges(shell)).sort()).toEqual(
      ['AWS_ACCESS_KEY_ID', 'AWS_CREDENTIAL_EXPIRATION', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'XACCT_EXPORTED', 'XACCT_PROFILE'],
    );
  });

  it('--unset removes only variables of xacct, whatever the marker says', () => {
    expect(Object.keys(unsetChanges({ XACCT_PROFILE: 'p', XACCT_EXPORTED: 'bash:PATH,HOME,AWS_REGION' })).sort()).toEqual(['AWS_REGION', 'XACCT_EXPORTED', 'XACCT_PROFILE']);
    expect(unsetChanges({ AWS_REGION: 'eu-west-1' })).toEqual({});
    // A shell that xacct started, or an export of an older xacct: everything a session may set.
    expect(Object.keys(unsetChanges({ XACCT_PROFILE: 'p' }))).toContain('AWS_DEFAULT_REGION');
  });

  it('a marker that is not ours is no export', () => {
    expect(currentSession({ XACCT_PROFILE: 'p', XACCT_EXPORTED: 'tcsh:AWS_REGION' }).kind).toBe('started');
    expect(currentSession({ XACCT_EXPORTED: 'garbage' }).kind).toBe('none');
  });
});

describe('nesting', () => {
  const exported = { XACCT_PROFILE: 'prod-admin', XACCT_EXPORTED: 'fish:XACCT_PROFILE' };

  it('outside a session anything starts', () => {
    for (const start of ['shell', 'command', 'export'] as const) expect(() => assertNotNested({ XACCT_PROFILE: '' }, start, false)).not.toThrow();
  });

  it('an export in an exported shell replaces it; a shell or command there is refused with advice for that shell', async () => {
    expect(() => assertNotNested(exported, 'export', false)).not.toThrow();
    const err = await failure((async () => assertNotNested(exported, 'command', false))());
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('already inside an xacct session (prod-admin, exported into this shell)');
    expect(err.hint).toContain('xacct assume --unset --export fish | source');
    expect(err.hint).not.toMatch(/\bexit\b/);
    expect(() => assertNotNested(exported, 'shell', true)).not.toThrow();
  });

  it('inside a shell xacct started, even an export is nesting, and exit is the advice', async () => {
    const err = await failure((async () => assertNotNested({ XACCT_PROFILE: 'dev' }, 'export', undefined))());
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('already inside an xacct session (dev)');
    expect(err.hint).toMatch(/exit.*--force/);
  });
});

describe('assume --export and --unset with a fake engine', () => {
  const plan = { name: 'staging-admin', roleArn: 'arn:aws:iam::333333333333:role/Admin' } as ProfilePlan;
  const obtained = { plan, credentials, provider: { retrieve: async () => credentials } };

  it('switching in an exported shell unsets the old region', async () => {
    const shell = { AWS_REGION: 'eu-west-1', XACCT_PROFILE: 'prod-admin', XACCT_EXPORTED: 'bash:AWS_REGION,XACCT_PROFILE' };
    const text = await assumeExport(shell, { profile: 'staging-admin', cache: true }, 'bash', { getCredentials: async () => obtained });
    expect(text).toContain('unset AWS_REGION\n');
    expect(text).toContain("export XACCT_PROFILE='staging-admin'\n");
  });

  it('--unset says so when there is nothing to remove', () => {
    const said: string[] = [];
    expect(assumeUnset({}, 'bash', { say: (l) => void said.push(l) })).toBe('');
    expect(said).toEqual(['no xacct session in this shell: nothing to remove']);
  });
});
