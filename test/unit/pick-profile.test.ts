/** How the picker ranks profiles for what the user types (pure; the picker itself: test/integration/picker.test.ts). */
import { describe, expect, it } from 'vitest';
import { matchProfiles } from '../../src/app/pick-profile.js';
import type { ProfilePlan } from '../../src/core/profile-map/types.js';

describe('profile matching', () => {
  const plan = (name: string, accountName: string, accountId: string, roleName: string) =>
    ({ name, accountName, accountId, roleName, roleArn: `arn:aws:iam::${accountId}:role/${roleName}` }) as ProfilePlan;
  const plans = [
    plan('dev-admin', 'dev', '111111111111', 'OrganizationAccountAccessRole'),
    plan('prod-admin', 'prod', '222222222222', 'OrganizationAccountAccessRole'),
    plan('prod-readonly', 'prod', '222222222222', 'ReadOnly'),
    plan('staging-readonly', 'staging', '333333333333', 'ReadOnly'),
  ];
  const names = (term: string) => matchProfiles(plans, term).map((p) => p.name);

  it('keeps every profile, in order, for an empty term', () => {
    expect(names('')).toEqual(['dev-admin', 'prod-admin', 'prod-readonly', 'staging-readonly']);
  });
  it('puts names starting with the term first, then names containing it, then other fields', () => {
    expect(names('read')).toEqual(['prod-readonly', 'staging-readonly']);
    expect(names('prod')).toEqual(['prod-admin', 'prod-readonly']);
    expect(names('admin')).toEqual(['dev-admin', 'prod-admin']);
    expect(names('Organization')).toEqual(['dev-admin', 'prod-admin']);
  });
  it('matches account ids and role names, every word', () => {
    expect(names('3333')).toEqual(['staging-readonly']);
    expect(names('prod readonly')).toEqual(['prod-readonly']);
  });
  it('matches the letters of a name in order', () => {
    expect(names('pra')).toEqual(['prod-admin', 'prod-readonly']);
    expect(names('zzz')).toEqual([]);
  });
});
