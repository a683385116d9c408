/** doctor's organization line: when organization.toml was written, how many accounts it holds, and for what. */
import { describe, expect, it } from 'vitest';
import { organizationFindings } from '../../src/app/doctor/checks/organization.js';
import { buildProfileMap } from '../../src/core/profile-map/build.js';
import type { OrganizationFile } from '../../src/core/organization/organization-file.js';

const FILE = '/home/u/.local/share/xacct/organization.toml';
const synced: OrganizationFile = {
  organizationId: 'o-abc123defg',
  via: 'mgmt-orgreader',
  includeOus: [],
  exclude: [],
  syncedAt: '2030-01-01T09:00:00.000Z',
  accounts: [
    { name: 'prod', id: '222222222222' },
    { name: 'dev', id: '333333333333' },
  ],
};
const map = (organization: string, data?: OrganizationFile) =>
  buildProfileMap({
    profileMap: { file: 'c.toml', text: `[sources.s]\n[organization]\n${organization}\n[accounts]\nprod = "222222222222"\n[roles]\nadmin = "A"\n` },
    ...(data ? { organization: { file: FILE, data } } : {}),
  }).organization!;
const lines = (o: ReturnType<typeof map>) => organizationFindings(o, FILE, new Date('2030-01-01T12:30:00Z')).map((f) => `${f.status} ${f.message}${f.fix ? ` (fix: ${f.fix})` : ''}`);

describe('doctor: organization', () => {
  it('says when the accounts were synced, how many, and how many the map itself names', () => {
    expect(lines(map('via = "mgmt-orgreader"', synced))).toEqual([
      `ok o-abc123defg: 2 accounts in ${FILE} (via mgmt-orgreader, synced 2030-01-01T09:00:00.000Z (3 hours ago; a sync that finds no change leaves the file as it is)); 1 of them left out because your own [accounts] names them`,
    ]);
  });

  it('warns before the first sync, and when the settings changed since', () => {
    expect(lines(map('via = "mgmt-orgreader"'))).toEqual([`warning [organization] (via mgmt-orgreader) is set, but ${FILE} does not exist: no account is synced yet (fix: run xacct sync)`]);
    expect(lines(map('via = "mgmt-orgreader"\nexclude = ["dev"]', synced)).at(-1)).toBe(
      `warning ${FILE} was written for other [organization] settings (via, include_ous or exclude) than the profile map has now (fix: run xacct sync)`,
    );
  });
});
