/**
 * The index the full `credential-process` writes for the fast path, and the stamp of the inputs a plan was
 * resolved from: any change to those inputs must make the stamp differ, so that the fast path yields.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import userNames from '../../src/core/user-name.cjs';
import { xacctPaths } from '../../src/core/paths.js';
import { roleSessionShape } from '../../src/core/providers/engine.js';
import inputs from '../../src/fast/inputs-stamp.cjs';
import * as writer from '../../src/app/fast-path-index.js';
import { profilePlan } from './providers-fakes.js';

let home: string;
let env: Record<string, string>;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'xacct-fast-index-'));
  env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache') };
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function write(relative: string, text: string): string {
  const file = join(home, relative);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** Whether the stamp taken for `env` still holds after `change`. */
function holdsAfter(change: () => void, envNow: () => Record<string, string | undefined> = () => env): boolean {
  const recorded = writer.stampInputs(env);
  expect(recorded).toBeDefined();
  change();
  const now = envNow();
  const files = inputs.inputFiles(now);
  if (!files) return false;
  return inputs.sameStamp(recorded, inputs.takeStamp(now, files, inputs.userName(now)));
}

describe('the files and names the fast path checks are those of the full path', () => {
  const envs: Record<string, string | undefined>[] = [
    { HOME: '/home/a' },
    { HOME: '/home/a', XDG_CONFIG_HOME: '/cfg', XDG_CACHE_HOME: '/cache', XDG_DATA_HOME: '/data' },
    { HOME: '/home/a', XDG_DATA_HOME: 'relative/data' },
    { HOME: '/home/a', XDG_CONFIG_HOME: 'relative/cfg', XDG_CACHE_HOME: 'relative' },
    { HOME: '/home/a', XDG_CONFIG_HOME: '', XDG_CACHE_HOME: '' },
    { HOME: '/home/a', XACCT_CONFIG: '/etc/xacct.toml', AWS_CONFIG_FILE: '/x/config', AWS_SHARED_CREDENTIALS_FILE: '/x/creds' },
    { HOME: '/home/a', XACCT_CONFIG: 'relative.toml', AWS_CONFIG_FILE: 'rel/config' },
    { HOME: '/home/a/', XACCT_CONFIG: '' },
  ];
  it.each(envs)('%j', (e) => {
    const paths = xacctPaths(e);
    expect(inputs.inputFiles(e)).toEqual({ profileMap: paths.profileMap, organizationFile: paths.organizationFile, awsConfig: paths.awsConfig, awsCredentials: paths.awsCredentials });
  });

  it('none without HOME (the home folder would come from the passwd database, which is not stamped)', () => {
    expect(inputs.inputFiles({})).toBeUndefined();
    expect(writer.stampInputs({ XDG_CONFIG_HOME: '/cfg' })).toBeUndefined();
  });

  it.each([{}, { USER: 'someone-else' }, { USER: '', USERNAME: 'win' }])('the user name is the one the engine uses (%j)', (e) => {
    expect(inputs.userName(e)).toBe(userNames.currentUserName(e));
  });
});

describe('the inputs stamp', () => {
  beforeEach(() => {
    write('.config/xacct/config.toml', '[roles]\nadmin = { name = "Admin", duration = "1h" }\n');
    write('.aws/config', '[profile x]\nregion = eu-west-1\n');
  });

  it('holds while nothing changes', () => {
    expect(holdsAfter(() => undefined)).toBe(true);
  });

  it('names every file read and the environment that chose them', () => {
    const stamp = writer.stampInputs(env)!;
    const paths = xacctPaths(env);
    expect(Object.keys(stamp.files)).toEqual([paths.profileMap, paths.organizationFile, paths.awsConfig, paths.awsCredentials]);
    expect(stamp.files[paths.awsCredentials]).toBe('absent');
    expect(stamp.files[paths.profileMap]).toMatch(/^\d+:\d+:\d+:\d+:\d+$/);
    expect(stamp.env).toMatchObject({ HOME: home, XDG_CONFIG_HOME: env.XDG_CONFIG_HOME, XACCT_CONFIG: null });
    expect(stamp.user).toBe(userNames.currentUserName(env));
  });

  it('breaks when the profile map is edited, even to the same size', () => {
    expect(holdsAfter(() => write('.config/xacct/config.toml', '[roles]\nadmin = { name = "Admin", duration = "2h" }\n'))).toBe(false);
  });

  it('breaks when a file is replaced by one with the same content and times (an editor that renames)', () => {
    const file = join(home, '.aws/config');
    const before = statSync(file);
    expect(
      holdsAfter(() => {
        const temp = write('.aws/config.new', readFileSync(file, 'utf8'));
        utimesSync(temp, before.atime, before.mtime);
        renameSync(temp, file);
      }),
    ).toBe(false);
  });

  it('breaks when xacct sync writes the accounts of the organization', () => {
    expect(holdsAfter(() => write('.local/share/xacct/organization.toml', '[accounts]\nprod = "222222222222"\n'))).toBe(false);
  });

  it('breaks when a missing file appears', () => {
    expect(holdsAfter(() => write('.aws/credentials', '[x]\naws_access_key_id = AKIAEXAMPLE\n'))).toBe(false);
  });

  it('breaks when a file goes away', () => {
    expect(holdsAfter(() => rmSync(join(home, '.aws/config')))).toBe(false);
  });

  it.each([
    ['XACCT_CONFIG', '/elsewhere.toml'],
    ['AWS_CONFIG_FILE', '/elsewhere/config'],
    ['AWS_SHARED_CREDENTIALS_FILE', '/elsewhere/credentials'],
    ['XACCT_BACKEND', 'os'],
    ['XDG_CONFIG_HOME', '/elsewhere'],
    ['XDG_DATA_HOME', '/elsewhere'],
    ['XDG_CACHE_HOME', '/elsewhere'],
    ['XACCT_UNSAFE_MIN_DURATION_SECONDS', '60'],
  ])('breaks when %s changes', (name, value) => {
    expect(holdsAfter(() => undefined, () => ({ ...env, [name]: value }))).toBe(false);
  });

  it('breaks when HOME changes, even to a copy of the same files', () => {
    const other = mkdtempSync(join(tmpdir(), 'xacct-fast-index-'));
    try {
      expect(holdsAfter(() => undefined, () => ({ ...env, HOME: other }))).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('is not a stamp of anything else', () => {
    const stamp = writer.stampInputs(env)!;
    for (const other of [undefined, null, {}, { ...stamp, user: 'mallory' }, { ...stamp, files: {} }]) {
      expect(inputs.sameStamp(other, inputs.takeStamp(env, inputs.inputFiles(env)!, inputs.userName(env)))).toBe(false);
    }
  });
});

describe('the index writer', () => {
  const plan = profilePlan('prod-admin');
  const served = (overrides: Partial<Parameters<typeof writer.recordServedProfile>[1]> = {}) => ({
    profile: 'prod-admin',
    plan,
    userName: 'alice',
    backend: 'os' as const,
    stamp: writer.stampInputs(env)!,
    key: `role-session:${overrides.profile ?? 'prod-admin'}@0123456789ab`,
    keys: 'key:AKIAEXAMPLE000000001',
    ...overrides,
  });
  const indexFile = () => xacctPaths(env).cacheIndex;
  const readIndex = () => JSON.parse(readFileSync(indexFile(), 'utf8'));

  it("writes the role session's key, the fingerprint the engine expects, the reuse margin and the stamp, privately", async () => {
    const s = served();
    await writer.recordServedProfile(env, s);
    expect(readIndex()).toEqual({
      v: 1,
      profiles: {
        'prod-admin': {
          key: 'role-session:prod-admin@0123456789ab',
          fingerprint: roleSessionShape(plan, 'alice', 'key:AKIAEXAMPLE000000001').fingerprint,
          minSecondsLeft: 300,
          stamp: JSON.parse(JSON.stringify(s.stamp)),
        },
      },
    });
    expect(statSync(indexFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.cache/xacct')).mode & 0o777).toBe(0o700);
  });

  it('records when the session served expires, and rewrites the entry when a refresh changes it', async () => {
    await writer.recordServedProfile(env, served({ expiration: new Date('2030-01-01T01:00:00Z') }));
    expect(readIndex().profiles['prod-admin'].expiration).toBe('2030-01-01T01:00:00.000Z');
    await writer.recordServedProfile(env, served({ expiration: new Date('2030-01-01T02:00:00Z') }));
    expect(readIndex().profiles['prod-admin'].expiration).toBe('2030-01-01T02:00:00.000Z');
  });

  it('keeps the entries of other profiles, and replaces its own', async () => {
    await writer.recordServedProfile(env, served());
    await writer.recordServedProfile(env, served({ profile: 'staging-admin', plan: profilePlan('staging-admin') }));
    await writer.recordServedProfile(env, served({ userName: 'bob' }));
    const index = readIndex();
    expect(Object.keys(index.profiles).sort()).toEqual(['prod-admin', 'staging-admin']);
    expect(index.profiles['prod-admin'].fingerprint).toBe(roleSessionShape(plan, 'bob', 'key:AKIAEXAMPLE000000001').fingerprint);
  });

  it('forgets the entries whose sessions xacct clear deleted, and only those', async () => {
    await writer.recordServedProfile(env, served());
    await writer.recordServedProfile(env, served({ profile: 'staging-admin', plan: profilePlan('staging-admin') }));
    await writer.forgetServedSessions(env, ['role-session:staging-admin@0123456789ab', 'mfa-session:0123']);
    expect(Object.keys(readIndex().profiles)).toEqual(['prod-admin']);
    const before = statSync(indexFile());
    await writer.forgetServedSessions(env, ['role-session:other@0123456789ab']);
    expect(statSync(indexFile()).mtimeMs).toBe(before.mtimeMs);
    expect(statSync(indexFile()).mode & 0o777).toBe(0o600);
  });

  it('does not rewrite an entry that is already as it would be written', async () => {
    await writer.recordServedProfile(env, served());
    const before = statSync(indexFile());
    await writer.recordServedProfile(env, served());
    const after = statSync(indexFile());
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('replaces an index that is not one of ours', async () => {
    write('.cache/xacct/index.json', '{"v":1,"profiles":[');
    await writer.recordServedProfile(env, served());
    expect(Object.keys(readIndex().profiles)).toEqual(['prod-admin']);
  });

  it('writes nothing for the file backend (the fast path reads the OS keychain only)', async () => {
    await writer.recordServedProfile(env, served({ backend: 'file' }));
    expect(() => statSync(indexFile())).toThrow(/ENOENT/);
  });

  it('writes nothing when the name given is not the profile served', async () => {
    await writer.recordServedProfile(env, served({ profile: 'prod-admin-alias' }));
    expect(() => statSync(indexFile())).toThrow(/ENOENT/);
  });

  it('keeps a profile named like an Object property as a plain entry', async () => {
    await writer.recordServedProfile(env, served({ profile: '__proto__', plan: profilePlan('__proto__') }));
    expect(Object.keys(readIndex().profiles)).toEqual(['__proto__']);
  });

  it('records the shorter reuse margin of test-only short sessions', async () => {
    const short = { ...env, XACCT_UNSAFE_MIN_DURATION_SECONDS: '60' };
    const entry = writer.indexEntryFor(short, served({ plan: profilePlan('prod-admin', { durationSeconds: 120 }) }));
    expect(entry?.minSecondsLeft).toBe(30);
  });
});
