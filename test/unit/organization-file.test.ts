/** organization.toml: written and read by one codec; the profile map reads it as part of [accounts]. */
import { describe, expect, it } from 'vitest';
import { parseOrganizationFile, renderOrganizationFile, sameContent, type OrganizationFile } from '../../src/core/organization/organization-file.js';
import { buildProfileMap } from '../../src/core/profile-map/build.js';
import { ConfigError } from '../../src/core/errors.js';

const FILE = '/d/xacct/organization.toml';
const data: OrganizationFile = {
  organizationId: 'o-abc123defg',
  managementAccountId: '123456789012',
  via: 'mgmt-orgreader',
  includeOus: [],
  exclude: ['sandbox-*'],
  syncedAt: '2026-12-01T09:00:00.000Z',
  accounts: [
    { name: 'prod', id: '222222222222', awsName: 'Prod' },
    { name: 'data-lake', id: '444444444444', awsName: 'Data "Lake"\n' },
    { name: 'shared', id: '333333333333', awsName: 'shared' },
  ],
};

describe('the organization file', () => {
  it('reads back what it writes, sorted by name, the AWS Name as a comment (never a line break)', () => {
    const text = renderOrganizationFile(data);
    expect(text).toContain('\n[accounts]\ndata-lake = "444444444444" # Data "Lake"?\nprod = "222222222222" # Prod\nshared = "333333333333"\n');
    const back = parseOrganizationFile(text, FILE);
    expect(back).toMatchObject({ organizationId: 'o-abc123defg', via: 'mgmt-orgreader', exclude: ['sandbox-*'], syncedAt: data.syncedAt });
    expect(back.accounts.map(({ name, id }) => [name, id])).toEqual([
      ['data-lake', '444444444444'],
      ['prod', '222222222222'],
      ['shared', '333333333333'],
    ]);
    expect(back.accounts[1]!.line).toBe(text.split('\n').indexOf('prod = "222222222222" # Prod') + 1);
    expect(sameContent(back, { ...data, syncedAt: 'later' })).toBe(true);
    expect(sameContent(back, { ...data, accounts: data.accounts.slice(1) })).toBe(false);
  });

  it('reads a file someone edited with the TOML parser, and names the file and line of what is wrong', () => {
    const edited = renderOrganizationFile(data).replace('prod = "222222222222" # Prod', "'prod' = \"222222222222\"\nextra = { id = 1 }");
    const err = (() => {
      try {
        parseOrganizationFile(edited, FILE);
      } catch (e) {
        return e as ConfigError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toBe(`${FILE}:${edited.split('\n').findIndex((l) => l.startsWith('extra')) + 1}: the id of account 'extra' must be 12 digits in a string`);
    expect(err!.hint).toMatch(/run xacct sync/);
    expect(parseOrganizationFile(renderOrganizationFile(data).replace('prod = ', 'prod  =  '), FILE).accounts).toHaveLength(3);
    expect(() => parseOrganizationFile('[accounts]\nx = "1"\n', FILE)).toThrow(/must be 12 digits/);
    expect(() => parseOrganizationFile('[accounts\n', FILE)).toThrow(/invalid TOML/);
    expect(() => parseOrganizationFile('[accounts]\na = "111111111111"\nb = "111111111111"\n', FILE)).toThrow(/listed twice/);
  });
});

describe('the profile map with synced accounts', () => {
  const map = (organization: string, accounts = '') =>
    buildProfileMap({
      profileMap: {
        file: 'config.toml',
        text: `[sources.identity]\n\n[organization]\n${organization}\n\n[accounts]\n${accounts}\n\n[roles]\nadmin = "Admin"\nops-admin = "OpsAdmin"\n\n[profiles.shared-admin]\nduration = "2h"\n`,
      },
      organization: { file: FILE, data: parseOrganizationFile(renderOrganizationFile(data), FILE) },
    });

  it('reads them as part of [accounts]; the map’s own accounts win by name or by id', () => {
    const m = map('via = "x"', 'prod = "555555555555"\nlake = "444444444444"');
    expect(m.profiles.get('prod-admin')).toMatchObject({ accountId: '555555555555', origin: 'generated' });
    expect(m.profiles.has('data-lake-admin')).toBe(false);
    expect(m.profiles.get('lake-admin')?.origin).toBe('generated');
    expect(m.profiles.get('shared-admin')).toMatchObject({ origin: 'organization', accountId: '333333333333', durationSeconds: 7200, roleArn: 'arn:aws:iam::333333333333:role/Admin' });
    expect(m.profiles.get('shared-ops-admin')?.definedAt).toMatch(/^\/d\/xacct\/organization\.toml:\d+$/);
    expect(m.organization?.shadowed.map((s) => [s.account.name, s.by.name])).toEqual([
      ['data-lake', 'lake'],
      ['prod', 'prod'],
    ]);
    expect(m.files).toEqual(['config.toml', FILE]);
  });

  it('leaves out a synced profile whose name the map has, instead of failing', () => {
    // Account "shared-ops" of the map + role "admin" and synced "shared" + role "ops-admin" make one name.
    const m = map('via = "x"', 'shared-ops = "666666666666"');
    expect(m.profiles.get('shared-ops-admin')?.accountId).toBe('666666666666');
    expect(m.organization?.dropped.map((d) => [d.profile, d.account.name])).toEqual([['shared-ops-admin', 'shared']]);
  });

  it('reads nothing synced without [organization], and checks [organization]', () => {
    const m = buildProfileMap({ profileMap: { file: 'c.toml', text: '[sources.s]\n[roles]\nadmin = "A"\n' }, organization: { file: FILE, data } });
    expect(m.profiles.size).toBe(0);
    expect(() => map('')).toThrow(/config\.toml:3: \[organization\] has no via/);
    expect(() => map('via = "x"\ninclude_ous = ["ou-bad"]')).toThrow(/config\.toml:5: 'include_ous' in \[organization\] is invalid: 'ou-bad' is not an OU id/);
    expect(() => map('via = "x"\nexclude = "sandbox-*"')).toThrow(/'exclude' in \[organization\] must be a list of strings/);
    expect(() => map('via = "x"\nincude_ous = []')).toThrow("config.toml:5: unknown key 'incude_ous' in [organization] (did you mean 'include_ous'?)");
  });
});
