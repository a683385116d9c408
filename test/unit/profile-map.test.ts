import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { buildProfileMap } from '../../src/core/profile-map/build.js';
import type { ProfileMap } from '../../src/core/profile-map/types.js';

const FILE = '/home/alice/.config/xacct/config.toml';
const SPEC_EXAMPLE = readFileSync(new URL('../fixtures/profile-map/spec-example.toml', import.meta.url), 'utf8');

function load(text: string): ProfileMap {
  return buildProfileMap({ profileMap: { file: FILE, text } });
}

/** The ConfigError that loading `text` throws. */
function configError(text: string): ConfigError {
  try {
    load(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const SOURCE = `
[sources.identity]
mfa_serial = "arn:aws:iam::111111111111:mfa/alice"
`;

describe('the profile map of SPEC', () => {
  const map = load(SPEC_EXAMPLE);

  it('makes every account × role a profile, plus the explicit one', () => {
    expect([...map.profiles.keys()]).toEqual(['prod-admin', 'prod-readonly', 'staging-admin', 'staging-readonly', 'vendor-audit']);
  });

  it('reads the top level and the source', () => {
    expect(map.defaultProfile).toBe('staging-readonly');
    expect(map.defaultSource).toBe('identity');
    expect(map.files).toEqual([FILE]);
    expect(map.profileMapFile).toBe(FILE);
    expect(map.sources.get('identity')).toEqual({
      name: 'identity',
      credentials: [{ kind: 'stored-keys', settings: {} }, { kind: 'aws-profile', settings: { profile: 'identity' } }],
      mfaSerial: 'arn:aws:iam::111111111111:mfa/alice',
      mfaProcess: 'ykman oath accounts code --single aws',
      region: 'eu-west-1',
      sessionDurationSeconds: 43200,
    });
  });

  it('refines a generated profile with [profiles.X]', () => {
    const p = map.profiles.get('prod-admin')!;
    expect(p).toMatchObject({
      name: 'prod-admin',
      origin: 'generated',
      roleArn: 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole',
      accountId: '222222222222',
      accountName: 'prod',
      roleName: 'OrganizationAccountAccessRole',
      durationSeconds: 3600,
      region: 'eu-west-1',
      externalId: '7e1c9f',
      sourceIdentity: 'alice',
      tags: { ticket: 'OPS-42' },
      definedAt: `${FILE}:18`,
    });
    expect(p.source).toBe(map.sources.get('identity'));
  });

  it('takes the region of the account over the source, and the role duration', () => {
    expect(map.profiles.get('staging-readonly')).toMatchObject({
      roleArn: 'arn:aws:iam::333333333333:role/ReadOnly',
      region: 'us-east-1',
      durationSeconds: 3600,
      tags: {},
      definedAt: `${FILE}:12`,
    });
    expect(map.profiles.get('prod-readonly')?.definedAt).toBe(`${FILE}:11`);
  });

  it('makes the explicit profile from its role_arn', () => {
    expect(map.profiles.get('vendor-audit')).toMatchObject({
      origin: 'explicit',
      roleArn: 'arn:aws:iam::444444444444:role/Auditor',
      accountId: '444444444444',
      accountName: undefined,
      roleName: 'Auditor',
      externalId: 'third-party-id',
      region: 'eu-west-1',
      definedAt: `${FILE}:24`,
    });
  });
});

describe('building profiles', () => {
  it('is empty for an empty file', () => {
    const map = load('');
    expect(map.profiles.size).toBe(0);
    expect(map.sources.size).toBe(0);
  });

  it('reads backend and on_assume', () => {
    const map = load('backend = "file"\non_assume = "notify-send assumed"\n');
    expect(map.backend).toBe('file');
    expect(map.onAssume).toBe('notify-send assumed');
  });

  it('keeps role paths in the ARN and takes the last segment as role name', () => {
    const map = load(`${SOURCE}\n[accounts]\nprod = "222222222222"\n[roles]\ndeploy = "/team/Deployer"\n`);
    expect(map.profiles.get('prod-deploy')).toMatchObject({ roleArn: 'arn:aws:iam::222222222222:role/team/Deployer', roleName: 'Deployer' });
  });

  it('takes the partition of the source MFA device for generated ARNs', () => {
    const map = load(`[sources.cn]\nmfa_serial = "arn:aws-cn:iam::111111111111:mfa/a"\n[accounts]\nbj = "222222222222"\n[roles]\nadmin = "Admin"\n`);
    expect(map.profiles.get('bj-admin')?.roleArn).toBe('arn:aws-cn:iam::222222222222:role/Admin');
  });

  it('takes durations in every form, with profile over role over default', () => {
    const map = load(
      `${SOURCE}\n[accounts]\na = "222222222222"\n[roles]\nr1 = { name = "R1", duration = 7200 }\nr2 = { name = "R2", duration = "900" }\nr3 = "R3"\n[profiles.a-r1]\nduration = "1h30m"\n`,
    );
    expect(map.profiles.get('a-r1')?.durationSeconds).toBe(5400);
    expect(map.profiles.get('a-r2')?.durationSeconds).toBe(900);
    expect(map.profiles.get('a-r3')?.durationSeconds).toBe(3600);
  });

  it('accepts an account id written as a 12-digit integer', () => {
    const map = load(`${SOURCE}\n[accounts]\na = 222222222222\n[roles]\nr = "R"\n`);
    expect(map.profiles.get('a-r')?.accountId).toBe('222222222222');
  });

  it('uses the source marked default, and a profile source over it', () => {
    const map = load(`
[sources.work]
default = true
region = "eu-west-1"
[sources.lab]
aws_profile = "lab-user"
session_duration = "36h"
region = "us-west-2"
[accounts]
a = "222222222222"
[roles]
r = "R"
[profiles.a-r]
source = "lab"
role_session_name = "alice"
[profiles.other]
role_arn = "arn:aws:iam::222222222222:role/Other"
`);
    expect(map.defaultSource).toBe('work');
    expect(map.profiles.get('a-r')?.source).toMatchObject({ name: 'lab', credentials: [{ kind: 'stored-keys', settings: {} }, { kind: 'aws-profile', settings: { profile: 'lab-user' } }], sessionDurationSeconds: 129600 });
    expect(map.profiles.get('a-r')).toMatchObject({ region: 'us-west-2', roleSessionName: 'alice' });
    expect(map.profiles.get('other')).toMatchObject({ accountName: 'a', source: { name: 'work' }, region: 'eu-west-1' });
  });

  it('needs no default source when every profile names one', () => {
    const map = load(`[sources.a]\n[sources.b]\n[profiles.x]\nrole_arn = "arn:aws:iam::222222222222:role/X"\nsource = "b"\n`);
    expect(map.defaultSource).toBeUndefined();
    expect(map.profiles.get('x')?.source.name).toBe('b');
  });

  it('accepts quoted names and keys', () => {
    const map = load(`${SOURCE}\n[accounts]\n"prod.eu" = "222222222222"\n[roles]\n"admin" = "Admin"\n[profiles."prod.eu-admin"]\nregion = "eu-north-1"\n`);
    expect(map.profiles.get('prod.eu-admin')?.region).toBe('eu-north-1');
  });
});

describe('profile map errors: exit 2, file:line, what to do', () => {
  it('reports malformed TOML with its line', () => {
    const err = configError('default_profile = "a"\n\n[sources.identity\nregion = "eu-west-1"\n');
    expect(err.message).toMatch(new RegExp(`^${FILE}:3: invalid TOML: `));
    expect(err.line).toBe(3);
    expect(err.file).toBe(FILE);
    expect(err.message).not.toContain('\n');
  });

  it('reports a redefined table', () => {
    expect(configError(`${SOURCE}\n[sources.identity]\nregion = "eu-west-1"\n`).message).toBe(
      `${FILE}:5: invalid TOML: trying to redefine an already defined table or value`,
    );
  });

  it.each([
    ['default_profil = "x"\n', 1, "unknown key 'default_profil' in the top level (did you mean 'default_profile'?)"],
    ['[source.identity]\n', 1, "unknown key 'source' in the top level (did you mean 'sources'?)"],
    ['\n[sources.identity]\nmfa_serail = "GAHT12345678"\n', 3, "unknown key 'mfa_serail' in [sources.identity] (did you mean 'mfa_serial'?)"],
    ['[accounts]\nstaging = { id = "333333333333", regoin = "us-east-1" }\n', 2, "unknown key 'regoin' in [accounts.staging] (did you mean 'region'?)"],
    ['[roles]\nreadonly = { name = "ReadOnly", durration = "1h" }\n', 2, "unknown key 'durration' in [roles.readonly] (did you mean 'duration'?)"],
    [
      `${SOURCE}[accounts]\nprod = "222222222222"\n[roles]\nadmin = "A"\n\n[profiles.prod-admin]\nexternal-id = "x"\n`,
      10,
      "unknown key 'external-id' in [profiles.prod-admin] (did you mean 'external_id'?)",
    ],
  ])('rejects an unknown key: %j', (text, line, message) => {
    const err = configError(text);
    expect(err.message).toBe(`${FILE}:${line}: ${message}`);
    expect(err.line).toBe(line);
  });

  it('lists the allowed keys when no key is close', () => {
    const err = configError('[sources.identity]\ncolour = "blue"\n');
    expect(err.message).toBe(`${FILE}:2: unknown key 'colour' in [sources.identity]`);
    expect(err.hint).toBe('allowed keys: mfa_serial, mfa_process, region, session_duration, aws_profile, default');
  });

  it.each([
    ['[accounts]\nprod = "22222222222"\n', 2, "the id of account 'prod' must be 12 digits, not '22222222222'"],
    ['[accounts]\nprod = { id = "2222-2222-2222" }\n', 2, "the id of account 'prod' must be 12 digits, not '2222-2222-2222'"],
    ['[accounts]\nprod = 22222222222\n', 2, "the id of account 'prod' must be 12 digits, not '22222222222'"],
    ['[accounts]\n\nprod = { region = "eu-west-1" }\n', 3, "account 'prod' has no id"],
  ])('rejects a bad account id: %j', (text, line, message) => {
    expect(configError(text).message).toBe(`${FILE}:${line}: ${message}`);
  });

  it('rejects a bad role ARN', () => {
    expect(configError(`${SOURCE}\n[profiles.vendor]\nrole_arn = "arn:aws:iam::4444:role/Auditor"\n`).message).toBe(
      `${FILE}:6: 'role_arn' in [profiles.vendor] is invalid: 'arn:aws:iam::4444:role/Auditor' is not a role ARN (arn:aws:iam::<12-digit account id>:role/<name>)`,
    );
  });

  it('rejects a bad MFA serial', () => {
    expect(configError('[sources.identity]\nmfa_serial = "arn:aws:iam::111111111111:user/alice"\n').message).toBe(
      `${FILE}:2: 'mfa_serial' in [sources.identity] is invalid: 'arn:aws:iam::111111111111:user/alice' is not an MFA device ARN (arn:aws:iam::<12-digit account id>:mfa/<name>) or a hardware serial number`,
    );
  });

  it('rejects a bad role name', () => {
    expect(configError('[roles]\nadmin = "Org Admin"\n').message).toBe(
      `${FILE}:2: invalid IAM role name 'Org Admin' for role 'admin': use letters, digits and + = , . @ _ - (and / for a path)`,
    );
  });

  it.each([
    ['[sources.identity]\nsession_duration = "48h"\n', 2, 'session_duration in [sources.identity] 48h is out of range: it must be between 15 minutes and 36 hours'],
    ['[sources.identity]\nsession_duration = "5m"\n', 2, 'session_duration in [sources.identity] 5m is out of range: it must be between 15 minutes and 36 hours'],
    ['[roles]\nr = { name = "R", duration = "13h" }\n', 2, 'duration in [roles.r] 13h is out of range: it must be between 15 minutes and 12 hours'],
    [
      `${SOURCE}[profiles.x]\nrole_arn = "arn:aws:iam::222222222222:role/X"\nduration = "2 hours"\n`,
      6,
      "invalid duration in [profiles.x] '2 hours': write seconds (900) or a length such as 15m, 1h, 1h30m, between 15 minutes and 12 hours",
    ],
    ['[roles]\nr = { name = "R", duration = true }\n', 2, "'duration' in [roles.r] must be a duration such as \"1h\" or 900"],
  ])('rejects a bad duration: %j', (text, line, message) => {
    expect(configError(text).message).toBe(`${FILE}:${line}: ${message}`);
  });

  it("rejects a profile's source that names no source", () => {
    const err = configError(`${SOURCE}\n[profiles.x]\nrole_arn = "arn:aws:iam::222222222222:role/X"\nsource = "identiy"\n`);
    expect(err.message).toBe(`${FILE}:7: source 'identiy' of profile 'x' names no [sources.<name>] table (did you mean 'identity'?)`);
    expect(err.hint).toBe('sources: identity');
  });

  it('rejects two sources marked default', () => {
    const err = configError('[sources.a]\ndefault = true\n[sources.b]\nregion = "eu-west-1"\ndefault = true\n');
    expect(err.message).toBe(`${FILE}:5: two sources are marked default = true: [sources.a] and [sources.b]`);
  });

  it('rejects several sources with none default, when a profile needs the default', () => {
    const err = configError('[sources.a]\n[sources.b]\n[accounts]\nprod = "222222222222"\n[roles]\nadmin = "A"\n');
    expect(err.message).toBe(`${FILE}:1: profile 'prod-admin' needs a source, but none of [sources.a], [sources.b] is marked default = true`);
    expect(err.hint).toBe('mark one of them default = true, or give the profile a source in [profiles.prod-admin]');
  });

  it('rejects profiles when there is no source at all', () => {
    const err = configError('[accounts]\nprod = "222222222222"\n[roles]\nadmin = "A"\n');
    expect(err.message).toBe(`${FILE}:2: profile 'prod-admin' needs a source, and the profile map has no [sources.<name>] table`);
  });

  it('rejects a [profiles.X] that matches no generated profile and has no role_arn', () => {
    const err = configError(`${SOURCE}[accounts]\nprod = "222222222222"\n[roles]\nadmin = "A"\n[profiles.prdo-admin]\nregion = "eu-west-1"\n`);
    expect(err.message).toBe(`${FILE}:8: [profiles.prdo-admin] matches no account and role, and has no role_arn (did you mean 'prod-admin'?)`);
    expect(err.hint).toBe('name it <account>-<role> to refine a generated profile, or give it a role_arn');
  });

  it('rejects role_arn on a generated profile', () => {
    const err = configError(`${SOURCE}[accounts]\nprod = "222222222222"\n[roles]\nadmin = "A"\n[profiles.prod-admin]\nrole_arn = "arn:aws:iam::222222222222:role/B"\n`);
    expect(err.message).toBe(`${FILE}:9: [profiles.prod-admin] has role_arn, but 'prod-admin' is already the profile of account 'prod' with role 'admin'`);
  });

  it('rejects two account × role pairs that make the same name', () => {
    const err = configError(`${SOURCE}[accounts]\na-b = "222222222222"\na = "333333333333"\n[roles]\nc = "C"\nb-c = "BC"\n`);
    expect(err.message).toBe(`${FILE}:6: profile name 'a-b-c' is made twice: by account 'a-b' with role 'c' and by account 'a' with role 'b-c'`);
  });

  it('rejects default_profile naming no profile', () => {
    const err = configError(`${SOURCE}default_profile = "prod-admn"\n[accounts]\nprod = "222222222222"\n[roles]\nadmin = "A"\n`.replace(/^([\s\S]*?)(default_profile.*\n)/, '$2$1'));
    expect(err.message).toBe(`${FILE}:1: default_profile 'prod-admn' names no profile (did you mean 'prod-admin'?)`);
  });

  it.each([
    ['backend = "keychain"\n', 1, `'backend' in the top level is invalid: 'keychain' is not "os" or "file"`],
    ['sources = "x"\n', 1, "'sources' in the top level must be a table"],
    ['[sources]\nidentity = "x"\n', 2, '[sources.identity] must be a table'],
    ['[sources.identity]\nregion = 1\n', 2, "'region' in [sources.identity] must be a string"],
    ['[sources.identity]\nregion = "Europe"\n', 2, "'region' in [sources.identity] is invalid: 'Europe' is not an AWS region such as eu-west-1"],
    ['[sources.identity]\ndefault = "yes"\n', 2, "'default' in [sources.identity] must be true or false"],
    ['[sources.identity]\nmfa_process = "ykman"\n', 2, '[sources.identity] has mfa_process but no mfa_serial'],
    ['[accounts]\n"prod admin" = "222222222222"\n', 2, "invalid name 'prod admin' in [accounts]: use a name made of letters, digits and . _ - @ + (starting with a letter or digit)"],
    [
      `${SOURCE}[profiles.x]\nrole_arn = "arn:aws:iam::222222222222:role/X"\nsource_identity = "a"\n`,
      6,
      "'source_identity' in [profiles.x] is invalid: 'a' is not a name of 2 to 64 letters, digits or + = , . @ _ -",
    ],
    [
      `${SOURCE}[profiles.x]\nrole_arn = "arn:aws:iam::222222222222:role/X"\ntags = { ticket = 42 }\n`,
      6,
      "tag 'ticket' in [profiles.x.tags] must be a string",
    ],
    [`${SOURCE}[profiles.x]\nrole_arn = "arn:aws:iam::222222222222:role/X"\nexternal_id = "x"\n`, 6, "'external_id' in [profiles.x] is invalid: 'x' is not an external id of 2 to 1224 letters, digits or + = , . @ : / _ -"],
  ])('rejects wrong values: %j', (text, line, message) => {
    expect(configError(text).message).toBe(`${FILE}:${line}: ${message}`);
  });
});

describe('line numbers, best effort', () => {
  it('skip multi-line strings and follow dotted keys', () => {
    const text = [
      '[sources.identity]',
      'mfa_serial = "GAHT12345678"',
      'mfa_process = """',
      'region = "not a key"',
      '"""',
      '[profiles.x]',
      'role_arn = "arn:aws:iam::222222222222:role/X"',
      'tags.ticket = "OPS-1"',
      'tags.count = 3',
    ].join('\n');
    expect(configError(text).message).toBe(`${FILE}:9: tag 'count' in [profiles.x.tags] must be a string`);
  });

  it('find keys inside inline tables', () => {
    const text = '[accounts]\nprod = "222222222222"\n"dev" = { region = "eu-west-1", "id" = "1" }\n';
    expect(configError(text).message).toBe(`${FILE}:3: the id of account 'dev' must be 12 digits, not '1'`);
  });
});
