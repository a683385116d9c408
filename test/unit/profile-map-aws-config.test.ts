import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAwsSharedConfig } from '../../src/adapters/config-files/aws-shared-config.js';
import { loadProfileMap } from '../../src/app/load-profile-map.js';
import { ConfigError, UsageError } from '../../src/core/errors.js';
import { buildProfileMap } from '../../src/core/profile-map/build.js';
import { resolveProfile } from '../../src/core/profile-map/resolve.js';
import type { ProfileMap } from '../../src/core/profile-map/types.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/profile-map/${name}`, import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'xacct-profile-map-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Writes the files to a fresh folder and loads them as `xacct` would, with this environment. */
async function loadFrom(files: { map?: string; config?: string; credentials?: string }): Promise<{ map: ProfileMap; folder: string }> {
  const folder = join(dir, String(n++));
  const { mkdirSync } = await import('node:fs');
  mkdirSync(folder);
  const mapFile = join(folder, 'config.toml');
  const env = {
    HOME: folder,
    // Only a map that exists is named: XACCT_CONFIG naming a missing file is an error of its own.
    ...(files.map !== undefined ? { XACCT_CONFIG: mapFile } : {}),
    AWS_CONFIG_FILE: join(folder, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(folder, 'aws-credentials'),
  };
  if (files.map !== undefined) writeFileSync(mapFile, files.map);
  if (files.config !== undefined) writeFileSync(env.AWS_CONFIG_FILE, files.config);
  if (files.credentials !== undefined) writeFileSync(env.AWS_SHARED_CREDENTIALS_FILE, files.credentials);
  return { map: await loadProfileMap(env), folder };
}

async function configError(files: { map?: string; config?: string; credentials?: string }): Promise<{ err: ConfigError; folder: string }> {
  const folder = join(dir, String(n));
  const err = await loadFrom(files).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).exitCode).toBe(2);
  return { err: err as ConfigError, folder };
}

describe('role profiles of ~/.aws/config', () => {
  it('become xacct profiles next to those of the profile map', async () => {
    const { map, folder } = await loadFrom({ map: fixture('spec-example.toml'), config: fixture('aws-config'), credentials: fixture('aws-credentials') });
    expect([...map.profiles.keys()]).toEqual([
      'from-map-profile',
      'legacy-admin',
      'legacy-chained',
      'on-prod',
      'prod-admin',
      'prod-readonly',
      'staging-admin',
      'staging-readonly',
      'vendor-audit',
    ]);
    expect(map.files).toEqual([join(folder, 'config.toml'), join(folder, 'aws-config'), join(folder, 'aws-credentials')]);

    const legacy = map.profiles.get('legacy-admin')!;
    expect(legacy).toMatchObject({
      origin: 'aws-config',
      roleArn: 'arn:aws:iam::555555555555:role/Admin',
      accountId: '555555555555',
      roleName: 'Admin',
      durationSeconds: 7200,
      externalId: 'legacy-ext',
      roleSessionName: 'bob',
      region: 'ap-southeast-2',
      tags: {},
      definedAt: `${join(folder, 'aws-config')}:11`,
    });
    expect(legacy.parent).toBeUndefined();
    expect(legacy.source).toEqual({
      name: 'legacy-user',
      credentials: [{ kind: 'stored-keys', settings: {} }, { kind: 'aws-profile', settings: { profile: 'legacy-user' } }],
      fromAwsConfig: true,
      mfaSerial: 'arn:aws:iam::555555555555:mfa/bob',
      region: undefined,
      sessionDurationSeconds: 43200,
    });
  });

  it('chain roles through source_profile', async () => {
    const { map } = await loadFrom({ map: fixture('spec-example.toml'), config: fixture('aws-config'), credentials: fixture('aws-credentials') });
    const chained = map.profiles.get('legacy-chained')!;
    expect(chained).toMatchObject({ roleArn: 'arn:aws:iam::666666666666:role/team/Deployer', roleName: 'Deployer', durationSeconds: 3600 });
    expect(chained.parent).toBe(map.profiles.get('legacy-admin'));
    expect(chained.source).toBe(map.profiles.get('legacy-admin')!.source);

    // source_profile naming a profile of the profile map (xacct's own credential_process entry in ~/.aws/config)
    const fromMap = map.profiles.get('from-map-profile')!;
    expect(fromMap.parent).toBe(map.profiles.get('prod-admin'));
    expect(fromMap.source).toBe(map.sources.get('identity'));
  });

  it('use a source of the profile map named by source_profile', async () => {
    const { map } = await loadFrom({ map: fixture('spec-example.toml'), config: fixture('aws-config') });
    expect(map.profiles.get('on-prod')!.source).toBe(map.sources.get('identity'));
    expect(map.profiles.get('on-prod')!.region).toBe('eu-west-1');
  });

  it('skip profiles without role_arn, and note those xacct cannot serve', async () => {
    const { map } = await loadFrom({ config: fixture('aws-config'), credentials: fixture('aws-credentials') });
    expect(map.profiles.has('identity')).toBe(false);
    expect(map.profiles.has('default')).toBe(false);
    expect(map.profiles.has('ec2-role')).toBe(false);
    const why = map.unusableAwsProfiles?.get('ec2-role');
    expect(why).toBeInstanceOf(UsageError);
    expect(why?.message).toMatch(/^profile 'ec2-role' of .*aws-config cannot be used by xacct: it takes its credentials from credential_source, which only the AWS SDK serves$/);
    expect([...map.profiles.keys()]).not.toContain('sso-session.corp');
  });

  it('are shadowed by a profile of the profile map of the same name', async () => {
    const { map } = await loadFrom({
      map: '[sources.me]\n[profiles.shared]\nrole_arn = "arn:aws:iam::222222222222:role/FromMap"\n',
      config: '[profile shared]\nrole_arn = arn:aws:iam::333333333333:role/FromAws\nsource_profile = me\n',
    });
    expect(map.profiles.get('shared')).toMatchObject({ origin: 'explicit', roleArn: 'arn:aws:iam::222222222222:role/FromMap' });
  });

  it('take the mfa_serial of the role profile when the source of the map has none', async () => {
    const { map } = await loadFrom({
      map: '[sources.me]\nregion = "eu-west-1"\n',
      config: '[profile r]\nrole_arn = arn:aws:iam::333333333333:role/R\nsource_profile = me\nmfa_serial = GAHT12345678\n',
    });
    expect(map.profiles.get('r')!.source).toMatchObject({ name: 'me', mfaSerial: 'GAHT12345678', region: 'eu-west-1' });
    expect(map.sources.get('me')!.mfaSerial).toBeUndefined();
  });

  it('may name themselves as source_profile when they hold static keys', async () => {
    const { map } = await loadFrom({
      config: '[profile self]\nrole_arn = arn:aws:iam::333333333333:role/R\nsource_profile = self\n',
      credentials: '[self]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n',
    });
    expect(map.profiles.get('self')!.source).toMatchObject({ name: 'self', credentials: [{ kind: 'stored-keys', settings: {} }, { kind: 'aws-profile', settings: { profile: 'self' } }] });
  });

  it('are all there is without a profile map', async () => {
    const { map } = await loadFrom({ config: '[profile r]\nrole_arn = arn:aws:iam::333333333333:role/R\nsource_profile = base\n[profile base]\nregion = us-west-2\n' });
    expect(map.profileMapFile).toBeUndefined();
    expect(map.sources.size).toBe(0);
    expect(map.profiles.get('r')!.source).toMatchObject({ name: 'base', credentials: [{ kind: 'stored-keys', settings: {} }, { kind: 'aws-profile', settings: { profile: 'base' } }], region: 'us-west-2' });
    expect(map.profiles.get('r')!.region).toBe('us-west-2');
  });

  it('give an empty map when no file exists', async () => {
    const { map } = await loadFrom({});
    expect(map.profiles.size).toBe(0);
    expect(map.files).toEqual([]);
  });
});

/** A broken AWS config profile does not fail loading: using it raises its ConfigError. */
async function unusable(files: { map?: string; config?: string; credentials?: string }, name: string): Promise<{ err: ConfigError; folder: string; map: ProfileMap }> {
  const { map, folder } = await loadFrom(files);
  expect(map.profiles.has(name)).toBe(false);
  const err = map.unusableAwsProfiles?.get(name);
  expect(err).toBeInstanceOf(ConfigError);
  expect(err!.exitCode).toBe(2);
  expect(() => resolveProfile(map, name)).toThrow(err!);
  return { err: err as ConfigError, folder, map };
}

describe('AWS config errors, raised when the profile is used', () => {
  it('report a source_profile loop with the cycle', async () => {
    const { err, folder, map } = await unusable(
      {
        config:
          '[profile a]\nrole_arn = arn:aws:iam::333333333333:role/A\nsource_profile = b\n\n[profile b]\nrole_arn = arn:aws:iam::333333333333:role/B\nsource_profile = c\n[profile c]\nrole_arn = arn:aws:iam::333333333333:role/C\nsource_profile = a\n[profile fine]\nrole_arn = arn:aws:iam::333333333333:role/F\nsource_profile = base\n[profile base]\nregion = eu-west-1\n',
      },
      'a',
    );
    expect(err.message).toBe(`${join(folder, 'aws-config')}:1: source_profile loop: a → b → c → a`);
    expect(map.unusableAwsProfiles?.get('b')?.message).toBe(`${join(folder, 'aws-config')}:5: source_profile loop: b → c → a → b`);
    expect([...map.profiles.keys()]).toEqual(['fine']);
  });

  it('report a profile that is its own source without keys', async () => {
    const { err, folder } = await unusable({ config: '[profile a]\nrole_arn = arn:aws:iam::333333333333:role/A\nsource_profile = a\n' }, 'a');
    expect(err.message).toBe(`${join(folder, 'aws-config')}:1: source_profile loop: a → a`);
  });

  it('report a source_profile that names nothing', async () => {
    const { err, folder } = await unusable(
      {
        config: '[default]\nregion = eu-west-1\n[profile r]\nrole_arn = arn:aws:iam::333333333333:role/R\nsource_profile = legacy-usr\n',
        credentials: '[legacy-user]\naws_access_key_id = AKIAEXAMPLE\n',
      },
      'r',
    );
    expect(err.message).toBe(
      `${join(folder, 'aws-config')}:3: source_profile 'legacy-usr' of [profile r] names no profile in ${join(folder, 'aws-config')} or ${join(folder, 'aws-credentials')} and no source of the profile map (did you mean 'legacy-user'?)`,
    );
  });

  it.each([
    ['role_arn = arn:aws:iam::3333:role/R', "role_arn of [profile r] is not a role ARN: 'arn:aws:iam::3333:role/R'"],
    ['role_arn = arn:aws:iam::333333333333:role/R\nduration_seconds = 60000', 'duration_seconds of [profile r] 60000 is out of range: it must be between 15 minutes and 12 hours'],
    ['role_arn = arn:aws:iam::333333333333:role/R\nmfa_serial = nope', "mfa_serial of [profile r] is invalid: 'nope' is not an MFA device ARN or serial number"],
    ['role_arn = arn:aws:iam::333333333333:role/R\nrole_session_name = a b', "role_session_name of [profile r] is invalid: 'a b' is not a name of 2 to 64 letters, digits or + = , . @ _ -"],
  ])('report bad values: %s', async (body, message) => {
    const { err, folder } = await unusable({ config: `# comment\n[profile r]\nsource_profile = base\n${body}\n[profile base]\n` }, 'r');
    expect(err.message).toBe(`${join(folder, 'aws-config')}:2: ${message}`);
  });

  it('report default_profile naming no profile, even with AWS profiles', async () => {
    const { err, folder } = await configError({ map: '\ndefault_profile = "nope"\n', config: '[profile r]\nrole_arn = arn:aws:iam::333333333333:role/R\nsource_profile = b\n[profile b]\n' });
    expect(err.message).toBe(`${join(folder, 'config.toml')}:2: default_profile 'nope' names no profile`);
  });
});

describe('reading the files', () => {
  it('sees changes to the AWS config within one process (no stale loader cache)', async () => {
    const folder = join(dir, 'cache');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(folder);
    const config = join(folder, 'config');
    writeFileSync(config, '[profile a]\nregion = eu-west-1\n');
    expect((await readAwsSharedConfig(config, join(folder, 'none'))).awsConfig?.profiles).toEqual({ a: { region: 'eu-west-1' } });
    writeFileSync(config, '[profile b]\nregion = eu-west-2\n');
    expect((await readAwsSharedConfig(config, join(folder, 'none'))).awsConfig?.profiles).toEqual({ b: { region: 'eu-west-2' } });
  });

  it('reports a profile map it cannot read', async () => {
    const folder = join(dir, 'unreadable');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(folder, 'config.toml'), { recursive: true });
    const err = await loadProfileMap({ HOME: folder, XACCT_CONFIG: join(folder, 'config.toml'), AWS_CONFIG_FILE: join(folder, 'x'), AWS_SHARED_CREDENTIALS_FILE: join(folder, 'y') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(`${join(folder, 'config.toml')}: cannot read the profile map: it is a folder`);
  });

  it('finds the profile map under XDG_CONFIG_HOME', async () => {
    const folder = join(dir, 'xdg');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(folder, 'xdg', 'xacct'), { recursive: true });
    writeFileSync(join(folder, 'xdg', 'xacct', 'config.toml'), 'default_profile = "x"\n[sources.s]\n[profiles.x]\nrole_arn = "arn:aws:iam::222222222222:role/X"\n');
    const map = await loadProfileMap({ HOME: folder, XDG_CONFIG_HOME: join(folder, 'xdg') });
    expect(map.defaultProfile).toBe('x');
    expect(map.profileMapFile).toBe(join(folder, 'xdg', 'xacct', 'config.toml'));
  });

  it('core builds the same map from text as the app from files', () => {
    const map = buildProfileMap({ profileMap: { file: 'config.toml', text: fixture('spec-example.toml') } });
    expect(map.profiles.size).toBe(5);
  });
});
