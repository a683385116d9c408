/**
 * The profile map at organisation scale (issue 16): 5,000 accounts × 5 roles written in the map itself. One profile
 * is resolved without making every name, and its `definedAt` (a scan of the map's text for a line number) is
 * found only when read, also through a copy with the request applied.
 */
import { describe, expect, it } from 'vitest';
import { buildProfileMap } from '../../src/core/profile-map/build.js';
import { namesCanClash } from '../../src/core/profile-map/profile-entries.js';
import { planWith } from '../../src/core/profile-map/resolve.js';

const FILE = '/home/alice/.config/xacct/config.toml';
const ROLES = ['admin', 'readonly', 'dev', 'ops', 'audit'];

function bigMap(accounts: number): string {
  const lines = ['[sources.identity]', 'region = "eu-west-1"', '', '[accounts]'];
  for (let i = 0; i < accounts; i++) lines.push(`account-${i} = "${String(300000000000 + i)}"`);
  lines.push('', '[roles]', ...ROLES.map((r) => `${r} = "R${r}"`), '', '[profiles.account-4999-ops]', 'external_id = "ext-4999"', '');
  return lines.join('\n');
}

describe('a map of 25,000 profiles', () => {
  const map = buildProfileMap({ profileMap: { file: FILE, text: bigMap(5_000) } });

  it('has every account × role, and resolves any one of them', () => {
    expect(map.profiles.size).toBe(25_000);
    expect(map.profiles.has('account-4999-audit')).toBe(true);
    expect(map.profiles.has('account-5000-audit')).toBe(false);
    expect(map.profiles.has('account-4999')).toBe(false);
    const plan = map.profiles.get('account-4321-readonly')!;
    expect(plan.roleArn).toBe('arn:aws:iam::300000004321:role/Rreadonly');
    expect(map.profiles.get('account-4999-ops')?.externalId).toBe('ext-4999');
    expect([...map.profiles.keys()].length).toBe(25_000);
  });

  it('finds where a profile is defined only when asked, and a copy with changes does not ask', () => {
    const plan = map.profiles.get('account-2500-dev')!;
    const copy = planWith(plan, { region: 'us-east-1', durationSeconds: 900 });
    expect(Object.getOwnPropertyDescriptor(copy, 'definedAt')?.get).toBeTypeOf('function');
    expect(copy.region).toBe('us-east-1');
    expect(copy.durationSeconds).toBe(900);
    expect(plan.region).toBe('eu-west-1');
    expect(copy.definedAt).toBe(`${FILE}:${2500 + 5}`);
    expect(map.profiles.get('account-4999-ops')?.definedAt).toMatch(/config\.toml:5013$/);
  });
});

describe('namesCanClash', () => {
  const accounts = (...names: string[]) => new Map(names.map((n) => [n, { name: n, id: '1', origin: 'map' as const }]));
  const roles = (...names: string[]) => new Map(names.map((n) => [n, { name: n, nameWithPath: n }]));
  it('is true only when an account extends another by -x and a role is x-<role>', () => {
    expect(namesCanClash(accounts('prod', 'prod-eu'), roles('admin', 'eu-admin'))).toBe(true); // prod-eu-admin twice
    expect(namesCanClash(accounts('prod', 'prod-eu'), roles('admin', 'readonly'))).toBe(false);
    expect(namesCanClash(accounts('prod-eu', 'staging'), roles('eu-admin', 'admin'))).toBe(false);
  });
});
